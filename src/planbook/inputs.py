"""What a book page reads, declared once: the rows it may use and the hash that says when it is stale.

Every notebook declares its inputs in one cell tagged ``reads``, as a call of :class:`Reads`::

    reads = pb.Reads(part=part, series=["national_rural_income"], sections=["outlook"])

In the kernel that cell builds the declaration, and the page loads **only** the rows it selects
(:func:`load`): a section that reads a series the page does not declare fails with a message naming
the cell to edit.  The pipeline reads the same cell without running the notebook
(:func:`declared_in`) and hashes the same selection (:func:`inputs_hash`), so a page is stale exactly
when a row it can read changes.  The package modules a page depends on are found the same way: the
``planbook`` modules its cells import, and everything those import in turn (:func:`modules_of`).
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planbook import outlook
from planbook.data import RESOURCES, Dataset, read_frames, typed

PACKAGE_DIR = Path(__file__).resolve().parent

# Sections of the package that read series besides the targets' own, each declared next to its code.
SECTIONS: dict[str, frozenset[str]] = {
    "outlook": outlook.SERIES,
}


@dataclass(frozen=True)
class Reads:
    """The rows of data/ a page reads.

    * ``part``: the part's targets (including its 13th-plan review rows for part 1) and the main
      indicators the data place in the part (``main_indicators.csv``), their series and benchmark
      series, the observations, breaks and recorded conflicts of those series, the undertakings'
      events and stated results, and the sources all of these cite;
    * ``series``: further series the page's own sections read (with their observations and breaks);
    * ``sections``: package sections used by the page (:data:`SECTIONS`), whose series are added;
    * ``everything``: the whole of data/ (pages that summarise the plan).

    ``Reads()`` reads no data.
    """

    part: int | None = None
    series: tuple[str, ...] = field(default=())
    sections: tuple[str, ...] = field(default=())
    everything: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "series", tuple(sorted(set(self.series))))
        object.__setattr__(self, "sections", tuple(sorted(set(self.sections))))
        unknown = [s for s in self.sections if s not in SECTIONS]
        if unknown:
            raise ValueError(f"unknown section(s) {unknown}; known: {sorted(SECTIONS)}")

    @classmethod
    def all(cls) -> Reads:
        return cls(everything=True)

    @property
    def all_series(self) -> frozenset[str]:
        extra = set(self.series)
        for s in self.sections:
            extra |= SECTIONS[s]
        return frozenset(extra)

    def __str__(self) -> str:
        if self.everything:
            return "Reads(everything=True)"
        bits = [f"part={self.part}"] if self.part is not None else []
        if self.series:
            bits.append(f"series={list(self.series)}")
        if self.sections:
            bits.append(f"sections={list(self.sections)}")
        return f"Reads({', '.join(bits)})"


def select(frames: dict[str, pd.DataFrame], reads: Reads) -> dict[str, pd.DataFrame]:
    """The rows of each table (as read by :func:`planbook.data.read_frames`) that ``reads`` declares."""
    if reads.everything:
        return dict(frames)
    t, placed = frames["targets"], frames["main_indicators"]
    if reads.part is None:
        targets = t.iloc[0:0]
    else:  # the part's targets, and the main indicators the data place in the part (main_indicators.csv)
        here = set(placed[placed["part"] == str(reads.part)]["target_id"])
        targets = t[(t["part"] == str(reads.part)) | t["target_id"].isin(here)]
    series = (set(targets["series_id"]) | set(targets["benchmark_series_id"]) | reads.all_series) - {""}
    ids = set(targets["target_id"])
    out = {
        "targets": targets,
        "main_indicators": placed[placed["target_id"].isin(ids)],
        "conflicts": frames["conflicts"][frames["conflicts"]["series_id"].isin(series)],
        "series": frames["series"][frames["series"]["series_id"].isin(series)],
        "observations": frames["observations"][frames["observations"]["series_id"].isin(series)],
        "breaks": frames["breaks"][frames["breaks"]["series_id"].isin(series)],
        "milestones": frames["milestones"][frames["milestones"]["target_id"].isin(ids)],
        "plan_results": frames["plan_results"][frames["plan_results"]["target_id"].isin(ids)],
    }
    cited = set()
    for name in ("observations", "breaks", "milestones", "plan_results", "conflicts"):
        cited |= set(out[name]["source_id"])
    out["sources"] = frames["sources"][frames["sources"]["source_id"].isin(cited)]
    return {name: out[name].reset_index(drop=True) for name in RESOURCES}


def load(reads: Reads, data_dir: Path | str) -> Dataset:
    """The dataset a page works with: only the rows its declaration selects."""
    frames = select(read_frames(data_dir), reads)
    return typed(frames, data_dir, reads="" if reads.everything else str(reads))


def inputs_hash(reads: Reads, data_dir: Path | str) -> str:
    """Content hash of the rows ``reads`` selects (and of the data package's schema)."""
    data_dir = Path(data_dir)
    frames = select(read_frames(data_dir), reads)
    h = hashlib.sha256()
    h.update((data_dir / "datapackage.json").read_bytes())
    for name in sorted(frames):
        df = frames[name]
        h.update(name.encode() + b"\0" + ",".join(df.columns).encode() + b"\0")
        h.update(df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return h.hexdigest()


# ---- reading the declaration and the imports of a notebook without running it ---------------------
READS_TAG = "reads"


class DeclarationError(ValueError):
    """A notebook's ``reads`` cell is missing or is not a plain ``reads = pb.Reads(...)``."""


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def declared_in(path: Path, parameters: dict) -> Reads:
    """The :class:`Reads` a notebook declares in its cell tagged ``reads``.

    The cell must assign ``reads = <module>.Reads(keyword=value, …)`` where each value is a literal
    or the name of a parameter (e.g. ``part=part``); nothing in the notebook is executed.
    """
    cells = [c for c in _cells(path) if READS_TAG in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise DeclarationError(f"{path}: expected one cell tagged '{READS_TAG}' declaring what the page reads, "
                               f"found {len(cells)}")
    tree = ast.parse(_source(cells[0]))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "reads" and isinstance(node.value, ast.Call)):
            call = node.value
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            if call.args:
                raise DeclarationError(f"{path}: give Reads(...) keyword arguments only")
            if name == "all" and isinstance(call.func, ast.Attribute):
                return Reads.all()
            if name != "Reads":
                break
            kwargs = {}
            for kw in call.keywords:
                if isinstance(kw.value, ast.Name) and kw.value.id in parameters:
                    kwargs[kw.arg] = parameters[kw.value.id]
                else:
                    try:
                        kwargs[kw.arg] = ast.literal_eval(kw.value)
                    except ValueError:
                        raise DeclarationError(f"{path}: Reads({kw.arg}=…) must be a literal or a parameter "
                                               "name") from None
            return Reads(**kwargs)
    raise DeclarationError(f"{path}: the '{READS_TAG}' cell must assign reads = pb.Reads(...) or pb.Reads.all()")


def _imported_modules(source: str) -> set[str]:
    """The planbook modules a piece of code imports (``import planbook.x``, ``from planbook import x`` …)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a cell with IPython syntax imports nothing we can see
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "planbook"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "planbook":
            found.add(node.module)
            if node.module == "planbook":
                found |= {f"planbook.{a.name}" for a in node.names
                          if (PACKAGE_DIR / f"{a.name}.py").exists()}
    return found


def _module_file(name: str) -> Path:
    parts = name.split(".")[1:]
    return PACKAGE_DIR / ("__init__.py" if not parts else f"{'/'.join(parts)}.py")


def module_closure(names: set[str]) -> list[str]:
    """``names`` and every planbook module they import, directly or not (sorted)."""
    seen: set[str] = set()
    todo = set(names) | {"planbook"}
    while todo:
        name = todo.pop()
        if name in seen or not _module_file(name).exists():
            continue
        seen.add(name)
        todo |= _imported_modules(_module_file(name).read_text(encoding="utf-8")) - seen
    return sorted(seen)


def modules_of(path: Path) -> list[str]:
    """The planbook modules a notebook's outputs depend on: what its cells import, and so on."""
    names = set()
    for cell in _cells(path):
        if cell.get("cell_type") == "code":
            names |= _imported_modules(_source(cell))
    return module_closure(names)


def code_hash(modules: list[str]) -> str:
    h = hashlib.sha256()
    for name in sorted(modules):
        h.update(name.encode() + b"\0" + _module_file(name).read_bytes() + b"\0")
    return h.hexdigest()
