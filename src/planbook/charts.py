"""Altair charts for the book, rendered offline.

Every target chart draws the observed figures next to what the target required: the path from the
baseline to the goal (or the required yearly rate), the baseline and the goal, and a bound (ceiling or
floor) as a shaded band of compliant values.  The legend names each layer and the axis carries the
unit.  Years without a published figure are marked "暂无数据" on the axis instead of being joined.  The book loads
one local copy of Vega/Vega-Lite/Vega-Embed (``planbook-vega.js`` in the book's ``_static``), and
the :func:`offline_renderer` emits a small HTML snippet that embeds each chart into its own element.
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

from planbook import fmt
from planbook.assess import required_path

FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif"
# Okabe-Ito, colour-blind safe
OBSERVED = "#0072B2"
TARGET = "#D55E00"
BASELINE = "#555555"
PATH = "#999999"
BUNDLE_NAME = "planbook-vega.js"


def theme() -> dict:
    return {
        "config": {
            "font": FONT,
            "view": {"stroke": None, "continuousHeight": 220},
            "axis": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 12, "titleFontSize": 12, "grid": True,
                     "gridColor": "#eeeeee"},
            "legend": {"labelFont": FONT, "titleFont": FONT, "orient": "bottom", "labelFontSize": 12},
            "title": {"font": FONT, "fontSize": 14, "anchor": "start"},
            "text": {"font": FONT},
            "mark": {"tooltip": True},
        }
    }


_counter = {"n": 0}


def offline_renderer(spec: dict, **_meta) -> dict:
    """Altair renderer for the static book: an element plus a call to the locally shipped vegaEmbed.

    The element id is derived from the spec's content and the chart's order in the notebook, so
    re-executing a notebook gives the same output byte for byte.
    """
    _counter["n"] += 1
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    div_id = f"planbook-chart-{_counter['n']}-{digest}"
    # Keep the JSON from closing the script element, whatever the data's text holds.
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    desc = spec.get("description", "")
    markup = (
        f'<div class="planbook-chart" id="{div_id}" role="img" aria-label="{html.escape(desc)}"></div>\n'
        f'<script type="text/javascript">(function(){{var spec={safe};'
        f'function draw(){{window.planbookEmbed(document.getElementById("{div_id}"),spec,'
        f'{{actions:false,renderer:"svg"}}).catch(function(e){{console.error(e);}});}}'
        f'if(window.planbookEmbed){{draw();}}else{{window.addEventListener("load",draw);}}}})();</script>'
    )
    return {"text/html": markup, "text/plain": f"<图表：{desc}>"}


def enable() -> None:
    """Use the book's theme and the offline renderer (call once per notebook)."""
    alt.theme.register("planbook", enable=True)(theme)
    alt.renderers.register("planbook", offline_renderer)
    alt.renderers.enable("planbook")
    alt.data_transformers.disable_max_rows()
    _counter["n"] = 0


def write_bundle(static_dir: Path) -> Path:
    """Write the Vega bundle (vega, vega-lite, vega-embed) once into the book's _static folder.

    The bundle is wrapped in a function so that its internals do not leak into the page's globals;
    it exposes one name, ``window.planbookEmbed``.
    """
    static_dir.mkdir(parents=True, exist_ok=True)
    path = static_dir / BUNDLE_NAME
    bundle = vl_convert.javascript_bundle("window.planbookEmbed = vegaEmbed;")
    content = "/* vega, vega-lite and vega-embed, bundled by vl-convert */\n(function(){\n" + bundle + "\n})();\n"
    if not path.exists() or path.read_text(encoding="utf-8") != content:
        path.write_text(content, encoding="utf-8")
    return path


SERIES_ACTUAL, SERIES_PATH, SERIES_BASE, SERIES_GOAL = "实际值", "规划要求路径", "基期", "规划目标"
SERIES_BAND = "达标区间"
LEGEND_COLORS = {SERIES_ACTUAL: OBSERVED, SERIES_PATH: TARGET, SERIES_BASE: BASELINE, SERIES_GOAL: TARGET,
                 SERIES_BAND: "#009E73"}


def _frame(obs: pd.DataFrame, sources: dict, years: range) -> pd.DataFrame:
    rows = []
    have = {int(r["year"]): r for r in obs.to_dict("records")}
    for y in years:
        r = have.get(y)
        if r is None:
            rows.append({"年份": y, "数值": None, "原文": "", "数据状态": "暂无数据", "证据等级": "", "来源": ""})
        else:
            src = sources.get(r["source_id"], {})
            q = r.get("qualifier")
            who = src.get("original_publisher") if src.get("original") == "转载" and src.get("original_publisher") \
                else src.get("publisher", "")
            rows.append({"年份": y, "数值": float(r["value"]), "原文": q if isinstance(q, str) else "",
                         "数据状态": r["status"] + ("（年份系推断）" if bool(r.get("year_inferred", False)) else ""),
                         "证据等级": r.get("grade", "") or src.get("grade", ""),
                         "来源": f"{who}《{src.get('title', '')}》"})
    return pd.DataFrame(rows)


def _legend_scale(names: list[str]) -> alt.Scale:
    return alt.Scale(domain=names, range=[LEGEND_COLORS[n] for n in names])


def target_chart(target: dict, series: dict, obs: pd.DataFrame, sources: dict, assessment: dict | None,
                 as_of: int, benchmark: pd.DataFrame | None = None) -> alt.LayerChart:
    """One chart: the observed figures against the path the target required (or its bound).

    For a target stated relative to another series (income reaching the national average), ``benchmark``
    holds that series' observations: they are the level the target requires, drawn as its path.
    """
    unit = series.get("unit", "")
    a = dict(assessment or {})
    start = int(target["baseline_year"]) if pd.notna(target.get("baseline_year")) else 2020
    start = min(start, 2020 if int(target["target_year"]) > 2020 else 2015)
    end = max(int(target["target_year"]) if int(target["target_year"]) <= 2025 else 2025, min(as_of, 2025))
    years = range(start, end + 1)
    df = _frame(obs[obs["year"] <= as_of], sources, years)
    df["评估"] = a.get("status_zh", "")
    df["系列"] = SERIES_ACTUAL
    rate_target = target["kind"] == "annual_growth" and series.get("measure") == "rate"
    bound = target["kind"] in ("ceiling", "floor") and not fmt.missing(target.get("target_value"))
    x = alt.X("年份:O", title=None, axis=alt.Axis(labelAngle=0))
    y_title = f"{series.get('name_zh', '')}（{unit}）" if unit else series.get("name_zh", "")

    path = [(y, v) for y, v in required_path(target, a) if y in years] if a else []  # what the target required
    if benchmark is not None:
        path = [(int(y), float(v)) for y, v in zip(benchmark["year"], benchmark["value"], strict=True)
                if int(y) in years]
    tv = target.get("target_value")
    extra_vals = [v for _, v in path]
    names = [SERIES_ACTUAL]
    layers = []
    if bound:
        lo_hi = _domain([v for v in df["数值"].dropna()] + [float(tv)], rate_target)
        band = pd.DataFrame([{"系列": SERIES_BAND, "y": float(tv),
                              "y2": lo_hi[1] if target["kind"] == "floor" else lo_hi[0],
                              "说明": f"{'不低于' if target['kind'] == 'floor' else '不高于'}"
                                      f"{fmt.number(tv, unit)}（每年）"}])
        names.append(SERIES_BAND)
        layers.append(alt.Chart(band).mark_rect(opacity=0.12).encode(
            y=alt.Y("y:Q"), y2="y2:Q", color=alt.Color("系列:N", title=None), tooltip=[alt.Tooltip("说明:N")]))
        layers.append(alt.Chart(band).mark_rule(color=LEGEND_COLORS[SERIES_BAND], strokeWidth=2).encode(
            y="y:Q", tooltip=[alt.Tooltip("说明:N")]))
    elif path:
        label = f"要求年均{fmt.number(tv, '%')}" if rate_target else \
            "全国平均水平（规划要求达到）" if benchmark is not None else SERIES_PATH
        pdf = pd.DataFrame([{"年份": y, "数值": round(v, 4), "系列": SERIES_PATH,
                             "说明": f"{y}年规划要求：{fmt.number(round(v, 2), '%' if rate_target else unit)}"}
                            for y, v in path])
        names.append(SERIES_PATH)
        layers.append(alt.Chart(pdf).mark_line(strokeDash=[6, 4], strokeWidth=2).encode(
            x=x, y="数值:Q", color=alt.Color("系列:N", title=None), tooltip=[alt.Tooltip("说明:N", title=label)]))
    pts = []
    if not rate_target and not bound:
        if a.get("baseline_value") is not None and not fmt.missing(a.get("baseline_value")) \
                and int(a["baseline_year"]) in years:
            by, bv = int(a["baseline_year"]), float(a["baseline_value"])
            pts.append({"年份": by, "数值": bv, "系列": SERIES_BASE, "说明": f"基期（{by}年）：{fmt.number(bv, unit)}"})
        goal = a.get("goal_value")
        if goal is not None and not fmt.missing(goal) and int(target["target_year"]) in years:
            pts.append({"年份": int(target["target_year"]), "数值": float(goal), "系列": SERIES_GOAL,
                        "说明": f"{int(target['target_year'])}年目标：{fmt.number(goal, unit)}"})
    if pts:
        pdf = pd.DataFrame(pts)
        names += [n for n in (SERIES_BASE, SERIES_GOAL) if n in set(pdf["系列"])]
        layers.append(alt.Chart(pdf).mark_point(size=130, filled=True, opacity=1).encode(
            x=x, y="数值:Q", color=alt.Color("系列:N", title=None),
            shape=alt.Shape("系列:N", scale=alt.Scale(domain=[SERIES_BASE, SERIES_GOAL], range=["square", "diamond"]),
                            legend=None),
            tooltip=[alt.Tooltip("说明:N")]))
    domain = _domain([v for v in df["数值"].dropna()] + extra_vals + [p["数值"] for p in pts]
                     + ([float(tv)] if bound else []), rate_target)
    tooltip = [alt.Tooltip("年份:O"), alt.Tooltip("数值:Q", format=",.2~f"),
               alt.Tooltip("原文:N", title="原文标注"), alt.Tooltip("数据状态:N"), alt.Tooltip("证据等级:N"),
               alt.Tooltip("评估:N"), alt.Tooltip("来源:N")]
    yenc = alt.Y("数值:Q", title=y_title, scale=alt.Scale(zero=False, domain=domain))
    color = alt.Color("系列:N", title=None, scale=_legend_scale(names))
    base = alt.Chart(df)
    if rate_target:
        observed = base.mark_bar(opacity=0.85).encode(x=x, y=yenc, color=color, tooltip=tooltip)
    else:
        observed = base.mark_line(point=alt.OverlayMarkDef(size=50)).encode(x=x, y=yenc, color=color, tooltip=tooltip)
    missing = alt.Chart(df[df["数值"].isna()]).mark_text(
        text="×", color="#767676", fontSize=14, baseline="bottom").encode(
        x=x, y=alt.value(218), tooltip=[alt.Tooltip("年份:O"), alt.Tooltip("数据状态:N")])
    desc = describe(target, series, df, a, path)
    return alt.layer(*layers, observed, missing).resolve_scale(color="shared").properties(
        width="container", height=220, description=desc)


def _domain(vals: list[float], rate_target: bool) -> list[float]:
    """An explicit y domain covering every value drawn (never empty)."""
    vals = [float(v) for v in vals if not fmt.missing(v)]
    if rate_target:
        vals.append(0.0)
    if not vals:
        return [0.0, 1.0]
    lo, hi = min(vals), max(vals)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.05 or 1.0
    lo2 = lo - pad if not (rate_target and lo >= 0) else 0.0
    return [round(lo2, 6), round(hi + pad, 6)]


def describe(target: dict, series: dict, df: pd.DataFrame, assessment: dict | None,
             path: list[tuple[int, float]] | None = None) -> str:
    """Text alternative of a chart: the figures it shows, in words."""
    unit = series.get("unit", "")
    have = df.dropna(subset=["数值"])
    parts = [f"{target['name_zh']}："]
    if have.empty:
        parts.append("暂无公开数据")
    else:
        parts.append("，".join(f"{int(r['年份'])}年{fmt.number(r['数值'], unit)}{r.get('原文', '')}"
                               for r in have.to_dict("records")))
    miss = df[df["数值"].isna()]["年份"].tolist()
    if miss:
        parts.append("；暂无数据年份：" + "、".join(str(int(y)) for y in miss))
    if path:
        y, v = path[-1]
        parts.append(f"；规划要求{y}年达到{fmt.number(round(v, 2), unit)}")
    if assessment:
        parts.append(f"；评估：{assessment.get('status_zh', '')}")
    return "".join(parts)
