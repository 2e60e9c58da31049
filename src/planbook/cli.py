"""The planbook command line: check, run, build, pdf, assess, verify, ingest."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from planbook import paths
from planbook.progress import phase, phases, steps

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Build and check the book tracking Tibet's 14th Five-Year Plan.")
console = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[Path, typer.Option("--data-dir", help="folder holding the data package")]
AsOf = Annotated[int, typer.Option("--as-of", min=2021, max=2035, help="use only figures for years up to this one")]
Parts = Annotated[list[int] | None, typer.Option("--part", "-p", min=1, max=11,
                                                  help="part (篇) number; repeat for several; default: all")]
Force = Annotated[bool, typer.Option("--force", help="execute every notebook, even those whose inputs did not change")]
Jobs = Annotated[int | None, typer.Option("--jobs", "-j", min=1,
                                         help="notebooks executed at once (default: number of cores)")]
SkipRun = Annotated[bool, typer.Option("--skip-run", help="only rebuild the HTML from book/")]
CsvOut = Annotated[Path | None, typer.Option("--csv", help="write the table to this CSV file")]


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
    with steps(len(todo), f"executing {len(todo)} notebook(s)", console) as advance:
        try:
            run(todo, n_jobs=jobs, progress=lambda job, error: advance(job.name, ok=not error),
                started=lambda job: advance.start(job.name))
        except RunError as exc:
            console.print(f"[red]✗ {exc}[/red]", markup=True, highlight=False)
            raise typer.Exit(1) from None


@app.command("run")
def run_cmd(part: Parts = None, as_of: AsOf = 2025, jobs: Jobs = None, force: Force = False) -> None:
    """Validate data/, then execute the notebooks whose inputs changed with papermill into book/."""
    _check(paths.DATA_DIR, cache=True)
    t = time.perf_counter()
    _run(part, as_of, jobs, force)
    console.print(f"[green]✓ notebooks published in book/ ({time.perf_counter() - t:.1f} s)[/green]")


@app.command()
def build(as_of: AsOf = 2025, jobs: Jobs = None, force: Force = False, skip_run: SkipRun = False) -> None:
    """Validate, execute every notebook, and build the static book into _build/html."""
    from planbook.pipeline import RunError, build_book

    _check(paths.DATA_DIR, cache=True)
    t = time.perf_counter()
    if not skip_run:
        _run(None, as_of, jobs, force)
    with phase("building the HTML with Jupyter Book", console):
        try:
            html, rebuilt = build_book(force=force)
        except RunError as exc:
            console.print(f"[red]✗ {exc}[/red]", highlight=False)
            raise typer.Exit(1) from None
    if not rebuilt:
        console.print("[green]✓ the HTML is up to date with book/; nothing to build[/green]")
    console.print(f"[green]✓ book ready in {time.perf_counter() - t:.1f} s[/green]")
    console.print(f"  open {html / 'index.html'} in a browser")


@app.command()
def pdf(force: Force = False,
        output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False,
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
        with phases(console) as progress:
            result = build_pdf(html, target, root, progress=progress)
    except (PdfError, RunError) as exc:
        console.print(f"[red]✗ {exc}[/red]", highlight=False)
        console.print("  no PDF was written; an earlier one, if any, is unchanged", highlight=False)
        raise typer.Exit(1) from None
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
        raise typer.Exit(1) from None
    console.print(f"  the book's front page (_build/html/book/intro.html) links it "
                  f"({time.perf_counter() - t:.0f} s in all)", highlight=False)


@app.command()
def assess(as_of: AsOf = 2025, csv: CsvOut = None,
           data_dir: DataDir = paths.DATA_DIR) -> None:
    """One verdict per target with a series, from the figures published up to --as-of."""
    from planbook.assess import assess_all
    from planbook.data import DataError, load

    try:
        ds = load(data_dir)
    except DataError as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from None
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

    from planbook.verify import plan, reexecute

    t = time.perf_counter()
    report, runnable = plan(paths.REPO_ROOT, part)

    def finished(job, n, bad, error):
        advance(job.name, ok=not (bad or error), detail=error or f"{n} figures, {bad} mismatch(es)")

    with steps(len(runnable), f"re-executing {len(runnable)} published notebook(s)", console) as advance:
        reexecute(report, runnable, paths.REPO_ROOT, jobs, progress=finished,
                  started=lambda job: advance.start(job.name))
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
        pages = any(not n.startswith("part") for n in report.stale)
        console.print(f"  refresh with: planbook run {refresh}".rstrip()
                      + (" (and planbook run for the data/method pages)" if pages else ""))
    dt = time.perf_counter() - t
    if report.ok:
        console.print(f"[green]✓ all {report.checked} figures in {report.notebooks} notebooks reproduce "
                      f"({dt:.0f} s)[/green]")
    else:
        console.print(f"[red]✗ {len(report.mismatches)} of {report.checked} figures do not reproduce; "
                      f"{len(report.stale)} notebook(s) stale; {len(report.errors)} error(s) ({dt:.0f} s)[/red]")
        raise typer.Exit(1)


# What ingest says it does with each proposed figure: in a preview, and after --apply.
_INGEST_VERBS = {
    "add": ("will add", "added"),
    "replace": ("will replace", "replaced"),
    "none": ("already on file", "already on file"),
    "keep": ("kept: 最终核实 on file", "kept: 最终核实 on file"),
    "conflict": ("conflict, not written without --replace", "conflict, not written: needs --replace"),
    "implausible": ("implausible, not written without --accept-implausible",
                    "implausible, not written: needs --accept-implausible"),
}
# Exit status of `planbook ingest --apply` when some figures were refused (the others were written).
EXIT_REFUSED = 3


def _ingest_line(d: dict, applied: bool, release_source: str) -> str:
    """One line per proposed figure: what --apply does (or did) with it, and why."""
    verb = _INGEST_VERBS[d["action"]][1 if applied else 0]
    line = f"{verb}: {d['series_id']} {d['year']} = {d['value']} {d['unit']}"
    if d["status"] == "different":
        line += (f"; on file {d['existing']} ({d['existing_status']}, {d['existing_source']})"
                 f" → {d['value']} ({d['new_status']}, {release_source})")
        if d["action"] == "replace":
            line += "; the old value, status and source stay in the note"
    if d["implausible"]:
        if d["action"] == "implausible":
            line += f"; {d['implausible']}"
        elif d["action"] in ("add", "replace"):
            line += f"; accepted although implausible: {d['implausible']}"
        else:
            line += f"; also implausible: {d['implausible']}"
    return line


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, readable=True,
        help="saved text or HTML copy of a 统计公报, statistics release or press report")],
    year: Annotated[int | None, typer.Option("--year", min=2015, max=2035,
                                             help="year the figures refer to (default: read from the text)")] = None,
    do_apply: Annotated[bool, typer.Option(
        "--apply", help="write the new figures and their source into the data folder")] = False,
    replace: Annotated[bool, typer.Option(
        "--replace", help="with --apply: also replace figures on file that the release prints differently "
                          "(each old → new is printed; the note keeps the old value, status and source)")] = False,
    accept_implausible: Annotated[bool, typer.Option(
        "--accept-implausible", help="with --apply: also write figures flagged as implausible "
                                     "against their neighbouring years")] = False,
    source_url: Annotated[str | None, typer.Option(
        "--source-url", help="address of the page the text was saved from (needed with --apply)")] = None,
    source_title: Annotated[str | None, typer.Option("--source-title",
                                                     help="title of the page (needed with --apply)")] = None,
    publisher: Annotated[str | None, typer.Option("--publisher",
                                                  help="who published the page (needed with --apply)")] = None,
    published: Annotated[str | None, typer.Option("--published",
                                                  help="publication date, YYYY-MM-DD (needed with --apply)")] = None,
    kind: Annotated[str, typer.Option(
        "--kind", help="统计公报 / 统计发布 / 政府工作报告 / 新闻发布会 / 规划纲要 / 白皮书 / 媒体报道")] = "统计公报",
    original: Annotated[str, typer.Option("--original", help="原文 or 转载")] = "原文",
    original_publisher: Annotated[str | None, typer.Option("--original-publisher",
                                                           help="for a reprint: who it credits")] = None,
    source_id: Annotated[str | None, typer.Option("--source-id",
                                                  help="source id (default: derived from the URL)")] = None,
    data_dir: DataDir = paths.DATA_DIR,
) -> None:
    """Propose observation rows from a saved communiqué or release; write the new ones with --apply.

    Figures of a prefecture or city, and national figures with no national series, are listed as not placed.

    --apply adds new figures only; a different figure on file needs --replace; a figure that departs from its
    neighbouring years needs --accept-implausible.

    Exit status: 0 done (or preview); 1 unreadable file or invalid data, nothing written; 2 missing options;
    3 some figures refused (conflict or implausible), the others written.
    """

    from planbook.data import DataError, load
    from planbook.ingest import (
        IngestError,
        apply,
        diff,
        extract,
        read_source,
        source_id_from_url,
    )

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
        raise typer.Exit(1) from None
    except DataError as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from None

    geo = ex.geography
    console.print(f"{file.name}: figures of {geo.place or 'the region'} ({geo.scope}): {geo.reason}",
                  markup=False, highlight=False)
    proposed = diff(ex.rows, ds, replace=replace, accept_implausible=accept_implausible)
    if proposed:
        out = console if console.is_terminal else Console(stderr=True, width=160, soft_wrap=True)
        tab = Table(title=f"{len(proposed)} figure(s) recognised for {ex.year}", box=box.SIMPLE_HEAD)
        for name in ("series", "year", "value", "unit", "scope", "diff", "on file"):
            tab.add_column(name, no_wrap=True)
        tab.add_column("matched", overflow="fold")
        colour = {"new": "green", "same": "dim", "different": "yellow"}
        for d in proposed:
            on_file = "" if d["existing"] is None else f"{d['existing']} ({d['existing_status']})"
            tab.add_row(d["series_id"], str(d["year"]), d["value"], d["unit"], d["scope"],
                        f"[{colour[d['status']]}]{d['status']}[/]", on_file, d["matched"])
        out.print(tab)
    else:
        console.print(f"no figure of a known series recognised for {ex.year}")
    if ex.unplaced:
        console.print(f"[yellow]{len(ex.unplaced)} figure(s) not placed (check them by hand):[/yellow]")
        for u in ex.unplaced:
            console.print(f"  - {u}  [{u.reason}]", markup=False, highlight=False)

    if not do_apply:
        for d in proposed:
            console.print(f"  {_ingest_line(d, False, 'this release')}", markup=False, highlight=False)
        console.print("nothing written; add --apply --source-url … --source-title … --publisher … --published … "
                      "to write")
        return
    source = {"url": source_url, "title": source_title, "publisher": publisher, "published": published,
              "kind": kind, "original": original, "original_publisher": original_publisher or "",
              "source_id": source_id or ""}
    try:
        written = apply(ex.rows, data_dir, source, replace=replace, accept_implausible=accept_implausible)
    except DataError as exc:
        console.print("[red]✗ the result would not validate; nothing was written.[/red]")
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from None
    try:
        sid = source_id or source_id_from_url(source_url)
    except ValueError:
        sid = "this release"
    for d in proposed:
        console.print(f"  {_ingest_line(d, True, sid)}", markup=False, highlight=False)
    if written:
        console.print(f"[green]✓ {written} observation(s) written to {data_dir / 'observations.csv'}[/green]")
    else:
        console.print("[green]✓ nothing written; the data folder is as it was[/green]")
    refused = [d for d in proposed if d["action"] in ("conflict", "implausible")]
    if refused:
        options = sorted({"--replace" if d["action"] == "conflict" else "--accept-implausible" for d in refused})
        console.print(f"[yellow]{len(refused)} figure(s) refused; check them, then run again with "
                      f"{' and '.join(options)} to write them[/yellow]", highlight=False)
        raise typer.Exit(EXIT_REFUSED)


if __name__ == "__main__":
    app()
