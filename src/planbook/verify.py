"""Reviewers' check: re-execute the published notebooks and compare every figure.

For each notebook in book/ the recorded parameters (``metadata.planbook``) are used to execute it
again with papermill into a temporary folder.  Then the two versions are compared figure by figure:
every glued value, every cell of every table, every data point of every chart, and every generated
sentence.  Separately, the recorded content hashes say whether data/, a template or the package
changed since the notebook was published (a stale book).
"""

from __future__ import annotations

import html as htmlmod
import json
import re
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import nbformat

from planbook import pipeline


@dataclass
class Mismatch:
    notebook: str
    cell: int
    key: str
    published: str
    reexecuted: str


@dataclass
class Report:
    checked: int = 0
    notebooks: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    stale: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.stale and not self.errors


class _Tables(HTMLParser):
    """Cells of every <table> in an HTML fragment, as (table, row, column, text)."""

    def __init__(self):
        super().__init__()
        self.cells: list[tuple[int, int, int, str]] = []
        self.table = -1
        self.row = -1
        self.col = -1
        self.buf: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.table += 1
            self.row = -1
        elif tag == "tr":
            self.row += 1
            self.col = -1
        elif tag in ("td", "th"):
            self.col += 1
            self.buf = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.buf is not None:
            self.cells.append((self.table, self.row, self.col, " ".join("".join(self.buf).split())))
            self.buf = None

    def handle_data(self, data):
        if self.buf is not None:
            self.buf.append(data)


_SPEC = re.compile(r"var spec=(\{.*?\});function draw", re.S)


def _chart_points(markup: str) -> list[tuple[str, str]]:
    m = _SPEC.search(markup)
    if not m:
        return []
    spec = json.loads(m.group(1))
    out = []
    for _name, rows in sorted((spec.get("datasets") or {}).items()):
        for i, row in enumerate(rows):
            for k, v in sorted(row.items()):
                out.append((f"chart data row {i} field {k}", json.dumps(v, ensure_ascii=False)))
    return out


def figures(nb) -> list[tuple[int, str, str]]:
    """Every figure a notebook shows, as (cell index, key, value)."""
    out = []
    for ci, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        table_no = 0
        for oi, o in enumerate(cell.get("outputs", [])):
            data = o.get("data", {})
            scrap = o.get("metadata", {}).get("scrapbook", {})
            if scrap.get("name"):
                prefix = scrap.get("mime_prefix", "")
                out.append((ci, f"glue '{scrap['name']}'", data.get(prefix + "text/plain", data.get("text/plain", ""))))
                continue
            markup = data.get("text/html")
            if markup:
                if "planbook-chart" in markup:
                    pts = _chart_points(markup)
                    out += [(ci, f"output {oi}: {k}", v) for k, v in pts]
                else:
                    p = _Tables()
                    p.feed(markup)
                    for t, r, c, text in p.cells:
                        out.append((ci, f"output {oi}: table {table_no + t} row {r} column {c}", text))
                    table_no += p.table + 1
                continue
            if "text/markdown" in data:
                out.append((ci, f"output {oi}: text", htmlmod.unescape(data["text/markdown"])))
    return out


def compare(name: str, published, reexecuted) -> tuple[int, list[Mismatch]]:
    a, b = figures(published), figures(reexecuted)
    mism = []
    da = {(c, k): v for c, k, v in a}
    db = {(c, k): v for c, k, v in b}
    for key in sorted(set(da) | set(db), key=lambda x: (x[0], x[1])):
        va, vb = da.get(key, "(missing)"), db.get(key, "(missing)")
        if va != vb:
            mism.append(Mismatch(name, key[0], key[1], va, vb))
    return len(set(da) | set(db)), mism


def plan(root: Path, parts: list[int] | None = None) -> tuple[Report, list[pipeline.Job]]:
    """A report holding the stale and the missing notebooks, and the jobs that re-execute the others."""
    report = Report()
    jobs = pipeline.jobs_for(parts, root=root)
    for job in jobs:
        why = pipeline.staleness(job, root)
        if why:
            report.stale[job.name] = why
    runnable = []
    for job in jobs:
        rec = pipeline.recorded(job)
        if rec is None:
            report.errors.append(f"{job.output.relative_to(root)}: missing or unreadable")
            continue
        # re-execute the published notebook itself, with the parameters it records
        runnable.append(pipeline.Job(job.name, job.output, job.output, dict(rec["parameters"])))
    return report, runnable


def reexecute(report: Report, runnable: list[pipeline.Job], root: Path, n_jobs: int | None = None,
              progress=None, started=None) -> Report:
    """Re-execute ``runnable`` (from :func:`plan`) in parallel and add what they show to ``report``.

    ``progress(job, figures, mismatches, error)`` is called as each notebook finishes (``error``: None
    or the message), ``started(job)`` as each one starts.
    """
    with tempfile.TemporaryDirectory(prefix="planbook-verify-") as tmp:
        for job, result in pipeline.execute_parallel(runnable, Path(tmp), root, n_jobs or 2, started):
            if isinstance(result, pipeline.RunError):
                report.errors.append(str(result))
                if progress:
                    progress(job, 0, 0, str(result))
                continue
            n, mism = compare(job.name, nbformat.read(job.output, as_version=4), nbformat.read(result, as_version=4))
            report.checked += n
            report.notebooks += 1
            report.mismatches += mism
            if progress:
                progress(job, n, len(mism), None)
    report.mismatches.sort(key=lambda m: (m.notebook, m.cell, m.key))
    return report


def verify(root: Path, parts: list[int] | None = None, n_jobs: int | None = None, progress=None,
           started=None) -> Report:
    """Re-execute the published notebooks of ``parts`` (default: all) and compare every figure."""
    report, runnable = plan(root, parts)
    return reexecute(report, runnable, root, n_jobs, progress, started)
