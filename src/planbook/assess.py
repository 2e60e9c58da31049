"""Progress assessment: one verdict per target, from the published figures up to a given year.

Method (all thresholds and formulas are here, in one place):

* **Growth ratio** (Statistics Canada / Eurostat, as used by Open SDG): for a level target
  ``CAGR_obs = (x_t / x_b) ** (1 / (t - b)) - 1``, ``CAGR_req = (V / x_b) ** (1 / (T - b)) - 1`` and
  ``R = CAGR_obs / CAGR_req``.
* **Distance share** (UN ESCAP's current-status index, "时间过半、任务过半"): for shares near a natural
  limit (a percentage whose baseline or target is at least ``NEAR_LIMIT``), and for any series with a
  zero or negative value, ``progress = (x_t - x_b) / (V - x_b)`` against ``time share = (t - b) / (T - b)``;
  ``R = progress / time share``.
* **Average growth** for ``annual_growth`` targets: where the series is itself a published real
  growth rate (e.g. GDP at comparable prices) the geometric mean of the yearly rates
  ``(prod(1 + r_i)) ** (1 / n) - 1``; where it is a nominal level (incomes, revenue) the CAGR of the
  levels.  ``R = observed average / target rate``.
* **Ceilings and floors**: met or not, year by year.
* Categories: achieved (target reached) · on_track (R >= ON_TRACK) · acceleration_needed
  (ACCELERATION <= R < ON_TRACK) · limited_progress (0 <= R < ACCELERATION) · deterioration (R < 0,
  or a target once met is no longer met) · insufficient_data (fewer than two comparable points) ·
  not_assessable (the plan gives no number, or no series measures the target).  Once the target
  year is reached without meeting the target, ``on_track`` no longer applies: the status is at best
  ``acceleration_needed``, and ``final`` says ``not_met``.
* **Breaks** in a series' statistical basis (``breaks.csv``): figures before a break are not compared
  with figures after it.  Progress is measured from the first figure on the latest basis; where the
  plan's own baseline is on the old basis it is set aside and the caveat says so.
* The baseline is the published figure for the baseline year where one exists, else the plan's
  stated baseline (the plan's 2020 figures were partly estimates).
* **Qualified figures** (``qualifier`` in observations.csv: 左右, 以上, 以内) are assessed at the
  printed number; the caveat names them and says which way the true value may lie when the printed
  number is a bound (a lower bound of a higher-is-better series can only understate progress).
  Figures whose year was inferred (``year_inferred``) are used as dated and the caveat names them.

Sources of the method: Statistics Canada, "Sustainable Development Goals progress" (growth-ratio
method); Eurostat, "SDG indicators: methodological note" (assessment of progress towards quantified
targets); Open SDG "progress status" documentation; UN ESCAP, "Asia and the Pacific SDG Progress
Report", methodology annex (current-status and anticipated-progress indices).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import pandas as pd

from planbook import outlook
from planbook.fmt import number as _fmt

ON_TRACK = 0.95
ACCELERATION = 0.6
NEAR_LIMIT = 90.0  # a share (%) whose baseline or target is at least this is assessed by distance share

STATUSES = (
    "achieved",
    "on_track",
    "acceleration_needed",
    "limited_progress",
    "deterioration",
    "missed",
    "insufficient_data",
    "not_assessable",
)
# The trajectory categories apply while a target's year is ahead; once its figure is published the
# status is the final verdict: achieved (已完成) or missed (未完成).
TRAJECTORY = ("on_track", "acceleration_needed", "limited_progress", "deterioration")
STATUS_ZH = {
    "achieved": "已实现",
    "on_track": "符合预期",
    "acceleration_needed": "需加快",
    "limited_progress": "进展有限",
    "deterioration": "退步",
    "missed": "未完成",
    "insufficient_data": "数据不足",
    "not_assessable": "无法评估",
}
# Symbols tell the status without colour; the colours are from the Okabe-Ito colour-blind-safe palette.
STATUS_SYMBOL = {
    "achieved": "✔",
    "on_track": "▲",
    "acceleration_needed": "◆",
    "limited_progress": "▼",
    "deterioration": "↘",
    "missed": "✖",
    "insufficient_data": "…",
    "not_assessable": "—",
}
STATUS_COLOR = {
    "achieved": "#009E73",
    "on_track": "#56B4E9",
    "acceleration_needed": "#E69F00",
    "limited_progress": "#F0E442",
    "deterioration": "#CC79A7",
    "missed": "#D55E00",
    "insufficient_data": "#999999",
    "not_assessable": "#BBBBBB",
}
FINAL_ZH = {"met": "已完成", "not_met": "未完成", "unknown": "待定"}

CSV_COLUMNS = [
    "target_id", "series_id", "baseline_year", "baseline_value", "latest_year", "latest_value",
    "latest_qualifier", "latest_year_inferred", "target_year", "target_value", "required_rate", "observed_rate",
    "ratio", "status", "status_zh", "final_2025", "gap", "rate_unit", "goal_value", "needed_value",
    "higher_is_better", "plan_baseline_value", "alt_goal_value", "alt_status", "grades", "method", "caveat",
]
GRADE_D_CAVEAT = "所依据的数字均为D级证据（只见于转载页，未找到原发页面）"


@dataclass
class Assessment:
    target_id: str
    series_id: str
    baseline_year: int | None
    baseline_value: float | None
    latest_year: int | None
    latest_value: float | None
    target_year: int
    target_value: float | None
    latest_qualifier: str = ""
    latest_year_inferred: bool = False
    required_rate: float | None = None
    observed_rate: float | None = None
    ratio: float | None = None
    status: str = "insufficient_data"
    status_zh: str = ""
    final_2025: str = "unknown"
    gap: float | None = None  # at the final verdict: latest minus goal (rates: average minus target rate)
    rate_unit: str = ""  # unit of observed_rate and required_rate: %, or the series' unit a year
    goal_value: float | None = None
    needed_value: float | None = None  # what the latest year would have needed (see needed_value)
    higher_is_better: bool = True
    plan_baseline_value: float | None = None  # the plan's own baseline, when in the series' unit
    alt_goal_value: float | None = None  # a second reading of the goal (see _second_reading)
    alt_status: str = ""
    grades: str = ""  # evidence grades of the figures the verdict rests on, e.g. "A、D"
    method: str = ""
    caveat: str = ""
    caveats: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.finish()

    def finish(self) -> Assessment:
        if self.final_2025 == "met":
            self.status = "achieved"
        elif self.final_2025 == "not_met":
            self.status = "missed"
        self.status_zh = STATUS_ZH[self.status]
        if self.final_2025 == "met":
            self.status_zh = "已完成"
        elif (self.status == "achieved" and self.latest_year is not None and self.latest_year < self.target_year
                and self.method != "bound_each_year"):  # a standing bound is kept, not reached early
            self.status_zh = "提前实现"
        self.caveat = "；".join(dict.fromkeys(self.caveats))
        return self

    def row(self) -> dict:
        d = asdict(self)
        d.pop("caveats")
        for k in ("required_rate", "observed_rate", "ratio", "goal_value", "needed_value", "gap", "alt_goal_value"):
            if d[k] is not None:
                d[k] = round(d[k], 4)
        return {k: d[k] for k in CSV_COLUMNS}


def category(ratio: float) -> str:
    """Growth-ratio category of R (the target not yet met)."""
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= ACCELERATION:
        return "acceleration_needed"
    if ratio >= 0:
        return "limited_progress"
    return "deterioration"


def number(x) -> float | None:
    """A float, or None for None / NaN / pd.NA / empty text."""
    if x is None or (isinstance(x, str) and x == ""):
        return None
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    v = float(x)
    return None if math.isnan(v) else v





def _int(x) -> int | None:
    v = number(x)
    return None if v is None else int(v)


def cagr(x0: float, x1: float, years: float) -> float:
    """Compound annual growth rate, in percent."""
    return ((x1 / x0) ** (1.0 / years) - 1.0) * 100.0


def geometric_mean_rate(rates_pct: list[float]) -> float:
    """Average yearly growth, in percent, of a run of published yearly growth rates (in percent)."""
    prod = 1.0
    for r in rates_pct:
        prod *= 1.0 + r / 100.0
    return (prod ** (1.0 / len(rates_pct)) - 1.0) * 100.0


def higher_is_better(target: dict, series: dict | None = None, x_b: float | None = None,
                     goal: float | None = None) -> bool:
    """Whether the target asks for at least (True) or at most (False) its value.

    A ceiling or ``<=`` asks for at most; a floor, an average growth rate or ``>=`` for at least;
    otherwise the direction from the baseline to the goal decides, and failing that the series'
    ``higher_is_better``.
    """
    kind, comp = target["kind"], target.get("comparator") or ""
    if kind == "ceiling" or comp == "<=":
        return False
    if kind in ("floor", "annual_growth") or comp == ">=":
        return True
    if x_b is not None and goal is not None and goal != x_b:
        return goal > x_b
    return (series or {}).get("higher_is_better") is not False


QUALIFIER_ZH = {"左右": "约数", "以上": "下限", "以内": "上限"}


def assess_target(
    target: dict,
    observations: pd.DataFrame,
    as_of: int,
    *,
    breaks: list[int] | None = None,
    series: dict | None = None,
) -> Assessment:
    """Assess one target against its series' observations up to ``as_of``.

    ``observations`` has the columns year and value, and optionally qualifier and year_inferred (as in
    observations.csv); the figures with either are named in the caveat when the verdict uses them.
    """
    series = series or {}
    a = _assess_target(target, observations, as_of, breaks=breaks, series=series)
    a = _annotate(a, observations, as_of, target, series)
    a.needed_value = needed_value(target, a, observations)
    _describe(a, target, series)
    _second_reading(a, target, series)
    return a.finish()


def _describe(a: Assessment, target: dict, series: dict) -> None:
    """The unit of the rates, the plan's own baseline, and the size of the gap at the final verdict."""
    unit = series.get("unit", "")
    if a.method in ("growth_ratio", "mean_of_rates", "cagr_of_levels"):
        a.rate_unit = "%"
    else:
        a.rate_unit = "个百分点" if unit == "%" else unit
    xb_plan = number(target.get("baseline_value"))
    if xb_plan is not None and (target.get("baseline_unit") or "") in ("", unit) \
            and not (target["kind"] == "annual_growth" and series.get("measure") == "rate"):
        a.plan_baseline_value = xb_plan
    if a.final_2025 == "unknown" or a.latest_value is None:
        return
    if a.method in ("mean_of_rates", "cagr_of_levels") and a.observed_rate is not None:
        a.gap = round(a.observed_rate, 2) - a.required_rate
    elif a.goal_value is not None:  # a level or a bound: the latest figure against it
        a.gap = a.latest_value - a.goal_value


def _second_reading(a: Assessment, target: dict, series: dict) -> None:
    """Where the statistical basis changed and the plan states the five-year change ([8] points), read the
    target both ways: the level the plan names (the verdict) and the plan's change added to the first figure
    on the new basis.  The second reading is recorded and named in the caveat."""
    change = number(target.get("plan_change"))
    moved = any("统计口径调整" in c for c in a.caveats)
    if change is None or not moved or a.baseline_value is None or a.latest_value is None or a.goal_value is None:
        return
    alt = a.baseline_value + change
    a.alt_goal_value = alt
    higher = a.higher_is_better
    if _met(a.latest_value, alt, higher):
        a.alt_status = "achieved"
    elif a.latest_year is not None and a.latest_year >= a.target_year:
        a.alt_status = "missed"
    else:
        progress = (a.latest_value - a.baseline_value) / (alt - a.baseline_value)
        time_share = (a.latest_year - a.baseline_year) / (a.target_year - a.baseline_year)
        a.alt_status = category(progress / time_share)
    unit = series.get("unit", "")
    words = "个百分点" if unit == "%" else unit
    a.caveats.append(f"另一读法：新口径起点{_fmt(a.baseline_value)}加规划所列{_fmt(change)}{words}，"
                     f"即{_fmt(alt)}{unit}，按此为“{STATUS_ZH[a.alt_status]}”；结论采用规划所列水平值"
                     f"{_fmt(a.goal_value)}{unit}")


def _annotate(a: Assessment, observations: pd.DataFrame, as_of: int, target: dict, series: dict) -> Assessment:
    """Name the figures the verdict rests on whose year was inferred or that carry 左右/以上/以内,
    and say which way a bound may err."""
    if a.latest_year is None:
        return a
    used = {a.latest_year}
    if a.baseline_year is not None:
        used.add(a.baseline_year)
    if a.method in ("mean_of_rates", "bound_each_year") and a.baseline_year is not None:  # every year counts
        used.update(range(a.baseline_year + 1, a.latest_year + 1))
    o = observations[observations["year"] <= as_of]
    if "grade" in o.columns:
        grades = sorted({g for y, g in zip(o["year"], o["grade"], strict=True) if int(y) in used and g})
        a.grades = "、".join(grades)
        if grades == ["D"]:
            a.caveats.append(GRADE_D_CAVEAT)
    inferred = sorted(int(y) for y, f in zip(o["year"], o["year_inferred"], strict=True) if bool(f)) \
        if "year_inferred" in o.columns else []
    a.latest_year_inferred = a.latest_year in inferred
    named_years = [y for y in inferred if y in used]
    if named_years:
        a.caveats.append("、".join(f"{y}年" for y in named_years) + "数字的年份系据发布时间推断")
    quals = {int(y): (str(q), float(v)) for y, v, q in zip(o["year"], o["value"], o["qualifier"], strict=True)
             if isinstance(q, str) and q} if "qualifier" in o.columns else {}
    a.latest_qualifier = quals.get(a.latest_year, ("", 0.0))[0]
    named = [f"{y}年数字原文为“{_fmt(v)}{q}”（{QUALIFIER_ZH[q]}）" for y, (q, v) in sorted(quals.items()) if y in used]
    if not named:
        return a.finish()
    a.caveats.extend(named)
    q = a.latest_qualifier
    if q in ("以上", "以内"):
        favourable = a.higher_is_better if q == "以上" else not a.higher_is_better
        if favourable and a.status != "achieved":
            a.caveats.append("按所印数字评估，实际进展可能更好")
        elif not favourable:
            a.caveats.append("按所印数字评估，实际进展可能更差")
    return a.finish()


def _assess_target(target: dict, observations: pd.DataFrame, as_of: int, *, breaks: list[int] | None,
                   series: dict) -> Assessment:
    kind = target["kind"]
    T = int(target["target_year"])
    V = number(target.get("target_value"))
    b_plan = _int(target.get("baseline_year"))
    xb_plan = number(target.get("baseline_value"))
    b_unit = target.get("baseline_unit") or ""
    s_unit = series.get("unit", "")
    measure = series.get("measure", "level")
    a = Assessment(target["target_id"], target.get("series_id") or "", b_plan, xb_plan, None, None, T, V)
    a.higher_is_better = higher_is_better(target, series)

    if not a.series_id or V is None:
        a.status = "not_assessable"
        a.method = "none"
        if V is None:
            a.caveats.append("规划未给出可量化的目标值")
        else:
            a.caveats.append("暂无对应的统计指标")
        return a.finish()

    obs = observations[["year", "value"]].dropna()
    obs = obs[obs["year"] <= as_of].sort_values("year")
    years = [int(y) for y in obs["year"]]
    values = [float(v) for v in obs["value"]]
    pts = dict(zip(years, values, strict=True))

    # Period start: the plan's baseline year, else five years before the target year.
    b = b_plan if b_plan is not None else T - 5
    plan_baseline_ok = b_unit in ("", s_unit) and xb_plan is not None
    if kind == "annual_growth" and measure == "rate":
        plan_baseline_ok = False  # the baseline level is not a point of a rate series
    brk = [y for y in (breaks or []) if y <= as_of]
    if brk:
        last = max(brk)
        if last >= b:
            plan_baseline_ok = False
            pts = {y: v for y, v in pts.items() if y >= last}
            a.caveats.append(f"该指标自{last}年起统计口径调整，进度按新口径自{last}年起计算，未与规划基数直接比较")
            if last > b:
                b = last

    if kind == "annual_growth" and measure == "rate":
        return _assess_rate_series(a, pts, b, T, V, target)

    # Baseline point
    if b in pts:
        x_b = pts[b]
        if xb_plan is not None and plan_baseline_ok and abs(x_b - xb_plan) > 1e-9:
            a.caveats.append(f"基数采用{b}年公布数{_fmt(x_b)}（规划所列{_fmt(xb_plan)}）")
    elif plan_baseline_ok:
        x_b = xb_plan
    else:
        later = sorted(y for y in pts if y >= b)
        if not later:
            a.baseline_year, a.baseline_value = b_plan, None
            a.status = "insufficient_data"
            a.method = "none"
            a.caveats.append("缺少基期数据")
            return a.finish()
        b = later[0]
        x_b = pts[b]
        goal = V if kind in ("level", "count") else None
        if len(later) == 1 and goal is not None and _met(x_b, goal, higher_is_better(target, series, None, goal)):
            # no baseline figure, but the one published figure already reaches the goal
            a.latest_year, a.latest_value, a.goal_value, a.method = b, x_b, goal, "bound_each_year"
            a.status = "achieved"
            _final(a, T, True if b >= T else None)
            a.caveats.append(f"缺少基期数据；{b}年数字已达到目标")
            return a.finish()
    a.baseline_year, a.baseline_value = b, x_b
    after = {y: v for y, v in pts.items() if y > b}
    if after:
        a.latest_year = max(after)
        a.latest_value = after[a.latest_year]

    if kind in ("ceiling", "floor"):
        return _assess_bound(a, after, T, V, kind)

    if kind == "annual_growth":
        return _assess_level_growth(a, x_b, b, T, V, target)

    # level, count, cumulative_change, cumulative_growth: a level to reach by T
    if kind == "cumulative_change":
        goal = x_b + V
        a.caveats.append(f"累计目标折算为{T}年水平{_fmt(goal)}")
    elif kind == "cumulative_growth":
        goal = x_b * (1 + V / 100.0)
        a.caveats.append(f"累计增长{_fmt(V)}%折算为{T}年水平{_fmt(goal)}")
    else:
        goal = V
    return _assess_level(a, x_b, b, goal, T, target, series)


def _met(x: float, goal: float, higher: bool) -> bool:
    return x >= goal - 1e-9 if higher else x <= goal + 1e-9


def _final(a: Assessment, T: int, verdict_at_T: bool | None) -> None:
    if verdict_at_T is None:
        a.final_2025 = "unknown"
    else:
        a.final_2025 = "met" if verdict_at_T else "not_met"


def _assess_level(a: Assessment, x_b: float, b: int, goal: float, T: int, target: dict, series: dict) -> Assessment:
    a.goal_value = goal
    higher = a.higher_is_better = higher_is_better(target, series, x_b, goal)
    if a.latest_year is None:
        a.method = "none"
        a.status = "insufficient_data"
        a.caveats.append("基期之后暂无公开数据")
        return a.finish()
    t, x_t = a.latest_year, a.latest_value
    if b >= T:  # the baseline already sits at (or after) the target year: only met or not
        a.method = "bound_each_year"
        met = _met(x_t, goal, higher)
        a.status = "achieved" if met else "deterioration"
        _final(a, T, met if t >= T else None)
        return a.finish()
    share = series.get("measure") == "share"
    use_distance = (share and max(abs(x_b), abs(goal)) >= NEAR_LIMIT) or x_b <= 0 or x_t <= 0 or goal <= 0
    a.method = "distance_share" if use_distance else "growth_ratio"
    if use_distance:
        if goal != x_b:
            a.required_rate = (goal - x_b) / (T - b)
        a.observed_rate = (x_t - x_b) / (t - b)
    else:
        a.required_rate = cagr(x_b, goal, T - b) if goal != x_b else 0.0
        a.observed_rate = cagr(x_b, x_t, t - b)

    if _met(x_t, goal, higher):
        a.status = "achieved"
    elif _met(x_b, goal, higher):
        a.status = "deterioration"  # was at or past the target, no longer is
        a.caveats.append("基期已达到目标，最新数据回落")
    else:
        if use_distance:
            progress = (x_t - x_b) / (goal - x_b)
            a.ratio = progress / ((t - b) / (T - b))
        else:
            a.ratio = a.observed_rate / a.required_rate
        a.status = category(a.ratio)
        if t >= T and a.status == "on_track":
            a.status = "acceleration_needed"
    verdict = None
    if t >= T and a.latest_year is not None:
        verdict = _met(x_t, goal, higher)
    _final(a, T, verdict)
    if verdict is None and a.status == "achieved":
        a.caveats.append(f"{t}年已达到目标，{T}年数据尚未公布")
    return a.finish()


def _assess_level_growth(a: Assessment, x_b: float, b: int, T: int, V: float, target: dict) -> Assessment:
    """Average yearly growth of a nominal level (CAGR) against a target rate."""
    a.method = "cagr_of_levels"
    a.required_rate = V
    if a.latest_year is None:
        a.status = "insufficient_data"
        a.caveats.append("基期之后暂无公开数据")
        return a.finish()
    if x_b <= 0 or a.latest_value <= 0:
        a.status = "not_assessable"
        a.caveats.append("数值非正，无法计算年均增速")
        return a.finish()
    t = a.latest_year
    if b >= T:
        a.status = "insufficient_data"
        a.caveats.append("基期不早于目标年，无法计算期内增速")
        return a.finish()
    a.goal_value = x_b * (1 + V / 100.0) ** (T - b)  # the level the target rate implies for T
    a.observed_rate = cagr(x_b, a.latest_value, t - b)
    return _grade_rate(a, t, T, V)


def _assess_rate_series(a: Assessment, pts: dict[int, float], b: int, T: int, V: float, target: dict) -> Assessment:
    """Geometric mean of published yearly real growth rates against a target rate."""
    a.method = "mean_of_rates"
    a.required_rate = V
    a.baseline_year = b
    a.baseline_value = None
    yrs = sorted(y for y in pts if b < y <= T)
    if not yrs:
        a.status = "insufficient_data"
        a.caveats.append("暂无公布的年度增速")
        return a.finish()
    missing = [y for y in range(b + 1, yrs[-1] + 1) if y not in pts]
    if missing:
        a.caveats.append("缺少" + "、".join(f"{y}年" for y in missing) + "增速，平均值只含已公布年份")
    a.latest_year = yrs[-1]
    a.latest_value = pts[yrs[-1]]
    a.observed_rate = geometric_mean_rate([pts[y] for y in yrs])
    return _grade_rate(a, a.latest_year, T, V, complete=not missing)


def _grade_rate(a: Assessment, t: int, T: int, V: float, complete: bool = True) -> Assessment:
    obs = round(a.observed_rate, 1)  # published rates have one decimal; compare at that precision
    if V > 0:
        a.ratio = a.observed_rate / V
    if t >= T:
        met = obs >= V
        a.status = "achieved" if met else (category(a.ratio) if a.ratio is not None else "deterioration")
        if not met and a.status == "on_track":
            a.status = "acceleration_needed"
        _final(a, T, met if complete else None)
        if not complete:
            a.caveats.append("期内年份不全，暂不作最终判断")
    else:
        if a.ratio is not None:
            a.status = category(a.ratio)
        else:
            a.status = "on_track" if a.observed_rate >= V else "deterioration"
        a.final_2025 = "unknown"
    return a.finish()


def _assess_bound(a: Assessment, after: dict[int, float], T: int, V: float, kind: str) -> Assessment:
    a.goal_value = V
    a.method = "bound_each_year"
    if not after:
        a.status = "insufficient_data"
        a.caveats.append("基期之后暂无公开数据")
        return a.finish()
    ok = (lambda x: x <= V + 1e-9) if kind == "ceiling" else (lambda x: x >= V - 1e-9)
    breaches = [y for y, v in sorted(after.items()) if y <= T and not ok(v)]
    latest_ok = ok(a.latest_value)
    a.status = "achieved" if latest_ok else "deterioration"
    if breaches:
        a.caveats.append("未达标年份：" + "、".join(str(y) for y in breaches))
    if breaches:
        a.final_2025 = "not_met"
    elif T in after:
        a.final_2025 = "met"
    else:
        a.final_2025 = "unknown"
    return a.finish()


BENCHMARK_STATUS = {  # outlook status -> assessment status, for a target "reach the benchmark by T"
    "reached": "achieved",
    "meets_by_2035": "on_track",
    "meets_after_2035": "acceleration_needed",
    "never_on_trend": "limited_progress",
    "insufficient_data": "insufficient_data",
}


def assess_benchmark(target: dict, ds, as_of: int) -> Assessment:
    """A target stated relative to another series (e.g. income reaching the national average).

    Achieved when the series is at least the benchmark in the latest year both have; otherwise the
    status follows when the two meet if each keeps its trend since 2020 (see :mod:`planbook.outlook`):
    by the target year → on_track, later → acceleration_needed, never → limited_progress.
    """
    sid, bid = target["series_id"], target["benchmark_series_id"]
    model = "cagr" if ds.series_by_id[sid]["measure"] == "level" else "linear"
    c = outlook.convergence(ds, sid, bid, model, target["name_zh"], as_of)
    T = int(target["target_year"])
    a = Assessment(target["target_id"], sid, c.start_year, None, c.year, c.value, T, None)
    a.method = "benchmark_trend"
    a.rate_unit = "%" if model == "cagr" else ds.series_by_id[sid]["unit"]
    a.goal_value = c.benchmark
    a.observed_rate, a.ratio = c.trend, (c.share / 100 if c.share is not None else None)
    a.required_rate = c.required_trend if T == outlook.GOAL_YEAR else None
    if c.status in ("meets_by_2035", "meets_after_2035"):
        status = "on_track" if c.meet_year <= T else "acceleration_needed"
    else:
        status = BENCHMARK_STATUS[c.status]
    if c.year is not None and c.year >= T and status != "achieved":
        status = "acceleration_needed" if status == "on_track" else status
    a.status = status
    if c.year is not None:
        bname = ds.series_by_id[bid]["name_zh"]
        a.caveats.append(f"{c.year}年为{bname}的{c.share:.1f}%")
        if c.meet_year and c.status != "reached":
            a.caveats.append(f"按2020年以来趋势于{c.meet_year}年达到")
        if c.thin_trend:
            a.caveats.append("趋势依据不足三年")
    if c.year is not None and c.year >= T:
        _final(a, T, c.value >= c.benchmark)
        a.gap = c.value - c.benchmark
    a.needed_value = needed_value(target, a)
    return a.finish()


def needed_value(target: dict, a: Assessment, observations: pd.DataFrame | None = None) -> float | None:
    """The value the assessment's latest year would have needed for the target to be met (on track).

    Let ``b`` and ``x_b`` be the assessment's baseline year and value, ``t`` its latest year, ``T``
    the target year, ``V`` the target value and ``goal`` the level to reach by ``T`` (``V`` itself,
    or for cumulative targets the level the assessment derived from it).

    * ``level``, ``count``, ``cumulative_change``, ``cumulative_growth``: the level on the required
      path at ``t``.  For the growth-ratio method ``x_b * (1 + r_req) ** (t - b)`` with
      ``r_req = (goal / x_b) ** (1 / (T - b)) - 1``; for the distance-share method the straight line
      ``x_b + (goal - x_b) * (t - b) / (T - b)``.  Where the baseline is not before ``T``: ``goal``.
    * ``ceiling`` and ``floor``: the bound ``V``, which holds every year.
    * ``annual_growth`` of a nominal level (method ``cagr_of_levels``): ``x_b * (1 + V/100) ** (t - b)``.
    * ``annual_growth`` of a published real-rate series (method ``mean_of_rates``): the rate (in %)
      year ``t`` would have needed so that the geometric mean of the published rates of the years
      ``b < y <= t`` equals ``V``, i.e. ``((1 + V/100) ** n / prod_{b<y<t}(1 + r_y/100) - 1) * 100``
      with ``n`` the number of those years (years without a published rate are not counted, as in
      the assessment); ``observations`` (columns year, value) are needed for it.
    * a target stated relative to a benchmark series: the benchmark's value once ``t >= T``, else
      None (the trend, not a level, decides before the target year).

    Returns None when there is nothing to compute: no target value, no figure after the baseline,
    or the assessment is ``not_assessable`` / ``insufficient_data``.
    """
    kind = target["kind"]
    t, b, T, V = a.latest_year, a.baseline_year, int(target["target_year"]), number(target.get("target_value"))
    if t is None or a.status in ("not_assessable", "insufficient_data") or kind == "milestone":
        return None
    if a.method == "benchmark_trend":
        return a.goal_value if t >= T else None
    if kind in ("ceiling", "floor"):
        return V
    if kind == "annual_growth":
        if V is None or b is None:
            return None
        if a.method == "mean_of_rates":
            if observations is None:
                return None
            o = observations[["year", "value"]].dropna()
            pts = {int(y): float(v) for y, v in zip(o["year"], o["value"], strict=True)}
            years = [y for y in pts if b < y <= t]
            if t not in pts:
                years.append(t)  # the latest year is the one whose rate we solve for
            prod_others = 1.0
            for y in years:
                if y != t:
                    prod_others *= 1.0 + pts[y] / 100.0
            return ((1.0 + V / 100.0) ** len(years) / prod_others - 1.0) * 100.0
        if a.baseline_value is None:
            return None
        return a.baseline_value * (1.0 + V / 100.0) ** (t - b)
    # a level to reach by T (level, count, cumulative_change, cumulative_growth)
    goal = a.goal_value if a.goal_value is not None else V
    x_b = a.baseline_value
    if goal is None:
        return None
    if x_b is None or b is None or b >= T or a.method == "bound_each_year":
        return goal
    share = min(max((t - b) / (T - b), 0.0), 1.0)
    if a.method == "distance_share" or x_b <= 0 or goal <= 0:
        return x_b + (goal - x_b) * share
    return x_b * (goal / x_b) ** share


def required_path(target: dict, a: Assessment | dict) -> list[tuple[int, float]]:
    """The values the target required, year by year from the baseline to the target year.

    * a level (growth-ratio method): ``x_b * (goal / x_b) ** ((y - b) / (end - b))``; distance share: the
      straight line from ``x_b`` to ``goal``;
    * an average growth rate of a nominal level: ``x_b * (1 + V/100) ** (y - b)``;
    * an average growth rate of a published real-rate series, or a bound: ``V`` every year.

    The latest year's point equals :func:`needed_value` where both apply.  Empty when the assessment
    has no baseline or goal (nothing to draw).
    """
    get = a.get if isinstance(a, dict) else (lambda k: getattr(a, k))  # an Assessment or its row()
    method = get("method") or ""
    b, end, V = _int(get("baseline_year")), int(target["target_year"]), number(target.get("target_value"))
    if b is None or end <= b:
        return []
    years = range(b, end + 1)
    if method == "mean_of_rates" or (method == "bound_each_year" and target["kind"] in ("ceiling", "floor")):
        return [(y, V) for y in years if y > b or method == "bound_each_year"] if V is not None else []
    x_b = number(get("baseline_value"))
    if x_b is None:
        return []
    if method == "cagr_of_levels" and V is not None:
        return [(y, x_b * (1 + V / 100) ** (y - b)) for y in years]
    goal = number(get("goal_value"))
    if goal is None or method not in ("growth_ratio", "distance_share"):
        return []
    if method == "distance_share":
        return [(y, x_b + (goal - x_b) * (y - b) / (end - b)) for y in years]
    return [(y, x_b * (goal / x_b) ** ((y - b) / (end - b))) for y in years]


def assess(ds, target: dict | str, as_of: int) -> Assessment:
    """Assess one target of ``ds`` from the figures published for years up to ``as_of``.

    The one entry point the book and the explorer use.  Figures after the target year do not change
    a verdict (years are capped at the target year); a target stated relative to another series is
    assessed against it (:func:`assess_benchmark`), any other against its own series
    (:func:`assess_target`, with the series' breaks).  Both give ``needed_value``, the value the latest
    year would have needed (:func:`needed_value`).
    """
    if isinstance(target, str):
        t = ds.targets[ds.targets["target_id"] == target]
        if t.empty:
            raise KeyError(f"no target '{target}' in this dataset")
        target = t.iloc[0].to_dict()
    placed = ds.main_indicators[ds.main_indicators["target_id"] == target["target_id"]]
    if not placed.empty:  # the box's bracketed five-year change, for the second reading across a break
        target = {**target, "plan_change": placed.iloc[0]["plan_change"]}
    if target["kind"] == "milestone":
        raise ValueError(f"{target['target_id']} is an undertaking (milestone), not a target with a series")
    upto = min(as_of, int(target["target_year"]))
    sid = target.get("series_id") or ""
    if target.get("benchmark_series_id"):
        return assess_benchmark(target, ds, upto)
    obs = ds.observed(sid, upto) if sid else pd.DataFrame({"year": [], "value": []})
    return assess_target(target, obs, upto, breaks=ds.breaks_of(sid) if sid else [],
                         series=ds.series_by_id.get(sid, {}))


def assess_all(ds, as_of: int, *, include_targets=None) -> pd.DataFrame:
    """One row per target that has a series (undertakings excluded), as :data:`CSV_COLUMNS`."""
    t = ds.targets
    if include_targets is not None:
        t = t[t["target_id"].isin(include_targets)]
    rows = [assess(ds, target, as_of).row() for target in t.to_dict("records")
            if target["kind"] != "milestone" and target["series_id"]]
    return pd.DataFrame(rows, columns=CSV_COLUMNS)
