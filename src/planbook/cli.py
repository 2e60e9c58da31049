"""The planbook command line: check, run, build, assess."""

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


def _check(data_dir: Path) -> None:
    from planbook.data import validate

    with console.status(f"validating {data_dir} against datapackage.json …"):
        problems = validate(data_dir)
    if problems:
        console.print(f"[red]✗ {len(problems)} problem(s) in {data_dir}; nothing was run.[/red]")
        for p in problems:
            console.print(f"  - {p}", markup=False, highlight=False)
        raise typer.Exit(1)
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
    _check(paths.DATA_DIR)
    t = time.perf_counter()
    _run(part, as_of, jobs, force)
    console.print(f"[green]✓ notebooks published in book/ ({time.perf_counter() - t:.1f} s)[/green]")


@app.command()
def build(as_of: AsOf = 2025, jobs: Jobs = None, force: Force = False, skip_run: Annotated[bool, typer.Option("--skip-run", help="only rebuild the HTML from book/")] = False) -> None:
    """Validate, execute every notebook, and build the static book into _build/html."""
    from planbook.pipeline import RunError, build_book

    _check(paths.DATA_DIR)
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


if __name__ == "__main__":
    app()
