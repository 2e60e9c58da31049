"""The planbook command line: check, run, build, pdf, assess, verify, ingest."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from planbook import paths

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Build and check the book tracking Tibet's 14th Five-Year Plan.")
console = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[Path, typer.Option("--data-dir", help="folder holding the data package")]
AsOf = Annotated[int, typer.Option("--as-of", min=2021, max=2035, help="use only figures for years up to this one")]
Parts = Annotated[Optional[list[int]], typer.Option("--part", "-p", min=1, max=11, help="part (篇) number; repeat for several; default: all")]
Force = Annotated[bool, typer.Option("--force", help="execute every notebook, even those whose inputs did not change")]
Jobs = Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="notebooks executed at once (default: number of cores)")]


def _check(data_dir: Path, cache: bool = False) -> None:
    """Validate; with ``cache``, skip when these exact files validated before (stamp in _build/)."""
    from planbook.data import validate
    from planbook.pipeline import data_hash

    stamp = paths.REPO_ROOT / "_build" / ".planbook-valid-data"
    digest = data_hash(data_dir)
    if cache and stamp.exists() and stamp.read_text() == digest:
        console.print(f"[green]✓ {data_dir} is valid (unchanged since last check)[/green]")
        return
    with console.status(f"validating {data_dir} against datapackage.json …"):
        problems = validate(data_dir)
    if problems:
        console.print(f"[red]✗ {len(problems)} problem(s) in {data_dir}; nothing was run.[/red]")
        for p in problems:
            console.print(f"  - {p}", markup=False, highlight=False)
        raise typer.Exit(1)
    if cache:
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(digest)
    console.print(f"[green]✓ {data_dir} is valid[/green]")


@app.command()
def check(data_dir: DataDir = paths.DATA_DIR) -> None:
    """Validate data/ (types, units, allowed values, keys, sources)."""
    _check(data_dir)


def _run(parts, as_of: int, jobs: int | None, force: bool = False) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from planbook.pipeline import RunError, jobs_for, run, staleness

    todo = []
    for job in jobs_for(parts, as_of):
        why = ["--force"] if force else staleness(job, paths.REPO_ROOT)
        if why:
            console.print(f"  • {job.name}: {'; '.join(why)}", highlight=False)
            todo.append(job)
    if not todo:
        console.print("[green]✓ every notebook in book/ is up to date; nothing to execute[/green]")
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task(f"executing {len(todo)} notebook(s)", total=len(todo))

        def report(job, error):
            mark = "[red]✗[/red]" if error else "[green]✓[/green]"
            progress.console.print(f"  {mark} {job.name}")
            progress.advance(task)

        try:
            run(todo, n_jobs=jobs, progress=report)
        except RunError as exc:
            console.print(f"[red]✗ {exc}[/red]", markup=True, highlight=False)
            raise typer.Exit(1)


@app.command("run")
def run_cmd(part: Parts = None, as_of: AsOf = 2025, jobs: Jobs = None, force: Force = False) -> None:
    """Validate data/, then execute the notebooks whose inputs changed with papermill into book/."""
    _check(paths.DATA_DIR, cache=True)
    t = time.perf_counter()
    _run(part, as_of, jobs, force)
    console.print(f"[green]✓ notebooks published in book/ ({time.perf_counter() - t:.1f} s)[/green]")


@app.command()
def build(as_of: AsOf = 2025, jobs: Jobs = None, force: Force = False, skip_run: Annotated[bool, typer.Option("--skip-run", help="only rebuild the HTML from book/")] = False) -> None:
    """Validate, execute every notebook, and build the static book into _build/html."""
    from planbook.pipeline import RunError, build_book

    _check(paths.DATA_DIR, cache=True)
    t = time.perf_counter()
    if not skip_run:
        _run(None, as_of, jobs, force)
    with console.status("building the book with Jupyter Book …"):
        try:
            html, rebuilt = build_book(force=force)
        except RunError as exc:
            console.print(f"[red]✗ {exc}[/red]", highlight=False)
            raise typer.Exit(1)
    if not rebuilt:
        console.print("[green]✓ the HTML is up to date with book/; nothing to build[/green]")
    console.print(f"[green]✓ book ready in {time.perf_counter() - t:.1f} s[/green]")
    console.print(f"  open {html / 'index.html'} in a browser")


class _PdfProgress:
    """Progress of the PDF step: a live bar in a terminal; in a log (CI), one line per phase."""

    def __init__(self) -> None:
        self.live = console.is_terminal
        self.phase = ""
        self.t0 = time.perf_counter()
        self.progress = None

    def __enter__(self):
        if self.live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=console, transient=True)
            self.progress.__enter__()
            self.task = self.progress.add_task("PDF", total=1)
        return self

    def __call__(self, phase: str, detail: str, done: int, total: int) -> None:
        if self.live:
            self.progress.update(self.task, description=f"{phase}: {detail}", completed=done, total=total)
        elif phase != self.phase and phase != "done":
            console.print(f"  {phase} … ({time.perf_counter() - self.t0:.0f} s)", highlight=False)
        self.phase = phase

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)


@app.command()
def pdf(force: Force = False,
        output: Annotated[Optional[Path], typer.Option("--output", "-o", dir_okay=False,
                                                       help="write the PDF here instead of _build/pdf/planbook.pdf "
                                                            "(the book then does not link it)")] = None) -> None:
    """Print the whole book into one PDF (_build/pdf/planbook.pdf) with headless Chromium; the book links it."""
    from planbook.pdf import PdfError, build_pdf, is_current, pdf_path, print_inputs_hash, write_stamp
    from planbook.pipeline import HTML_STAMP, RunError, build_book

    root = paths.REPO_ROOT
    t = time.perf_counter()
    try:
        with console.status("building the HTML with Jupyter Book (if book/ changed) …"):
            html, _ = build_book()
        printed_from = (html / HTML_STAMP).read_text().splitlines()[0]
        print_hash = print_inputs_hash(root)
        target = output or pdf_path(root)
        if output is None and not force and is_current(root, printed_from, print_hash):
            console.print(f"[green]✓ {target} is up to date with the HTML; nothing to print[/green]")
            return
        with _PdfProgress() as progress:
            result = build_pdf(html, target, root, progress=progress)
    except (PdfError, RunError) as exc:
        console.print(f"[red]✗ {exc}[/red]", highlight=False)
        console.print("  no PDF was written; an earlier one, if any, is unchanged", highlight=False)
        raise typer.Exit(1)
    console.print(f"[green]✓ {result.path}: {result.pages} pages, {result.size / 1e6:.1f} MB, "
                  f"{len(result.chapters)} chapters (printed in {result.seconds:.0f} s)[/green]", highlight=False)
    if output is not None:
        return
    write_stamp(root, printed_from, print_hash)
    try:
        with console.status("rebuilding the HTML so that its front page links the PDF …"):
            build_book()
    except RunError as exc:
        console.print(f"[red]✗ the PDF is written, but the HTML could not be rebuilt to link it: {exc}[/red]",
                      highlight=False)
        raise typer.Exit(1)
    console.print(f"  the book's front page (_build/html/book/intro.html) links it "
                  f"({time.perf_counter() - t:.0f} s in all)", highlight=False)


@app.command()
def assess(as_of: AsOf = 2025, csv: Annotated[Optional[Path], typer.Option("--csv", help="write the table to this CSV file")] = None,
           data_dir: DataDir = paths.DATA_DIR) -> None:
    """One verdict per target with a series, from the figures published up to --as-of."""
    from planbook.assess import assess_all
    from planbook.data import DataError, load

    try:
        ds = load(data_dir)
    except DataError as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1)
    df = assess_all(ds, as_of)
    if csv:
        tmp = csv.with_name(csv.name + ".tmp")
        df.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
        tmp.replace(csv)
        console.print(f"[green]✓ {len(df)} targets assessed as of {as_of} → {csv}[/green]")
    else:
        df.to_csv(sys.stdout, index=False, lineterminator="\n")


@app.command()
def verify(part: Parts = None, jobs: Jobs = None) -> None:
    """Re-execute the published notebooks in book/ and compare every figure; report stale parts."""
    from rich.table import Table

    from planbook.verify import verify as run_verify

    t = time.perf_counter()
    with console.status("re-executing the published notebooks …"):
        report = run_verify(paths.REPO_ROOT, part, jobs,
                            progress=lambda job, n, bad: console.print(
                                f"  {'[red]✗' if bad else '[green]✓'}[/] {job.name}: {n} figures, {bad} mismatch(es)"))
    for e in report.errors:
        console.print(f"[red]✗ {e}[/red]", highlight=False)
    if report.mismatches:
        tab = Table("notebook", "cell", "figure", "published", "re-executed", title="figures that do not reproduce")
        for m in report.mismatches[:200]:
            tab.add_row(m.notebook, str(m.cell), m.key, m.published[:80], m.reexecuted[:80])
        console.print(tab)
    if report.stale:
        console.print("[yellow]stale: these published notebooks no longer match their inputs:[/yellow]")
        for name, why in report.stale.items():
            console.print(f"  - {name}: {'; '.join(why)}", highlight=False)
        names = sorted(n for n in report.stale if n.startswith("part"))
        refresh = " ".join(f"--part {int(n[4:])}" for n in names)
        console.print(f"  refresh with: planbook run {refresh}".rstrip() + (" (and planbook run for the data/method pages)" if any(not n.startswith("part") for n in report.stale) else ""))
    dt = time.perf_counter() - t
    if report.ok:
        console.print(f"[green]✓ all {report.checked} figures in {report.notebooks} notebooks reproduce ({dt:.0f} s)[/green]")
    else:
        console.print(f"[red]✗ {len(report.mismatches)} of {report.checked} figures do not reproduce; "
                      f"{len(report.stale)} notebook(s) stale; {len(report.errors)} error(s) ({dt:.0f} s)[/red]")
        raise typer.Exit(1)


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="saved text or HTML copy of a 统计公报, statistics release or press report")],
    year: Annotated[Optional[int], typer.Option("--year", min=2015, max=2035, help="year the figures refer to (default: read from the text)")] = None,
    do_apply: Annotated[bool, typer.Option("--apply", help="write the proposed rows and their source into the data folder")] = False,
    source_url: Annotated[Optional[str], typer.Option("--source-url", help="address of the page the text was saved from (needed with --apply)")] = None,
    source_title: Annotated[Optional[str], typer.Option("--source-title", help="title of the page (needed with --apply)")] = None,
    publisher: Annotated[Optional[str], typer.Option("--publisher", help="who published the page (needed with --apply)")] = None,
    published: Annotated[Optional[str], typer.Option("--published", help="publication date, YYYY-MM-DD (needed with --apply)")] = None,
    kind: Annotated[str, typer.Option("--kind", help="统计公报 / 统计发布 / 政府工作报告 / 新闻发布会 / 规划纲要 / 白皮书 / 媒体报道")] = "统计公报",
    original: Annotated[str, typer.Option("--original", help="原文 or 转载")] = "原文",
    original_publisher: Annotated[Optional[str], typer.Option("--original-publisher", help="for a reprint: who it credits")] = None,
    source_id: Annotated[Optional[str], typer.Option("--source-id", help="source id (default: derived from the URL)")] = None,
    data_dir: DataDir = paths.DATA_DIR,
) -> None:
    """Propose observation rows from a saved communiqué or release; write them with --apply."""
    from rich.table import Table

    from planbook.data import DataError, load
    from planbook.ingest import IngestError, apply, diff, extract, read_source

    if do_apply:
        missing = [opt for opt, val in (("--source-url", source_url), ("--source-title", source_title),
                                        ("--publisher", publisher), ("--published", published)) if not val]
        if missing:
            console.print(f"[red]✗ --apply needs {', '.join(missing)}; nothing was written.[/red]", highlight=False)
            raise typer.Exit(2)
    try:
        ex = extract(read_source(file), year, data_dir=data_dir)
        ds = load(data_dir)
    except IngestError as exc:
        console.print(f"[red]✗ {file}: {exc}[/red]", highlight=False)
        raise typer.Exit(1)
    except DataError as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1)

    proposed = diff(ex.rows, ds)
    if proposed:
        from rich import box
        from rich.console import Console

        out = console if console.is_terminal else Console(stderr=True, width=160, soft_wrap=True)
        tab = Table(title=f"{len(proposed)} figure(s) recognised for {ex.year}", box=box.SIMPLE_HEAD)
        for name in ("series", "year", "value", "unit", "diff", "on file"):
            tab.add_column(name, no_wrap=True)
        tab.add_column("matched", overflow="fold")
        colour = {"new": "green", "same": "dim", "different": "yellow"}
        for d in proposed:
            on_file = "" if d["existing"] is None else f"{d['existing']} ({d['existing_status']})"
            tab.add_row(d["series_id"], str(d["year"]), d["value"], d["unit"],
                        f"[{colour[d['status']]}]{d['status']}[/]", on_file, d["matched"])
        out.print(tab)
    else:
        console.print(f"no figure of a known series recognised for {ex.year}")
    if ex.unplaced:
        console.print(f"[yellow]{len(ex.unplaced)} figure(s) not placed (check them by hand):[/yellow]")
        for u in ex.unplaced:
            console.print(f"  - {u}  [{u.reason}]", markup=False, highlight=False)

    if not do_apply:
        console.print("nothing written; add --apply --source-url … --source-title … --publisher … --published … to write")
        return
    source = {"url": source_url, "title": source_title, "publisher": publisher, "published": published,
              "kind": kind, "original": original, "original_publisher": original_publisher or "",
              "source_id": source_id or ""}
    try:
        written = apply(ex.rows, data_dir, source)
    except DataError as exc:
        console.print("[red]✗ the result would not validate; nothing was written.[/red]")
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1)
    verbs = {"add": "added", "replace": "replaced", "none": "unchanged", "keep": "kept (最终核实 on file)"}
    for d in proposed:
        was = "" if d["action"] != "replace" else f" (was {d['existing']})"
        console.print(f"  {verbs[d['action']]}: {d['series_id']} {d['year']} = {d['value']} {d['unit']}{was}", highlight=False)
    if written:
        console.print(f"[green]✓ {written} observation(s) written to {data_dir / 'observations.csv'}[/green]")
    else:
        console.print("[green]✓ nothing to change; the data folder is as it was[/green]")


if __name__ == "__main__":
    app()
