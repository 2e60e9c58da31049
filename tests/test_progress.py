"""Progress of long steps: a live bar in a terminal, one plain line per finished step in logs and CI."""

import io
import re

import pytest
from rich.console import Console

from planbook import pipeline
from planbook.progress import clock, interactive, phase, phases, steps


@pytest.fixture
def no_ci(monkeypatch):
    for name in ("CI", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


def terminal() -> Console:
    return Console(force_terminal=True, file=io.StringIO(), width=150, color_system="standard")


def plain() -> Console:
    return Console(force_terminal=False, file=io.StringIO(), width=150)


def drive(console: Console) -> str:
    with steps(3, "executing 3 notebook(s)", console) as advance:
        advance.start("part01")
        advance.start("part02")
        assert advance.running == ["part01", "part02"] and advance.left == 3
        advance("part02", ok=False, detail="cell 3 failed")
        advance.start("part03")
        advance("part01")
        advance("part03")
        assert (advance.done, advance.failed, advance.left, advance.running) == (3, 1, 0, [])
    return console.file.getvalue()


def test_terminal_shows_a_live_bar_with_running_notebooks_left_and_elapsed(no_ci):
    console = terminal()
    assert interactive(console)
    out = drive(console)
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", out)  # without colours and cursor moves
    assert "\x1b[" in out and "\r" in out  # redrawn in place
    assert "executing 3 notebook(s)" in text
    assert "running: part01, part02" in text  # which notebooks run
    assert "1/3 done, 2 left" in text and "running: part01, part03" in text
    assert "3/3 done, 0 left" in text
    assert re.search(r"\d:\d\d:\d\d", text)  # elapsed
    assert "✗ part02: cell 3 failed" in text and "✓ part01" in text and "✓ part03" in text


def test_terminal_bar_fits_an_80_column_terminal(no_ci):
    console = Console(force_terminal=True, file=io.StringIO(), width=80)
    with steps(13, "executing 13 notebook(s)", console) as advance:
        for name in ("part01", "part02", "part03"):
            advance.start(name)
        advance("part02")
        advance.start("part04")
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", console.file.getvalue())
    lines = [x for x in re.split(r"[\r\n]", text) if x.strip()]
    assert max(map(len, lines)) <= 80
    assert any(x.endswith("1/13 done, 12 left 0:00:00 running: part01, part03, part04") for x in lines)
    console = Console(force_terminal=True, file=io.StringIO(), width=60)  # too narrow: names shortened
    with steps(13, "executing 13 notebook(s)", console) as advance:
        advance.start("part01")
        advance.start("part02")
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", console.file.getvalue())
    assert "running: par…" in text and max(map(len, re.split(r"[\r\n]", text))) <= 60


def test_elsewhere_one_plain_line_per_finished_step(no_ci):
    console = plain()
    assert not interactive(console)
    lines = drive(console).splitlines()
    assert lines[0] == "executing 3 notebook(s)"
    assert [re.sub(r"\d+:\d\d:\d\d", "T", x) for x in lines[1:]] == [
        "[1/3] ✗ part02: cell 3 failed (2 left, T elapsed)",
        "[2/3] ✓ part01 (1 left, T elapsed)",
        "[3/3] ✓ part03 (0 left, T elapsed)",
    ]


def test_ci_gets_plain_lines_even_in_a_terminal(no_ci, monkeypatch):
    monkeypatch.setenv("CI", "true")
    console = terminal()
    assert not interactive(console)
    out = drive(console)
    assert "\x1b[" not in out and "\r" not in out
    assert out.count("\n") == 4


def test_phase(no_ci):
    console = plain()
    with phase("building the HTML with Jupyter Book", console):
        pass
    assert console.file.getvalue() == "building the HTML with Jupyter Book …\n"
    console = terminal()
    with phase("building the HTML with Jupyter Book", console):
        pass
    assert "building the HTML with Jupyter Book …" in console.file.getvalue()


def drive_phases(console: Console) -> str:
    with phases(console) as report:
        report("assembling", "第一篇", 1, 5)
        report("assembling", "第二篇", 2, 5)
        report("printing", "first pass", 4, 5)
        report("done", "planbook.pdf", 5, 5)
    return console.file.getvalue()


def test_phases_print_one_line_per_phase_in_logs_and_a_bar_in_a_terminal(no_ci):
    lines = drive_phases(plain()).splitlines()
    assert [re.sub(r"\d+ s", "N s", x) for x in lines] == ["  assembling … (N s)", "  printing … (N s)"]
    out = drive_phases(terminal())
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", out)
    assert "\r" in out and "assembling: 第一篇" in text and "printing: first pass" in text and "4/5" in text


def test_clock():
    assert clock(0) == "0:00:00" and clock(61.9) == "0:01:01" and clock(3725) == "1:02:05"


def test_pool_reports_each_start_in_order(tmp_path):
    """The first n jobs start at once, each finished one lets the next start; every job is reported."""
    jobs = [pipeline.Job(f"nb{i}", tmp_path / f"missing{i}.ipynb", tmp_path / "out" / f"nb{i}.ipynb", {})
            for i in range(3)]
    started, finished = [], []

    def start(job):
        started.append(job.name)
        assert len(started) - len(finished) <= 2  # never more running than workers

    for job, result in pipeline.execute_parallel(jobs, tmp_path / "staging", tmp_path, 2, start):
        assert isinstance(result, pipeline.RunError) and "missing" in str(result)
        finished.append(job.name)
    assert started == ["nb0", "nb1", "nb2"] and sorted(finished) == started
