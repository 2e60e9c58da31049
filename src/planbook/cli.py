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


def _run(parts, as_of: int, jobs: int | None) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from planbook.pipeline import RunError, jobs_for, run

    todo = jobs_for(parts, as_of)
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
def run_cmd(part: Parts = None, as_of: AsOf = 2025, jobs: Jobs = None) -> None:
    """Validate data/, then execute the part notebooks with papermill into book/."""
    _check(paths.DATA_DIR)
    t = time.perf_counter()
    _run(part, as_of, jobs)
    console.print(f"[green]✓ notebooks published in book/ ({time.perf_counter() - t:.1f} s)[/green]")


@app.command()
def build(as_of: AsOf = 2025, jobs: Jobs = None, skip_run: Annotated[bool, typer.Option("--skip-run", help="only rebuild the HTML from book/")] = False) -> None:
    """Validate, execute every notebook, and build the static book into _build/html."""
    from planbook.pipeline import RunError, build_book

    _check(paths.DATA_DIR)
    t = time.perf_counter()
    if not skip_run:
        _run(None, as_of, jobs)
    with console.status("building the book with Jupyter Book …"):
        try:
            html = build_book()
        except RunError as exc:
            console.print(f"[red]✗ {exc}[/red]", highlight=False)
            raise typer.Exit(1)
    console.print(f"[green]✓ book built in {time.perf_counter() - t:.1f} s[/green]")
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


if __name__ == "__main__":
    app()
