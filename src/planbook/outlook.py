"""The 2035 outlook: where Tibet's series stand against the national ones, and when they meet on trend.

Incomes are projected on their compound annual growth since 2020 (``model="cagr"``); life expectancy
and urbanization, which move by points rather than by percentages, on their average yearly change
(``model="linear"``).  Both the Tibetan and the national series are projected on their own trend over
the same years.  The year they meet, and the yearly growth Tibet needs to meet the projected national
level by 2035, follow in closed form.  Nothing is projected into data/: projections are drawn as such.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

GOAL_YEAR = 2035
START = 2020
MIN_TREND_YEARS = 3

PAIRS = (
    # series, national benchmark, model, Chinese label
    ("urban_income", "national_urban_income", "cagr", "城镇居民人均可支配收入"),
    ("rural_income", "national_rural_income", "cagr", "农村居民人均可支配收入"),
    ("life_expectancy", "national_life_expectancy", "linear", "人均预期寿命"),
    ("urbanization_rate", "national_urbanization_rate", "linear", "常住人口城镇化率"),
)
# The series the outlook reads (a page using it declares ``sections=["outlook"]``; see planbook.inputs).
SERIES = frozenset(s for pair in PAIRS for s in pair[:2])


@dataclass
class Convergence:
    series_id: str
    benchmark_id: str
    label: str
    model: str
    year: int | None = None  # latest year both series have
    value: float | None = None
    benchmark: float | None = None
    share: float | None = None  # value / benchmark, %
    start_year: int | None = None
    trend: float | None = None  # % a year (cagr) or points a year (linear)
    benchmark_trend: float | None = None
    meet_year: int | None = None
    status: str = "insufficient_data"  # reached · meets_by_2035 · meets_after_2035 · never_on_trend · insufficient_data
    required_trend: float | None = None  # to meet the benchmark's projected 2035 level
    trend_years: int = 0  # years the trend spans; fewer than MIN_TREND_YEARS is flagged

    @property
    def thin_trend(self) -> bool:
        return 0 < self.trend_years < MIN_TREND_YEARS

    def row(self) -> dict:
        return asdict(self)

    def projection(self, which: str, years: range) -> list[tuple[int, float]]:
        """Points of the trend line of the series ('value') or of the benchmark, for ``years``."""
        base = self.value if which == "value" else self.benchmark
        g = self.trend if which == "value" else self.benchmark_trend
        if base is None or g is None or self.year is None:
            return []
        out = []
        for y in years:
            n = y - self.year
            v = base * (1 + g / 100) ** n if self.model == "cagr" else base + g * n
            out.append((y, v))
        return out


def _trend(points: dict[int, float], start: int, end: int, model: str) -> tuple[int, float] | None:
    yrs = sorted(y for y in points if start <= y <= end)
    if len(yrs) < 2 or yrs[0] == end:
        return None
    y0 = yrs[0]
    a, b = points[y0], points[end]
    if model == "cagr":
        if a <= 0 or b <= 0:
            return None
        return y0, ((b / a) ** (1 / (end - y0)) - 1) * 100
    return y0, (b - a) / (end - y0)


def convergence(ds, series_id: str, benchmark_id: str, model: str, label: str, as_of: int) -> Convergence:
    c = Convergence(series_id, benchmark_id, label, model)
    s = {int(r["year"]): float(r["value"]) for r in ds.observed(series_id, as_of).to_dict("records")}
    b = {int(r["year"]): float(r["value"]) for r in ds.observed(benchmark_id, as_of).to_dict("records")}
    brk = [y for y in ds.breaks_of(series_id) + ds.breaks_of(benchmark_id) if y <= as_of]
    start = max([START] + brk)
    common = sorted(set(s) & set(b))
    common = [y for y in common if y >= start]
    if not common:
        return c
    t = common[-1]
    c.year, c.value, c.benchmark = t, s[t], b[t]
    c.share = 100 * c.value / c.benchmark
    ts, tb = _trend(s, start, t, model), _trend(b, start, t, model)
    if ts is None or tb is None:
        if c.value >= c.benchmark:
            c.status, c.meet_year = "reached", t
        return c
    c.start_year = ts[0]
    c.trend_years = t - ts[0]
    c.trend, c.benchmark_trend = ts[1], tb[1]
    horizon = GOAL_YEAR - t
    if model == "cagr":
        bench_goal = c.benchmark * (1 + c.benchmark_trend / 100) ** horizon
        c.required_trend = ((bench_goal / c.value) ** (1 / horizon) - 1) * 100 if horizon > 0 else None
    else:
        bench_goal = c.benchmark + c.benchmark_trend * horizon
        c.required_trend = (bench_goal - c.value) / horizon if horizon > 0 else None
    if c.value >= c.benchmark:
        c.status, c.meet_year = "reached", t
        return c
    if model == "cagr":
        ratio = (1 + c.trend / 100) / (1 + c.benchmark_trend / 100)
        n = math.log(c.benchmark / c.value) / math.log(ratio) if ratio > 1 else None
    else:
        gap = c.trend - c.benchmark_trend
        n = (c.benchmark - c.value) / gap if gap > 0 else None
    if n is None:
        c.status = "never_on_trend"
        return c
    c.meet_year = t + math.ceil(n - 1e-9)
    c.status = "meets_by_2035" if c.meet_year <= GOAL_YEAR else "meets_after_2035"
    return c


def outlook(ds, as_of: int) -> list[Convergence]:
    return [convergence(ds, s, b, m, label, as_of) for s, b, m, label in PAIRS]


STATUS_ZH = {
    "reached": "已达到全国水平",
    "meets_by_2035": "按现有趋势可在2035年前达到",
    "meets_after_2035": "按现有趋势晚于2035年达到",
    "never_on_trend": "按现有趋势无法追上",
    "insufficient_data": "数据不足",
}
