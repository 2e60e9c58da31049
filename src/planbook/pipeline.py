"""data/ -> papermill -> book/ -> Jupyter Book -> _build/html.

* Every notebook is executed into a staging folder; book/ is updated only when every notebook of
  the run succeeded, and ``_build/html`` only when the whole book built.
* Each executed notebook records its provenance (parameters, content hashes of the data, the
  template and the package, versions) in ``metadata.planbook``; volatile metadata (timestamps,
  durations) is removed so that the same inputs give byte-identical notebooks.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import nbformat

from planbook import paths

PARTS = tuple(range(1, 12))
PAGES = ("data", "method")  # computed book pages other than the parts: notebooks/<name>.ipynb -> book/<name>.ipynb
DEFAULT_AS_OF = 2025
MAIN_LIBRARIES = ("pandas", "altair", "vl-convert-python", "papermill", "myst-nb", "jupyter-book", "frictionless")


class RunError(Exception):
    """A notebook failed: names the notebook and the cell."""


@dataclass(frozen=True)
class Job:
    name: str  # part01 … part11, data
    template: Path
    output: Path  # final location in book/
    parameters: dict

    @property
    def cwd(self) -> Path:
        return self.output.parent


def part_name(part: int) -> str:
    return f"part{part:02d}"


def jobs_for(parts: list[int] | None = None, as_of: int = DEFAULT_AS_OF, root: Path | None = None,
             pages: bool = True) -> list[Job]:
    root = root or paths.REPO_ROOT
    book, nbs = root / "book", root / "notebooks"
    out = []
    for p in parts or PARTS:
        out.append(Job(part_name(p), nbs / f"{part_name(p)}.ipynb", book / "parts" / f"{part_name(p)}.ipynb",
                       {"part": p, "as_of_year": as_of, "data_dir": "../../data"}))
    if pages and not parts:
        for name in PAGES:
            out.append(Job(name, nbs / f"{name}.ipynb", book / f"{name}.ipynb",
                           {"part": 0, "as_of_year": as_of, "data_dir": "../data"}))
    return out


# ---- provenance -----------------------------------------------------------------------------
def _hash_files(files: list[Path], base: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(base)).encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def data_hash(data_dir: Path) -> str:
    return _hash_files([p for p in data_dir.iterdir() if p.suffix in (".csv", ".json")], data_dir)


# Series every part 1 notebook reads besides its own targets' (the 2035 outlook).
EXTRA_SERIES = {1: {"urban_income", "rural_income", "life_expectancy", "urbanization_rate", "national_urban_income",
                    "national_rural_income", "national_life_expectancy", "national_urbanization_rate"}}


def _rows(data_dir: Path, name: str):
    import pandas as pd

    return pd.read_csv(data_dir / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")


def inputs_hash(job: Job, data_dir: Path) -> str:
    """Content hash of the data rows a notebook reads.

    A part notebook reads its own targets (for part 1 also the 13th-plan rows and their results), the
    series they name, the observations and breaks of those series, its milestones, and the sources
    all of these cite.  Pages that summarise the whole plan (part 11, data, method) read everything.
    An edit elsewhere in data/ leaves the hash, and so the published notebook, as it is.
    """
    part = int(job.parameters.get("part", 0))
    if job.name == "method":
        return hashlib.sha256(b"reads no data").hexdigest()
    if part in (0, 11):
        return data_hash(data_dir)
    t = _rows(data_dir, "targets")
    t = t[t["part"] == str(part)]
    series = (set(t["series_id"]) | set(t["benchmark_series_id"]) | EXTRA_SERIES.get(part, set())) - {""}
    ids = set(t["target_id"])
    frames = {
        "datapackage": None,
        "targets": t,
        "series": _rows(data_dir, "series").pipe(lambda d: d[d["series_id"].isin(series)]),
        "observations": _rows(data_dir, "observations").pipe(lambda d: d[d["series_id"].isin(series)]),
        "breaks": _rows(data_dir, "breaks").pipe(lambda d: d[d["series_id"].isin(series)]),
        "milestones": _rows(data_dir, "milestones").pipe(lambda d: d[d["target_id"].isin(ids)]),
        "plan_results": _rows(data_dir, "plan_results").pipe(lambda d: d[d["target_id"].isin(ids)]),
    }
    cited = set()
    for name in ("observations", "breaks", "milestones", "plan_results"):
        cited |= set(frames[name]["source_id"])
    frames["sources"] = _rows(data_dir, "sources").pipe(lambda d: d[d["source_id"].isin(cited)])
    h = hashlib.sha256()
    h.update((data_dir / "datapackage.json").read_bytes())
    for name in sorted(k for k in frames if k != "datapackage"):
        df = frames[name]
        h.update(name.encode() + b"\0" + ",".join(df.columns).encode() + b"\0")
        h.update(df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return h.hexdigest()


# The package modules a notebook's outputs depend on (the command line, pipeline and verification don't).
NOTEBOOK_MODULES = ("__init__.py", "paths.py", "data.py", "assess.py", "outlook.py", "charts.py", "report.py")


def code_hash() -> str:
    pkg = Path(__file__).resolve().parent
    return _hash_files([pkg / m for m in NOTEBOOK_MODULES], pkg)


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _git_commit(root: Path) -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def provenance(job: Job, root: Path) -> dict:
    from planbook import __version__

    versions = {}
    for lib in MAIN_LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = ""
    return {
        "parameters": dict(job.parameters),
        "template": str(job.template.relative_to(root)),
        "template_sha256": file_hash(job.template),
        "inputs_sha256": inputs_hash(job, root / "data"),
        "code_sha256": code_hash(),
        "planbook_version": __version__,
        "commit": _git_commit(root),
        "python": platform.python_version(),
        "libraries": versions,
    }


# ---- execution ------------------------------------------------------------------------------
def normalize(nb: nbformat.NotebookNode, prov: dict) -> nbformat.NotebookNode:
    """Drop what changes from run to run (timestamps, durations) and record provenance."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    nb.metadata["planbook"] = prov
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"  # papermill gives it a random id
            if "remove-cell" not in tags:
                cell.metadata["tags"] = tags + ["remove-cell"]
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                out.get("metadata", {}).pop("execution", None)
    return nb


def execute_job(job: Job, staging: Path, root: Path) -> Path:
    """Execute one notebook with papermill into ``staging``; return the staged path."""
    import papermill as pm

    staging.mkdir(parents=True, exist_ok=True)
    job.cwd.mkdir(parents=True, exist_ok=True)
    staged = staging / f"{job.name}.ipynb"
    try:
        pm.execute_notebook(str(job.template), str(staged), parameters=job.parameters, cwd=str(job.cwd),
                            kernel_name="python3", progress_bar=False, log_output=False,
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    except pm.PapermillExecutionError as exc:
        raise RunError(f"{job.template.relative_to(root)}: cell {exc.exec_count or exc.cell_index} failed: "
                       f"{exc.ename}: {exc.evalue}") from None
    except Exception as exc:  # kernel died, template missing, ...
        raise RunError(f"{job.template.relative_to(root)}: {type(exc).__name__}: {exc}") from None
    nb = nbformat.read(staged, as_version=4)
    nbformat.write(normalize(nb, provenance(job, root)), staged)
    return staged


STAMP_KEYS = ("parameters", "template_sha256", "inputs_sha256", "code_sha256")


def recorded(job: Job) -> dict | None:
    """The provenance recorded in the published notebook, if there is one."""
    if not job.output.exists():
        return None
    try:
        nb = nbformat.read(job.output, as_version=4)
    except Exception:  # unreadable: treat as missing
        return None
    return nb.metadata.get("planbook")


def staleness(job: Job, root: Path) -> list[str]:
    """Why the published notebook no longer matches its inputs (empty when it is current)."""
    rec = recorded(job)
    if rec is None:
        return ["not published yet"]
    why = []
    if rec.get("parameters") != job.parameters:
        why.append(f"parameters changed ({rec.get('parameters')} → {job.parameters})")
    if rec.get("template_sha256") != file_hash(job.template):
        why.append(f"template {job.template.relative_to(root)} changed")
    if rec.get("inputs_sha256") != inputs_hash(job, root / "data"):
        why.append("the data it reads changed")
    if rec.get("code_sha256") != code_hash():
        why.append("the planbook package changed")
    return why


def run(jobs: list[Job], root: Path | None = None, n_jobs: int | None = None, progress=None) -> list[Path]:
    """Execute ``jobs`` in parallel; publish into book/ only if all succeed."""
    root = root or paths.REPO_ROOT
    if not jobs:
        return []
    n_jobs = max(1, min(n_jobs or os.cpu_count() or 1, len(jobs)))
    staging = Path(tempfile.mkdtemp(prefix=".run-", dir=root / "book"))
    errors: list[str] = []
    staged: dict[str, Path] = {}
    try:
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            futures = {pool.submit(execute_job, job, staging, root): job for job in jobs}
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    staged[job.name] = fut.result()
                    if progress:
                        progress(job, None)
                except RunError as exc:
                    errors.append(str(exc))
                    if progress:
                        progress(job, str(exc))
        if errors:
            raise RunError("nothing was published; the book in book/ is unchanged.\n" + "\n".join(errors))
        published = []
        for job in jobs:
            job.output.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged[job.name], job.output)
            published.append(job.output)
        return published
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ---- the book -------------------------------------------------------------------------------
def html_inputs_hash(root: Path) -> str:
    """What the HTML is built from: the book's sources, the configuration and the package (its Sphinx extension)."""
    files = [root / "_config.yml", root / "_toc.yml"]
    files += [p for p in (root / "book").rglob("*") if p.is_file() and not any(
        part.startswith(".run-") or part == ".ipynb_checkpoints" for part in p.relative_to(root / "book").parts)]
    sphinxext = Path(__file__).resolve().with_name("sphinxext.py")
    return hashlib.sha256((_hash_files(files, root) + code_hash() + file_hash(sphinxext)).encode()).hexdigest()


HTML_STAMP = ".planbook-html-inputs"


def build_book(root: Path | None = None, strict: bool = True, force: bool = False) -> tuple[Path, bool]:
    """Build _build/html with Jupyter Book; replace the previous HTML only if the build succeeds.

    Returns the HTML folder and whether it was (re)built: when nothing the HTML is made from changed
    since the last build, the build is skipped.  When ``_build/pdf`` holds a PDF printed from HTML with
    these same inputs, the front page links it (and Sphinx copies it into ``_downloads/``); otherwise the
    front page says how to make it.
    """
    from planbook import charts
    from planbook.pdf import PDF_ENV, current_pdf

    root = root or paths.REPO_ROOT
    charts.write_bundle(root / "book" / "_static")
    build_root = root / "_build"
    build_root.mkdir(exist_ok=True)
    content = html_inputs_hash(root)
    pdf = current_pdf(root, content)
    stamp = f"{content}\n{'pdf' if pdf else 'no pdf'}\n"
    html = build_root / "html"
    if not force and (html / HTML_STAMP).exists() and (html / HTML_STAMP).read_text() == stamp \
            and (html / "index.html").exists():
        return html, False
    nxt = build_root / ".next"
    shutil.rmtree(nxt, ignore_errors=True)
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe), "build", str(root), "--path-output", str(nxt), "--builder", "html"]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    env = {**os.environ, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "1767225600"}
    env.pop(PDF_ENV, None)
    if pdf:
        env[PDF_ENV] = "/" + pdf.relative_to(root).as_posix()
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        log = build_root / "build-error.log"
        log.write_text(proc.stdout + "\n" + proc.stderr, encoding="utf-8")
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise RunError(f"jupyter-book build failed (full log: {log}); _build/html is unchanged.\n{tail}")
    (nxt / "_build" / "html" / HTML_STAMP).write_text(stamp)
    old = build_root / ".old"
    shutil.rmtree(old, ignore_errors=True)
    if html.exists():
        os.replace(html, old)
    os.replace(nxt / "_build" / "html", html)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(nxt, ignore_errors=True)
    return html, True
