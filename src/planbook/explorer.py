"""A live explorer for analysts: pick a part, a target and a range of years; see chart, figures and verdict.

Built on ipywidgets for use in JupyterLab (``notebooks/explorer.ipynb``, opened by ``make lab``).
Charts render offline: each one is drawn by vl-convert into a static SVG (:func:`chart_svg`)
shown in an Output widget, so nothing is loaded from a network and no script runs; a mark's tooltip is
kept as the SVG's hover text.  The interactivity is in the widgets, whose callbacks recompute the
chart, the table and the assessment in Python.  Altair's renderer settings are left alone.

Everything shown is also kept on the object, so tests (and scripts) can drive the widgets and read
what they display::

    ex = Explorer("data")
    ex.part.value = 4
    ex.target.value = "p04_039"
    ex.years.value = (2020, 2023)
    ex.state["status_zh"], ex.html, ex.chart_svg

What the explorer shows for the selected target and years ``(lo, hi)``:

* the chart of :func:`planbook.charts.target_chart`, given the observations from ``lo`` to ``hi``,
  as an SVG;
* a table of those observations with their sources (title, publisher, date, URL);
* the assessment of :mod:`planbook.assess` from the figures published for years up to ``hi``
  (capped at the target year, as in :func:`planbook.assess.assess_all`);
* a what-if readout: the value the latest year would have needed to meet the target
  (:func:`planbook.assess.needed_value`).

The assessment is :func:`planbook.assess.assess`, the function the book's chapters use.  The
13th-plan rows (专栏1) are left out, as in the book's chapters.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import altair as alt
import ipywidgets as widgets
import pandas as pd
import vl_convert
from IPython.display import HTML

from planbook import assess as A
from planbook import charts, fmt
from planbook.data import MAIN, PART, Dataset, load
from planbook.markup import esc, status_badge, table
from planbook.paths import DATA_DIR

YEAR_MIN, YEAR_MAX = 2015, 2025
DEFAULT_YEARS = (2020, 2025)
CHART_WIDTH = 560  # pixels of the SVG drawing area; the SVG scales down to a narrower output area

# A little CSS so the tables and the status badge read well inside JupyterLab (the book has its own).
_STYLE = (
    "<style>"
    ".pb-explorer table{border-collapse:collapse;margin:.4em 0;font-size:13px}"
    ".pb-explorer th,.pb-explorer td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
    ".pb-explorer caption{text-align:left;font-weight:bold;padding:4px 0}"
    ".pb-explorer .pb-status{border:2px solid;border-radius:4px;padding:0 4px;white-space:nowrap}"
    ".pb-chart svg{display:block}"
    "</style>"
)


# ---- pure helpers -----------------------------------------------------------------------------
def _display_data(obj) -> dict:
    """One output of an Output widget, from a mime bundle or an object with ``_repr_mimebundle_`` or ``_repr_html_``.

    Building the bundle here (instead of ``Output.append_display_data``) needs no IPython shell, so
    the explorer renders the same way in a kernel and in a plain Python process (tests).
    """
    if isinstance(obj, dict):
        data, meta = obj, {}
    elif hasattr(obj, "_repr_mimebundle_"):
        r = obj._repr_mimebundle_()
        data, meta = r if isinstance(r, tuple) else (r, {})
    else:
        data, meta = {"text/html": obj._repr_html_()}, {}
    data = dict(data)
    data.setdefault("text/plain", "")
    return {"output_type": "display_data", "data": data, "metadata": dict(meta or {})}


SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
# Marks whose aria label names one data point (a line mark's label names only its first point).
_POINT_ROLES = {"point", "bar", "circle", "square", "tick", "rule", "text mark", "symbol", "rect"}


def chart_svg(chart: alt.TopLevelMixin, width: int = CHART_WIDTH) -> str:
    """The chart as a standalone SVG drawn by vl-convert in the book's theme: nothing in it loads or runs.

    ``width`` replaces a ``"container"`` width (an SVG has no container).  Vega writes the tooltip
    fields of each mark into its ``aria-label``; they become the mark's SVG ``<title>``, which browsers
    show on hover.  The drawing scales down to a narrower output area.
    """
    spec = chart.to_dict()
    if spec.get("width") == "container":
        spec["width"] = width
    spec["config"] = {**charts.theme()["config"], **spec.get("config", {})}
    # Vega joins "name: value" pairs with "; ", which a value (a source's title) may contain too.
    names = sorted(_field_names(spec), key=len, reverse=True)
    pair = re.compile("; (?=(?:" + "|".join(map(re.escape, names)) + "): )") if names else re.compile("; ")
    root = ET.fromstring(vl_convert.vegalite_to_svg(spec))
    for el in root.iter():
        label = el.get("aria-label")
        if not label or el.get("role") != "graphics-symbol" or el.get("aria-roledescription") not in _POINT_ROLES:
            continue
        title = ET.Element(f"{{{SVG_NS}}}title")
        title.text = "\n".join(f for f in pair.split(label) if f.partition(": ")[2].strip())
        title.tail, el.text = el.text, None
        el.insert(0, title)
    root.set("style", "max-width:100%;height:auto")
    return ET.tostring(root, encoding="unicode")


def _field_names(spec) -> set[str]:
    """Every field name and title in a spec: the names Vega puts in its marks' aria labels."""
    if isinstance(spec, dict):
        out = {v for k, v in spec.items() if k in ("field", "title") and isinstance(v, str) and v}
        for v in spec.values():
            out |= _field_names(v)
        return out
    if isinstance(spec, list):
        return set().union(*(_field_names(v) for v in spec))
    return set()


# ---- the explorer -----------------------------------------------------------------------------
class Explorer:
    """Widgets to explore one target at a time: chart, figures with sources, assessment, what-if.

    Attributes that tests and scripts use: ``part``, ``target``, ``years`` (the controls),
    ``output`` and ``what_if`` (Output areas), ``state`` (what is shown, as a dict), ``html`` (the
    last rendered HTML of the table and assessment), ``what_if_html``, ``chart`` (the last Altair
    chart), ``chart_svg`` (its drawing, the first output of ``output``) and ``widget`` (the VBox to
    display).
    """

    def __init__(self, data_dir: str | Path | None = None, as_of_year: int = 2025):
        self.as_of_year = int(as_of_year)
        self.ds: Dataset = load(Path(data_dir) if data_dir else DATA_DIR, validate_first=False)

        self.state: dict = {}
        self.html: str = ""
        self.what_if_html: str = ""
        self.chart: alt.TopLevelMixin | None = None
        self.chart_svg: str = ""
        self._busy = False

        wide = {"description_width": "initial"}
        self.part = widgets.Dropdown(
            options=[(fmt.part_title(p), p) for p in range(1, 12)],
            value=1, description="篇：", style=wide, layout=widgets.Layout(width="32em"))
        self.target = widgets.Dropdown(options=self._target_options(1), description="目标：", style=wide,
                                       layout=widgets.Layout(width="32em"))
        hi = min(DEFAULT_YEARS[1], self.as_of_year)
        self.years = widgets.IntRangeSlider(
            value=(min(DEFAULT_YEARS[0], hi), hi), min=YEAR_MIN, max=YEAR_MAX, step=1, description="年份：",
            style=wide, continuous_update=False, layout=widgets.Layout(width="32em"))
        self.what_if = widgets.Output(layout=widgets.Layout(border="1px solid #ddd", padding="4px"))
        self.output = widgets.Output()
        self._widget = widgets.VBox([
            widgets.HTML(f"<b>规划目标浏览器</b>（数据截至{self.as_of_year}年）"),
            self.part, self.target, self.years, self.what_if, self.output,
        ])

        self.part.observe(self._on_part, names="value")
        self.target.observe(self._on_change, names="value")
        self.years.observe(self._on_change, names="value")
        self.render()

    # ---- controls ---------------------------------------------------------------------------
    @property
    def widget(self) -> widgets.VBox:
        """The explorer's widgets, to display in a notebook."""
        return self._widget

    def part_targets(self, part: int) -> pd.DataFrame:
        """The part's numeric targets that have a series (13th-plan rows excluded)."""
        t = self.ds.group(MAIN, PART)
        return t[(t["part"] == part) & (t["series_id"] != "")].reset_index(drop=True)

    def _target_options(self, part: int) -> list[tuple[str, str]]:
        return [(f"{r['target_id']} {r['name_zh']}", r["target_id"])
                for r in self.part_targets(part).to_dict("records")]

    def _on_part(self, change) -> None:
        self._busy = True  # one render for the part change, not one per option update
        try:
            options = self._target_options(change["new"])
            self.target.options = options
            self.target.value = options[0][1] if options else None
        finally:
            self._busy = False
        self.render()

    def _on_change(self, change) -> None:
        if not self._busy:
            self.render()

    def _range(self) -> tuple[int, int]:
        lo, hi = (int(y) for y in self.years.value)
        hi = min(hi, self.as_of_year)
        return min(lo, hi), hi

    # ---- rendering --------------------------------------------------------------------------
    def render(self) -> dict:
        """Recompute everything for the current selection, refresh both Output areas; return ``state``."""
        tid = self.target.value
        lo, hi = self._range()
        if tid is None:
            self.chart = None
            self.chart_svg = ""
            self.state = {"target_id": None, "part": self.part.value, "years": (lo, hi), "status": None,
                          "status_zh": None, "latest_year": None, "latest_value": None, "needed_value": None,
                          "n_observations": 0, "sources": []}
            self.html = _STYLE + '<div class="pb-explorer"><p>本篇没有对应统计指标的量化目标。</p></div>'
            self.what_if_html = '<div class="pb-explorer"><p>—</p></div>'
            self._show([], [HTML(self.what_if_html)])
            return self.state

        t = self.ds.targets.set_index("target_id").loc[tid].to_dict()
        t["target_id"] = tid
        sid = t["series_id"]
        series = self.ds.series_by_id.get(sid, {})
        sources = self.ds.sources_by_id
        a = A.assess(self.ds, t, hi)
        row = a.row()
        obs_all = self.ds.observed(sid, hi)
        shown = obs_all[obs_all["year"] >= lo].reset_index(drop=True)
        need = a.needed_value

        self.chart = self._chart(t, series, shown, sources, row, lo, hi)
        self.chart_svg = chart_svg(self.chart, CHART_WIDTH)
        self.html = self._html(t, series, a, shown, sources, lo, hi)
        self.what_if_html = self._what_if(t, series, a, need)
        self.state = {
            "target_id": tid,
            "part": self.part.value,
            "years": (lo, hi),
            "status": a.status,
            "status_zh": a.status_zh,
            "method": a.method,
            "baseline_year": a.baseline_year,
            "baseline_value": a.baseline_value,
            "latest_year": a.latest_year,
            "latest_value": a.latest_value,
            "target_value": a.target_value,
            "needed_value": need,
            "n_observations": int(len(shown)),
            "sources": list(dict.fromkeys(shown["source_id"])),
        }
        chart = {"text/html": f'<div class="pb-chart">{self.chart_svg}</div>',
                 "text/plain": f"<图表：{self.chart.description}>"}
        self._show([chart, HTML(self.html)], [HTML(self.what_if_html)])
        return self.state

    def _benchmark_name(self, t: dict) -> str:
        bench = t.get("benchmark_series_id")
        return self.ds.series_by_id[bench]["name_zh"] if bench else ""

    def _show(self, main: list, what_if: list) -> None:
        self.output.outputs = tuple(_display_data(o) for o in main)
        self.what_if.outputs = tuple(_display_data(o) for o in what_if)

    def _chart(self, t: dict, series: dict, shown: pd.DataFrame, sources: dict, row: dict, lo: int, hi: int):
        chart = charts.target_chart(t, series, shown, sources, row, hi)
        # target_chart marks every year of its axis without a figure as 暂无数据; years outside the
        # selected range were filtered out here, not missing, so drop their marks.
        for layer in getattr(chart, "layer", []):
            data = getattr(layer, "data", None)
            if (isinstance(data, pd.DataFrame) and "数据状态" in data.columns and "年份" in data.columns
                    and len(data) and (data["数据状态"] == "暂无数据").all()):
                layer.data = data[(data["年份"] >= lo) & (data["年份"] <= hi)]
        return chart

    def _html(self, t: dict, series: dict, a: A.Assessment, shown: pd.DataFrame, sources: dict,
              lo: int, hi: int) -> str:
        unit = series.get("unit", "")
        rate = a.method == "mean_of_rates"
        base = "—"
        if a.baseline_value is not None:
            base = f"{fmt.number(a.baseline_value, unit)}（{a.baseline_year}年）"
        elif a.baseline_year is not None and rate:
            base = f"{a.baseline_year}年（增速自{a.baseline_year + 1}年起计）"
        latest = "暂无数据" if a.latest_year is None else \
            fmt.latest(a.latest_value, unit, a.latest_qualifier, a.latest_year, a.latest_year_inferred)
        observed = "—"
        if a.observed_rate is not None:
            u = "%" if a.method in ("growth_ratio", "mean_of_rates", "cagr_of_levels") else unit
            observed = f"{fmt.number(round(a.observed_rate, 2), u)}/年"
        info = [
            {"项目": "评估", "内容": status_badge(a.status, a.status_zh)
                + (f"，期末结论：{A.FINAL_ZH[a.final_2025]}" if a.final_2025 != "unknown" else "")},
            {"项目": "指标", "内容": esc(f"{series.get('name_zh', t['series_id'])}（{t['series_id']}，单位：{unit}）")},
            {"项目": "类型", "内容": esc(fmt.KIND_ZH.get(t["kind"], t["kind"]))},
            {"项目": "基期", "内容": esc(base)},
            {"项目": "最新", "内容": esc(latest)},
            {"项目": "目标", "内容": f"{esc(fmt.goal(t, self._benchmark_name(t), unit))}（{t['target_year']}年）"},
            {"项目": "实际年均变化", "内容": esc(observed)},
            {"项目": "方法", "内容": esc(fmt.METHOD_ZH.get(a.method, a.method))},
            {"项目": "说明", "内容": esc(a.caveat) or "—"},
        ]
        parts = [_STYLE, '<div class="pb-explorer">',
                 table(info, ["项目", "内容"],
                            caption=f"{t['target_id']} {t['name_zh']}：评估"
                                    f"（依据{min(hi, int(t['target_year']))}年及以前的公开数据）")]
        if shown.empty:
            parts.append(f'<p class="pb-nodata">{lo}—{hi}年暂无公开数据。</p>')
        else:
            rows = []
            for o in shown.to_dict("records"):
                src = sources.get(o["source_id"], {})
                url = src.get("url", "")
                rows.append({
                    "年份": fmt.obs_year(o["year"], o.get("year_inferred")),
                    "数值": esc(fmt.observed(o["value"], unit, o.get("qualifier"))),
                    "数据状态": esc(o["status"]),
                    "来源编号": esc(o["source_id"]),
                    "标题": esc(src.get("title", "")),
                    "发布者": esc(src.get("publisher", "")),
                    "日期": esc(src.get("published", "")),
                    "链接": f'<a href="{esc(url)}" target="_blank" rel="noopener">{esc(url)}</a>' if url else "",
                    "说明": esc(o.get("note", "")),
                })
            parts.append(table(rows, ["年份", "数值", "数据状态", "来源编号", "标题", "发布者", "日期", "链接", "说明"],
                                    caption=f"{lo}—{hi}年的公开数据（{len(rows)} 条）"))
        parts.append("</div>")
        return "".join(parts)

    def _what_if(self, t: dict, series: dict, a: A.Assessment, need: float | None) -> str:
        unit = series.get("unit", "")
        out = ['<div class="pb-explorer"><b>假设分析：</b>']
        if need is None:
            why = a.caveat or a.status_zh
            if a.method == "benchmark_trend":
                why = f"目标年（{a.target_year}年）之前按趋势判断，不设当年所需值"
            out.append(esc(f"无法计算最新年份所需的数值（{why}）。") + "</div>")
            return "".join(out)
        t_year, actual = a.latest_year, a.latest_value
        higher = a.higher_is_better
        bound = "至少" if higher else "至多"
        ok = actual is not None and (actual >= need - 1e-9 if higher else actual <= need + 1e-9)
        verdict = "已满足" if ok else "未满足"
        V = A.number(t.get("target_value"))
        if a.method == "mean_of_rates":
            text = (f"{t_year}年增速需{bound}为 {fmt.number(round(need, 2), '%')}，"
                    f"{a.baseline_year + 1}—{t_year}年已公布增速的几何平均才能达到年均 {fmt.number(V, '%')} 的目标；"
                    f"实际为 {fmt.number(actual, '%')}（{verdict}）。")
        elif a.method == "cagr_of_levels":
            text = (f"按{a.baseline_year}年 {fmt.number(a.baseline_value, unit)} 年均增长 {fmt.number(V, '%')} 计算，"
                    f"{t_year}年应{bound}达到 {fmt.number(round(need, 2), unit)}；"
                    f"实际为 {fmt.number(actual, unit)}（{verdict}）。")
        elif t["kind"] in ("ceiling", "floor"):
            text = (f"{'上限' if t['kind'] == 'ceiling' else '下限'}为 {fmt.number(need, unit)}，每年须{bound}为此值；"
                    f"{t_year}年实际为 {fmt.number(actual, unit)}（{verdict}）。")
        elif a.method == "benchmark_trend":
            text = (f"{t_year}年须{bound}达到{esc(self.ds.series_by_id[t['benchmark_series_id']]['name_zh'])} "
                    f"{fmt.number(need, unit)}；实际为 {fmt.number(actual, unit)}（{verdict}）。")
        else:
            path = {"distance_share": "按直线（距离占比法）",
                    "growth_ratio": "按所需年均增速（增长比率法）"}.get(a.method, "")
            text = (f"从{a.baseline_year}年 {fmt.number(a.baseline_value, unit)} "
                    f"到{a.target_year}年 {fmt.number(a.goal_value, unit)}，"
                    f"{path}{t_year}年应{bound}达到 {fmt.number(round(need, 2), unit)}；"
                    f"实际为 {fmt.number(actual, unit)}（{verdict}）。")
        out.append(esc(text) + "</div>")
        return "".join(out)
