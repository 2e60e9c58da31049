"""Altair charts for the book, rendered offline.

Every chart draws the observed figures, the plan's baseline and its target; years without a
published figure are marked "暂无数据" on the axis instead of being joined by a line.  The book loads
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


def _frame(obs: pd.DataFrame, sources: dict, years: range) -> pd.DataFrame:
    rows = []
    have = {int(r["year"]): r for r in obs.to_dict("records")}
    for y in years:
        r = have.get(y)
        if r is None:
            rows.append({"年份": y, "数值": None, "原文": "", "数据状态": "暂无数据", "来源": ""})
        else:
            src = sources.get(r["source_id"], {})
            q = r.get("qualifier")
            rows.append({"年份": y, "数值": float(r["value"]), "原文": q if isinstance(q, str) else "",
                         "数据状态": r["status"] + ("（年份系推断）" if bool(r.get("year_inferred", False)) else ""),
                         "来源": f"{src.get('publisher', '')}《{src.get('title', '')}》"})
    return pd.DataFrame(rows)


def target_chart(target: dict, series: dict, obs: pd.DataFrame, sources: dict, assessment: dict | None,
                 as_of: int) -> alt.LayerChart:
    """One chart: observed values, baseline, target (and the path between them), missing years marked."""
    unit = series.get("unit", "")
    start = int(target["baseline_year"]) if pd.notna(target.get("baseline_year")) else 2020
    start = min(start, 2020 if int(target["target_year"]) > 2020 else 2015)
    end = max(int(target["target_year"]) if int(target["target_year"]) <= 2025 else 2025, min(as_of, 2025))
    years = range(start, end + 1)
    df = _frame(obs[obs["year"] <= as_of], sources, years)
    status = (assessment or {}).get("status_zh", "")
    df["评估"] = status
    x = alt.X("年份:O", title=None, axis=alt.Axis(labelAngle=0))
    rate_target = target["kind"] == "annual_growth" and series.get("measure") == "rate"
    y_title = f"{series.get('name_zh', '')}（{unit}）"
    tooltip = [alt.Tooltip("年份:O"), alt.Tooltip("数值:Q", format=",.2~f"),
               alt.Tooltip("原文:N", title="原文标注"), alt.Tooltip("数据状态:N"),
               alt.Tooltip("评估:N"), alt.Tooltip("来源:N")]
    base = alt.Chart(df)
    domain = _domain(df, target, assessment, rate_target)
    if rate_target:
        observed = base.mark_bar(color=OBSERVED, opacity=0.85).encode(
            x=x, y=alt.Y("数值:Q", title=y_title, scale=alt.Scale(domain=domain)), tooltip=tooltip)
    else:
        observed = base.mark_line(color=OBSERVED, point=alt.OverlayMarkDef(color=OBSERVED, size=50)).encode(
            x=x, y=alt.Y("数值:Q", title=y_title, scale=alt.Scale(zero=False, domain=domain)), tooltip=tooltip)
    missing = alt.Chart(df[df["数值"].isna()]).mark_text(
        text="×", color="#999999", fontSize=14, baseline="bottom").encode(
        x=x, y=alt.value(218), tooltip=[alt.Tooltip("年份:O"), alt.Tooltip("数据状态:N")])
    layers = [observed, missing]
    marks = []
    tv = target.get("target_value")
    if rate_target and pd.notna(tv):
        marks.append({"label": f"目标：年均{fmt.number(tv, '%')}", "value": float(tv)})
    elif target["kind"] in ("ceiling", "floor") and pd.notna(tv):
        marks.append({"label": f"{'上限' if target['kind'] == 'ceiling' else '下限'}：{fmt.number(tv, unit)}",
                      "value": float(tv)})
    if marks:
        rule_df = pd.DataFrame(marks)
        layers.append(alt.Chart(rule_df).mark_rule(color=TARGET, strokeDash=[6, 3], strokeWidth=2).encode(
            y="value:Q", tooltip=[alt.Tooltip("label:N", title="目标")]))
    else:
        pts = []
        a = assessment or {}
        bv = None if fmt.missing(a.get("baseline_value")) else float(a["baseline_value"])
        by = None if fmt.missing(a.get("baseline_year")) else int(a["baseline_year"])
        if bv is None and pd.notna(target.get("baseline_value")) and (target.get("baseline_unit") or unit) == unit:
            bv, by = float(target["baseline_value"]), int(target["baseline_year"])
        if bv is not None and by is not None and by in years:
            pts.append({"年份": by, "数值": bv, "类别": "基期", "说明": f"基期（{by}年）：{fmt.number(bv)}"})
        goal = a.get("goal_value", tv if target["kind"] in ("level", "count") else None)
        if goal is not None and pd.notna(goal) and int(target["target_year"]) in years:
            pts.append({"年份": int(target["target_year"]), "数值": float(goal), "类别": "规划目标",
                        "说明": f"{int(target['target_year'])}年目标：{fmt.number(goal, unit)}"})
        if pts:
            pdf = pd.DataFrame(pts)
            layers.append(alt.Chart(pdf).mark_line(color=PATH, strokeDash=[4, 4]).encode(x=x, y="数值:Q"))
            layers.append(alt.Chart(pdf).mark_point(size=120, filled=True).encode(
                x=x, y="数值:Q",
                shape=alt.Shape("类别:N", scale=alt.Scale(domain=["基期", "规划目标"], range=["square", "diamond"]),
                                legend=alt.Legend(title=None)),
                color=alt.Color("类别:N", scale=alt.Scale(domain=["基期", "规划目标"], range=[BASELINE, TARGET]),
                                legend=alt.Legend(title=None)),
                tooltip=[alt.Tooltip("说明:N")]))
    desc = describe(target, series, df, assessment)
    return alt.layer(*layers).properties(width="container", height=220, description=desc)


def _domain(df: pd.DataFrame, target: dict, assessment: dict | None, rate_target: bool) -> list[float]:
    """An explicit y domain covering the observed values, baseline and target (never empty)."""
    vals = [float(v) for v in df["数值"].dropna()]
    a = assessment or {}
    # a growth or cumulative target's value is a rate or a change, not a point on the series' axis
    value_is_level = rate_target or target["kind"] not in ("annual_growth", "cumulative_growth", "cumulative_change")
    for v in (a.get("baseline_value"), a.get("goal_value"), target.get("target_value") if value_is_level else None):
        if not fmt.missing(v):
            vals.append(float(v))
    if rate_target:
        vals.append(0.0)
    if not vals:
        return [0.0, 1.0]
    lo, hi = min(vals), max(vals)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.05 or 1.0
    lo2 = lo - pad if not (rate_target and lo >= 0) else 0.0
    return [round(lo2, 6), round(hi + pad, 6)]


def describe(target: dict, series: dict, df: pd.DataFrame, assessment: dict | None) -> str:
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
    if assessment:
        parts.append(f"；评估：{assessment.get('status_zh', '')}")
    return "".join(parts)


SELECT_THRESHOLD = 6  # a part with more charted targets than this gets one chart with a selection


def selector_chart(items: list[tuple[dict, dict, pd.DataFrame, dict | None]], sources: dict,
                   as_of: int) -> alt.LayerChart:
    """One chart for many targets: a drop-down (Altair's own binding, works in a static page) picks the target.

    ``items`` are (target, series, observations, assessment).  Each target keeps its baseline, target
    and missing years, as in :func:`target_chart`.
    """
    frames = []
    labels = []
    for target, series, obs, a in items:
        unit = series.get("unit", "")
        label = f"{target['target_id']} {target['name_zh']}（{unit}）"
        labels.append(label)
        start = min(int(target["baseline_year"]) if pd.notna(target.get("baseline_year")) else 2020, 2020)
        df = _frame(obs[obs["year"] <= as_of], sources, range(start, min(max(as_of, 2021), 2025) + 1))
        df["类别"] = "实际值"
        df["说明"] = ""
        a = a or {}
        rate = target["kind"] == "annual_growth" and series.get("measure") == "rate"
        extra = []
        if not rate and a.get("baseline_value") is not None and pd.notna(a.get("baseline_value")) \
                and a.get("baseline_year") is not None and pd.notna(a.get("baseline_year")):
            extra.append({"年份": int(a["baseline_year"]), "数值": float(a["baseline_value"]), "类别": "基期",
                          "说明": f"基期（{int(a['baseline_year'])}年）"})
        goal = a.get("goal_value")
        if rate and pd.notna(target.get("target_value")):
            goal = float(target["target_value"])
        if goal is not None and pd.notna(goal) and int(target["target_year"]) <= 2025:
            extra.append({"年份": int(target["target_year"]), "数值": float(goal), "类别": "规划目标",
                          "说明": f"{int(target['target_year'])}年目标"})
        if extra:
            df = pd.concat([df, pd.DataFrame(extra)], ignore_index=True)
        df["指标"] = label
        df["评估"] = a.get("status_zh", "")
        frames.append(df)
    data = pd.concat(frames, ignore_index=True)
    data["数值"] = data["数值"].astype(float)
    pick = alt.param(name="pick", value=labels[0],
                     bind=alt.binding_select(options=labels, name="选择指标："))
    base = alt.Chart(data).transform_filter(alt.datum["指标"] == pick)
    x = alt.X("年份:O", title=None, axis=alt.Axis(labelAngle=0))
    y = alt.Y("数值:Q", title="数值（单位见指标名）", scale=alt.Scale(zero=False))
    tip = [alt.Tooltip("指标:N"), alt.Tooltip("年份:O"), alt.Tooltip("数值:Q", format=",.2~f"),
           alt.Tooltip("原文:N", title="原文标注"), alt.Tooltip("类别:N"),
           alt.Tooltip("数据状态:N"), alt.Tooltip("评估:N"), alt.Tooltip("来源:N")]
    observed = base.transform_filter(alt.datum["类别"] == "实际值").mark_line(
        color=OBSERVED, point=alt.OverlayMarkDef(color=OBSERVED, size=50)).encode(x=x, y=y, tooltip=tip)
    missing = base.transform_filter("datum['类别'] == '实际值' && !isValid(datum['数值'])").mark_text(
        text="×", color="#999999", fontSize=14, baseline="bottom").encode(
        x=x, y=alt.value(218), tooltip=[alt.Tooltip("年份:O"), alt.Tooltip("数据状态:N")])
    marks = base.transform_filter(alt.datum["类别"] != "实际值").mark_point(size=120, filled=True).encode(
        x=x, y=y,
        shape=alt.Shape("类别:N", scale=alt.Scale(domain=["基期", "规划目标"], range=["square", "diamond"]),
                        legend=alt.Legend(title=None)),
        color=alt.Color("类别:N", scale=alt.Scale(domain=["基期", "规划目标"], range=[BASELINE, TARGET]),
                        legend=alt.Legend(title=None)),
        tooltip=tip)
    desc = (f"交互图表：从下拉菜单选择本篇 {len(labels)} 项指标之一，查看其基期、规划目标和各年公开数据；"
            "各指标的数据另见下文“图表数据（文字版）”")
    return alt.layer(observed, missing, marks).add_params(pick).properties(
        width="container", height=240, description=desc)
