"""Small computations the chapters' own analyses use (each part notebook composes them in its cells).

All take plain ``{year: value}`` mappings (see :func:`points`) so that a notebook cell reads as the
analysis it is, and each is unit-tested on its own.
"""

from __future__ import annotations

import math

import pandas as pd

from planbook.data import Dataset


def points(ds: Dataset, series_id: str, as_of: int, since: int = 2015) -> dict[int, float]:
    """A series' published figures from ``since`` to ``as_of``, as {year: value}."""
    o = ds.observed(series_id, as_of)
    return {int(y): float(v) for y, v in zip(o["year"], o["value"], strict=True) if int(y) >= since}


def compound(start: float, rate_pct: float, years: int) -> float:
    """``start`` grown at ``rate_pct`` a year for ``years`` years."""
    return start * (1 + rate_pct / 100) ** years


def index_from_rates(rates: dict[int, float], base_year: int) -> dict[int, float]:
    """An index (base year = 100) compounding the published yearly growth rates after the base year.

    The index stops before the first year without a published rate: a missing year is never filled.
    """
    out = {base_year: 100.0}
    level, y = 100.0, base_year + 1
    while y in rates:
        level *= 1 + rates[y] / 100
        out[y] = level
        y += 1
    return out


def growth_shortfall(rates: dict[int, float], base_year: int, target_rate: float) -> dict:
    """How far the published real growth rates fell short of (or exceeded) a required average rate.

    Returns the last year covered, the actual and the required index there (base year = 100), the
    shortfall of the actual level against the required one in percent, and the average rate.
    """
    idx = index_from_rates(rates, base_year)
    end = max(idx)
    years = end - base_year
    if years == 0:
        return {"end": end, "actual": 100.0, "required": 100.0, "shortfall_pct": 0.0, "average": None}
    required = compound(100.0, target_rate, years)
    return {"end": end, "actual": idx[end], "required": required,
            "shortfall_pct": (idx[end] / required - 1) * 100,
            "average": ((idx[end] / 100) ** (1 / years) - 1) * 100}


def indexed(levels: dict[int, float], ref_year: int) -> dict[int, float]:
    """The levels as an index with ``ref_year`` = 100 (empty when the reference year has no figure)."""
    if ref_year not in levels or levels[ref_year] == 0:
        return {}
    return {y: 100 * v / levels[ref_year] for y, v in sorted(levels.items())}


def ratio(a: dict[int, float], b: dict[int, float]) -> dict[int, float]:
    """``a`` as a percentage of ``b`` in the years both have."""
    return {y: 100 * a[y] / b[y] for y in sorted(set(a) & set(b)) if b[y]}


def progress_share(baseline: float, latest: float, goal: float, baseline_year: int, latest_year: int,
                   target_year: int) -> tuple[float | None, float]:
    """The share of the way from the baseline to the goal covered by the latest figure, and the share of
    the period elapsed (ESCAP's "时间过半、任务过半" reading).  The first is None when the goal equals the
    baseline (a level to keep, not to reach)."""
    time = (latest_year - baseline_year) / (target_year - baseline_year)
    if math.isclose(goal, baseline):
        return None, time
    return (latest - baseline) / (goal - baseline), time


def frame(rows: dict[str, dict[int, float]]) -> pd.DataFrame:
    """Several {year: value} mappings as one long table (columns 年份, 系列, 数值) for a chart."""
    return pd.DataFrame([{"年份": y, "系列": name, "数值": round(v, 4)}
                         for name, pts in rows.items() for y, v in sorted(pts.items())])
