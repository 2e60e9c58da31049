"""Progress of long steps: a live bar in a terminal, plain lines in logs.

Commands that execute many notebooks (``planbook run``, ``build``, ``verify``, ``pdf``) report their
progress through :func:`steps`::

    with steps(len(jobs), "executing notebooks") as advance:
        advance.start("part01")          # optional: say what is running now
        advance("part01")                # one step done
        advance("part02", ok=False, detail="cell 4 failed")

In a terminal this prints the label, then a rich progress bar naming the notebooks running, how
many are done and left, and the elapsed time, with one ✓/✗ line per finished step printed above it.
Elsewhere (output piped or captured, or ``CI`` set, as in CI logs) it prints the label and one plain
line per finished step, e.g. ``[3/13] ✓ part03 (10 left, 0:00:21 elapsed)``: no redraws, no escape
codes.  Steps may finish in any order (notebooks run in parallel).

:func:`phase` does the same for one step of unknown length (a spinner and the elapsed time, or one
plain line); :func:`phases` for a step made of named phases (the PDF edition: assembling, fonts,
charts, printing), reported as ``report(phase, detail, done, total)``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

BAR = 16  # characters of the progress bar


def interactive(console: Console) -> bool:
    """Whether to draw live progress: a real terminal, and not a CI job (whose logs keep every redraw)."""
    return console.is_terminal and not console.is_dumb_terminal and not os.environ.get("CI")


def clock(seconds: float) -> str:
    """Elapsed time as h:mm:ss, the way rich shows it."""
    return str(timedelta(seconds=max(0, int(seconds))))


class Steps:
    """The ``advance`` callable of :func:`steps`: call it with the name of each finished step."""

    def __init__(self, total: int, label: str, console: Console, progress: Progress | None = None):
        self.total = int(total)
        self.label = label
        self.console = console
        self.done = 0
        self.failed = 0
        self.running: list[str] = []
        self._progress = progress
        self._task: TaskID | None = None
        self._t0 = time.perf_counter()
        console.print(label, markup=False, highlight=False)
        if progress is not None:
            self._task = progress.add_task(label, total=self.total, left=self.total, running="")

    @property
    def left(self) -> int:
        return max(0, self.total - self.done)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._t0

    def start(self, name: str) -> None:
        """Say that the step ``name`` is running now (shown in a terminal only)."""
        if name not in self.running:
            self.running.append(name)
        self._refresh()

    def __call__(self, name: str, ok: bool = True, detail: str = "") -> None:
        """One step finished (``ok=False``: it failed); ``detail`` is printed after its name."""
        self.done += 1
        self.failed += not ok
        if name in self.running:
            self.running.remove(name)
        text = name + (f": {detail}" if detail else "")
        if self._progress is not None:
            self._refresh()
            mark = "[green]✓[/green]" if ok else "[red]✗[/red]"
            self._progress.console.print(f"  {mark} {escape(text)}", highlight=False)
        else:
            self.console.print(f"[{self.done}/{self.total}] {'✓' if ok else '✗'} {text} "
                               f"({self.left} left, {clock(self.elapsed)} elapsed)", markup=False, highlight=False)

    def _refresh(self) -> None:
        if self._progress is not None and self._task is not None:
            running = Text(f"running: {', '.join(self.running)}" if self.running else "")
            # what the other columns take (spinner, bar, counts, h:mm:ss, 4 gaps): shorten only this one
            room = self.console.width - (1 + BAR + len(f"{self.total}/{self.total} done, {self.total} left") + 7 + 4)
            running.truncate(max(room, 0), overflow="ellipsis")
            self._progress.update(self._task, completed=self.done, left=self.left, running=running.plain)
            self._progress.refresh()


@contextmanager
def steps(total: int, label: str, console: Console | None = None) -> Iterator[Steps]:
    """Progress of ``total`` named steps; yields the ``advance(name, ok=True, detail="")`` callable."""
    console = console or Console(stderr=True, soft_wrap=True)
    if not interactive(console):
        yield Steps(total, label, console)
        return
    columns = (SpinnerColumn(), BarColumn(bar_width=BAR),
               TextColumn("{task.completed}/{task.total} done, {task.fields[left]} left"), TimeElapsedColumn(),
               TextColumn("{task.fields[running]}"))
    with Progress(*columns, console=console) as progress:
        yield Steps(total, label, console, progress)


@contextmanager
def phase(label: str, console: Console | None = None) -> Iterator[None]:
    """One long step of unknown length: a spinner with the elapsed time in a terminal, else one plain line."""
    console = console or Console(stderr=True, soft_wrap=True)
    if not interactive(console):
        console.print(f"{label} …", markup=False, highlight=False)
        yield
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description} …"), TimeElapsedColumn(), console=console,
                  transient=True) as progress:
        progress.add_task(label, total=None)
        yield


@contextmanager
def phases(console: Console | None = None) -> Iterator[Callable[[str, str, int, int], None]]:
    """A step made of named phases; yields ``report(phase, detail, done, total)``.

    In a terminal: a transient bar showing the phase, its detail and done/total.  Elsewhere: one plain line
    when a new phase begins, with the seconds elapsed (the phase ``done`` prints nothing).
    """
    console = console or Console(stderr=True, soft_wrap=True)
    t0, current = time.perf_counter(), [""]
    if not interactive(console):
        def report(name: str, detail: str, done: int, total: int) -> None:
            if name != current[0] and name != "done":
                console.print(f"  {name} … ({time.perf_counter() - t0:.0f} s)", markup=False, highlight=False)
            current[0] = name

        yield report
        return
    with Progress(TextColumn("{task.description}"), BarColumn(bar_width=BAR), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("", total=1)

        def live(name: str, detail: str, done: int, total: int) -> None:
            progress.update(task, description=escape(f"{name}: {detail}"), completed=done, total=total)
            progress.refresh()

        yield live
