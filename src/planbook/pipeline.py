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
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm

from planbook import __version__, charts, inputs, paths
from planbook.pdf import PDF_ENV, current_pdf

PARTS = tuple(range(1, 12))
# computed book pages besides the parts: notebooks/<name>.ipynb -> book/<name>.ipynb
PAGES = ("intro", "data", "method")
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
    """Hash of every file of data/ (the validation cache; a page's staleness uses :func:`inputs_hash`)."""
    return _hash_files([p for p in data_dir.iterdir() if p.suffix in (".csv", ".json")], data_dir)


def declared_reads(job: Job) -> inputs.Reads:
    """What the job's notebook declares it reads (its ``reads`` cell)."""
    return inputs.declared_in(job.template, job.parameters)


def inputs_hash(job: Job, data_dir: Path) -> str:
    """Content hash of the data rows the job's notebook declares it reads (see :mod:`planbook.inputs`)."""
    return inputs.inputs_hash(declared_reads(job), data_dir)


def code_hash(job: Job) -> str:
    """Content hash of the package modules the job's notebook imports, directly or not."""
    return inputs.code_hash(inputs.modules_of(job.template))


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _git_commit(root: Path) -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def provenance(job: Job, root: Path) -> dict:
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
        "reads": str(declared_reads(job)),
        "inputs_sha256": inputs_hash(job, root / "data"),
        "modules": inputs.modules_of(job.template),
        "code_sha256": code_hash(job),
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
    if rec.get("code_sha256") != code_hash(job):
        why.append("the planbook package changed")
    return why


def execute_parallel(jobs: list[Job], staging: Path, root: Path, n_jobs: int, started=None) -> Iterator[
        tuple[Job, Path | RunError]]:
    """Execute ``jobs`` in ``n_jobs`` processes; yield ``(job, staged path or RunError)`` as each one finishes.

    ``started(job)`` is called when a job gets a worker: the pool takes jobs in order, so the first
    ``n_jobs`` start at once and each finished job lets the next one start.
    """
    n_jobs = max(1, min(n_jobs, len(jobs)))
    waiting = list(jobs)

    def start_next() -> None:
        if waiting:
            job = waiting.pop(0)
            if started:
                started(job)

    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        futures = {pool.submit(execute_job, job, staging, root): job for job in jobs}
        for _ in range(n_jobs):
            start_next()
        for fut in as_completed(futures):
            try:
                result: Path | RunError = fut.result()
            except RunError as exc:
                result = exc
            yield futures[fut], result
            start_next()


def run(jobs: list[Job], root: Path | None = None, n_jobs: int | None = None, progress=None,
        started=None) -> list[Path]:
    """Execute ``jobs`` in parallel; publish into book/ only if all succeed.

    ``progress(job, error)`` is called as each notebook finishes (``error``: None or the message),
    ``started(job)`` as each one starts (see :func:`execute_parallel`).
    """
    root = root or paths.REPO_ROOT
    if not jobs:
        return []
    staging = Path(tempfile.mkdtemp(prefix=".run-", dir=root / "book"))
    errors: list[str] = []
    staged: dict[str, Path] = {}
    try:
        for job, result in execute_parallel(jobs, staging, root, n_jobs or os.cpu_count() or 1, started):
            error = str(result) if isinstance(result, RunError) else None
            if error:
                errors.append(error)
            else:
                staged[job.name] = result
            if progress:
                progress(job, error)
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
# The package modules the HTML build runs: the Sphinx extension and the chart bundle writer.
HTML_MODULES = {"planbook.sphinxext", "planbook.charts"}


def html_inputs_hash(root: Path) -> str:
    """What the HTML is built from: the book's sources, the configuration and the package (its Sphinx extension)."""
    files = [root / "_config.yml", root / "_toc.yml"]
    files += [p for p in (root / "book").rglob("*") if p.is_file() and not any(
        part.startswith(".run-") or part == ".ipynb_checkpoints" for part in p.relative_to(root / "book").parts)]
    code = inputs.code_hash(inputs.module_closure(HTML_MODULES))
    return hashlib.sha256((_hash_files(files, root) + code).encode()).hexdigest()


HTML_STAMP = ".planbook-html-inputs"


def data_vintage(data_dir: Path) -> str:
    """The latest publication date among the sources (YYYY-MM-DD): the date of the newest figure on file."""
    return max(pd.read_csv(data_dir / "sources.csv", dtype=str, keep_default_na=False)["published"])


def data_vintage_epoch(data_dir: Path) -> int:
    """:func:`data_vintage` as seconds since 1970 (UTC): the page footer's date, the same for the same data."""
    return int(datetime.strptime(data_vintage(data_dir), "%Y-%m-%d").replace(tzinfo=UTC).timestamp())


def build_book(root: Path | None = None, strict: bool = True, force: bool = False) -> tuple[Path, bool]:
    """Build _build/html with Jupyter Book; replace the previous HTML only if the build succeeds.

    Returns the HTML folder and whether it was (re)built: when nothing the HTML is made from changed
    since the last build, the build is skipped.  When ``_build/pdf`` holds a PDF printed from HTML with
    these same inputs, the front page links it (and Sphinx copies it into ``_downloads/``); otherwise the
    front page says how to make it.
    """
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
    env = {**os.environ, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": str(data_vintage_epoch(root / "data"))}
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
