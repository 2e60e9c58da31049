"""How the book writes numbers, years and kinds of target: plain text, no markup.

One number formatter (:func:`number`) serves the assessment's caveats, the chapters, the charts and
the explorer, so a figure reads the same wherever it appears.
"""

from __future__ import annotations

import math

PART_TITLES = {
    1: "开启社会主义现代化建设新征程西藏篇章",
    2: "统筹协调发展 构建区域发展新格局",
    3: "强化战略支撑 推进基础设施高质量发展",
    4: "强化创新驱动 做精做优高原优势产业",
    5: "共享发展成果 增强各族群众获得感幸福感安全感",
    6: "持续深化改革 激发市场主体活力",
    7: "积极扩大开放 融入新发展格局",
    8: "坚持绿色发展 打造生态文明高地",
    9: "守护神圣国土 确保边防巩固和边境安全",
    10: "统筹发展和安全 推进治理体系和治理能力现代化",
    11: "加强党的全面领导 健全规划实施机制",
}
KIND_ZH = {
    "level": "水平值",
    "annual_growth": "年均增速",
    "cumulative_change": "累计变化",
    "cumulative_growth": "累计增长",
    "ceiling": "上限",
    "floor": "下限",
    "count": "数量",
    "milestone": "工程节点",
}
METHOD_ZH = {
    "growth_ratio": "增长比率法",
    "distance_share": "距离占比法",
    "mean_of_rates": "年度增速几何平均",
    "cagr_of_levels": "水平值年均复合增速",
    "bound_each_year": "逐年对照上/下限",
    "benchmark_trend": "与全国水平对照",
    "none": "—",
}
# Methods whose observed rate is a growth rate in percent (the others move in the series' own unit).
PERCENT_RATE_METHODS = ("growth_ratio", "mean_of_rates", "cagr_of_levels")
_ZH_DIGITS = "零一二三四五六七八九十"


def missing(x) -> bool:
    """True for None, NaN and pandas' NA (the ways a missing cell arrives here)."""
    if x is None:
        return True
    try:
        return bool(x != x) or (isinstance(x, float) and math.isnan(x))
    except TypeError:  # pandas.NA refuses comparison
        return True


def number(x, unit: str = "") -> str:
    """A number as the book prints it: thousands separators, at most two decimals, no trailing zeros."""
    if missing(x) or (isinstance(x, str) and not x):
        return "—"
    x = float(x)
    s = f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.2f}".rstrip("0").rstrip(".")
    return f"{s}{unit}"


def observed(x, unit: str = "", qualifier=None) -> str:
    """An observed figure as its source printed it: the number, its unit and any 左右/以上/以内."""
    return number(x, unit) + (qualifier if isinstance(qualifier, str) else "")


def flag(x) -> bool:
    """A boolean cell (year_inferred), missing counting as false."""
    return not missing(x) and bool(x)


def obs_year(year, inferred=False) -> str:
    """A figure's year in a table cell; a year inferred from the publication date says so."""
    return f"{int(year)}（推断）" if flag(inferred) else str(int(year))


def latest(value, unit: str, qualifier, year, inferred) -> str:
    """The latest figure with its year, as in "5%以内（2024年）" or "1,371万千瓦（2023年，年份推断）"."""
    return f"{observed(value, unit, qualifier)}（{int(year)}年{'，年份推断' if flag(inferred) else ''}）"


def rate(x, unit: str) -> str:
    """A yearly change: "6.08%/年", "0.75个百分点/年" style (unit as given)."""
    return f"{number(round(float(x), 2), unit)}/年"


def zh_number(n: int) -> str:
    """1 → 一, 11 → 十一, 25 → 二十五 (part and chapter numbers)."""
    if n <= 10:
        return _ZH_DIGITS[n]
    if n < 20:
        return "十" + _ZH_DIGITS[n - 10]
    tens, ones = divmod(n, 10)
    return _ZH_DIGITS[tens] + "十" + (_ZH_DIGITS[ones] if ones else "")


def part_title(part: int) -> str:
    return f"第{zh_number(part)}篇 {PART_TITLES[part]}"


def goal(target: dict, benchmark_name: str = "", unit: str = "") -> str:
    """What a target asks for, as text: "年均≥7.5%", "每年不高于5%", "达到全国城镇居民人均可支配收入".

    ``benchmark_name`` names the series of a relative target; ``unit`` is used when the target row has
    none (e.g. the series' unit).
    """
    if target["kind"] == "milestone":
        return target["goal_status"]
    if target.get("benchmark_series_id"):
        return "达到" + benchmark_name
    tv = target.get("target_value")
    if missing(tv):
        return "规划未列数值"
    comp = {">=": "≥", "<=": "≤", "=": ""}.get(target.get("comparator") or "", "")
    prefix = {"annual_growth": "年均", "cumulative_change": "累计", "cumulative_growth": "累计增长",
              "ceiling": "每年不高于", "floor": "每年不低于"}.get(target["kind"], "")
    if target["kind"] in ("ceiling", "floor"):
        comp = ""
    u = "%" if target["kind"] in ("annual_growth", "cumulative_growth") else (target.get("unit") or unit)
    return f"{prefix}{comp}{number(tv, u)}"
