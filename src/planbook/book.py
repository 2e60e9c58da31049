"""What the book's notebooks use, in one import (``import planbook.book as pb``).

* :class:`~planbook.inputs.Reads`: a page's declaration of the rows it reads (its ``reads`` cell);
* :class:`~planbook.chapter.Chapter`: one part of the plan; :class:`~planbook.plan.Plan`: all of it;
* the method page's figures (:func:`method_values`, :func:`status_legend`).
"""

from __future__ import annotations

from planbook import analysis, charts, fmt, markup
from planbook import assess as A
from planbook.chapter import PLACED, Chapter
from planbook.data import MAIN, PART
from planbook.inputs import Reads
from planbook.markup import Block, status_badge, table
from planbook.plan import Plan

__all__ = ["MAIN", "PART", "PLACED", "A", "Block", "Chapter", "Plan", "Reads", "analysis", "charts", "fmt", "glue",
           "markup",
           "method_values", "status_legend"]


def glue(**values) -> Block:
    """Values for the prose of a notebook's own analysis, glued by name (``pb.glue(avg=6.08)``).

    Fractional numbers are written as the book writes numbers (:func:`planbook.fmt.number`: 32.0 → 32)."""
    b = Block()
    for name, value in values.items():
        b.glue(name, fmt.number(value) if isinstance(value, float) else value)
    return b


def method_values() -> Block:
    """The assessment's thresholds, glued for the method page's prose."""
    return Block().glue("on_track", A.ON_TRACK).glue("acceleration", A.ACCELERATION).glue("near_limit", A.NEAR_LIMIT)


def status_legend() -> Block:
    rows = [{"状态": status_badge(st), "英文": st} for st in A.STATUSES]
    return Block().html(table(rows, ["状态", "英文"], caption="评估状态"))
