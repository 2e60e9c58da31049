"""What a chapter notebook shows: tables, charts and generated text for one part of the plan.

Notebooks stay thin: they create a :class:`Chapter` and call its methods.  Every number a reader
sees is computed here from data/ (and glued with myst-nb where the prose refers to it).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Markdown, display

from planbook import assess as A
from planbook import charts
from planbook.data import Dataset, load

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
ZH_NUM = "零一二三四五六七八九十"
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
MILESTONE_ORDER = ["前期工作", "开工", "在建", "建成", "投产"]
METHOD_ZH = {
    "growth_ratio": "增长比率法",
    "distance_share": "距离占比法",
    "mean_of_rates": "年度增速几何平均",
    "cagr_of_levels": "水平值年均复合增速",
    "bound_each_year": "逐年对照上/下限",
    "benchmark_trend": "与全国水平对照",
    "none": "—",
}


def zh_number(n: int) -> str:
    if n <= 10:
        return ZH_NUM[n]
    if n < 20:
        return "十" + ZH_NUM[n - 10]
    tens, ones = divmod(n, 10)
    return ZH_NUM[tens] + "十" + (ZH_NUM[ones] if ones else "")


def fmt(x, unit: str = "") -> str:
    """A number as the book prints it: thousands separators, at most two decimals, no trailing zeros."""
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return "—"
    x = float(x)
    if abs(x - round(x)) < 1e-9:
        s = f"{x:,.0f}"
    else:
        s = f"{x:,.2f}".rstrip("0").rstrip(".")
    return f"{s}{unit}"


def fmt_obs(x, unit: str = "", qualifier=None) -> str:
    """An observed figure as its source printed it: the number, its unit and any 左右/以上/以内."""
    q = qualifier if isinstance(qualifier, str) else ""
    return fmt(x, unit) + q


def _flag(x) -> bool:
    return x is not None and not pd.isna(x) and bool(x)


def obs_year(year, inferred=False) -> str:
    """A figure's year in a table cell; a year inferred from the publication date says so."""
    return f"{int(year)}（推断）" if _flag(inferred) else str(int(year))


def latest_text(value, unit: str, qualifier, year, inferred) -> str:
    """The latest figure with its year, as in "5%以内（2024年）" or "1,371万千瓦（2023年，年份推断）"."""
    return f"{fmt_obs(value, unit, qualifier)}（{int(year)}年{'，年份推断' if _flag(inferred) else ''}）"


def goal_text(t: dict, ds: Dataset, unit: str = "") -> str:
    """What a target asks for, as HTML-safe text: "年均≥7.5%", "每年不高于5%", "达到全国城镇居民人均可支配收入".

    ``unit`` is used when the target row has none (e.g. the series' unit)."""
    if t["kind"] == "milestone":
        return esc(t["goal_status"])
    if t.get("benchmark_series_id"):
        return "达到" + esc(ds.series_by_id[t["benchmark_series_id"]]["name_zh"])
    tv = t.get("target_value")
    if tv is None or pd.isna(tv):
        return "规划未列数值"
    comp = {">=": "≥", "<=": "≤", "=": ""}.get(t.get("comparator") or "", "")
    prefix = {"annual_growth": "年均", "cumulative_change": "累计", "cumulative_growth": "累计增长",
              "ceiling": "每年不高于", "floor": "每年不低于"}.get(t["kind"], "")
    if t["kind"] in ("ceiling", "floor"):
        comp = ""
    u = "%" if t["kind"] in ("annual_growth", "cumulative_growth") else (t.get("unit") or unit)
    return esc(f"{prefix}{comp}{fmt(tv, u)}")


def esc(x) -> str:
    """Text from data, escaped so markup in a field is shown as text and never run."""
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return ""
    return html.escape(str(x))


def status_badge(status: str, label: str | None = None) -> str:
    label = label or A.STATUS_ZH[status]
    return (f'<span class="pb-status pb-{status}" style="border-color:{A.STATUS_COLOR[status]}">'
            f'<span aria-hidden="true">{A.STATUS_SYMBOL[status]}</span> {esc(label)}</span>')


def html_table(rows: list[dict], columns: list[str], caption: str = "", cls: str = "pb-table") -> str:
    """A plain HTML table; cells are pre-escaped HTML fragments."""
    head = "".join(f"<th scope=\"col\">{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{r.get(c, '')}</td>" for c in columns) + "</tr>" for r in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f'<div class="pb-table-wrap"><table class="{cls}">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _glue(name: str, value) -> None:
    from myst_nb import glue

    glue(name, value, display=False)


@dataclass
class Chapter:
    """One part (篇) of the plan, as of a year."""

    part: int
    as_of_year: int = 2025
    data_dir: str | Path = ""

    @cached_property
    def ds(self) -> Dataset:
        from planbook.paths import DATA_DIR

        return load(Path(self.data_dir) if self.data_dir else DATA_DIR, validate_first=False)

    @cached_property
    def targets(self) -> pd.DataFrame:
        t = self.ds.targets
        t = t[~t["target_id"].str.startswith("k")]  # 13th-plan rows (专栏1) are reviewed separately
        return (t if self.part == 0 else t[t["part"] == self.part]).reset_index(drop=True)

    @cached_property
    def numeric(self) -> pd.DataFrame:
        return self.targets[self.targets["kind"] != "milestone"].reset_index(drop=True)

    @cached_property
    def milestone_targets(self) -> pd.DataFrame:
        return self.targets[self.targets["kind"] == "milestone"].reset_index(drop=True)

    @cached_property
    def assessments(self) -> pd.DataFrame:
        return A.assess_all(self.ds, self.as_of_year, include_targets=set(self.targets["target_id"]))

    def assessment(self, target_id: str) -> dict | None:
        a = self.assessments[self.assessments["target_id"] == target_id]
        return None if a.empty else a.iloc[0].to_dict()

    @property
    def title(self) -> str:
        return f"第{zh_number(self.part)}篇 {PART_TITLES[self.part]}"

    # ---- numbers for the prose ------------------------------------------------------------
    def summary(self) -> dict:
        a = self.assessments
        with_series = self.numeric[self.numeric["series_id"] != ""]
        obs = self.ds.observations[self.ds.observations["year"] <= self.as_of_year]
        have = set(obs[obs["year"] > 2020]["series_id"])
        s = {
            "as_of_year": int(self.as_of_year),
            "n_targets": int(len(self.targets)),
            "n_numeric": int(len(self.numeric)),
            "n_milestones": int(len(self.milestone_targets)),
            "n_with_series": int(len(with_series)),
            "n_with_data": int(with_series["series_id"].isin(have).sum()),
            "n_assessed": int((~a["status"].isin(["insufficient_data", "not_assessable"])).sum()),
        }
        for st in A.STATUSES:
            s[f"n_{st}"] = int((a["status"] == st).sum())
        for f in ("met", "not_met", "unknown"):
            s[f"n_final_{f}"] = int((a["final_2025"] == f).sum())
        return s

    def glue_summary(self) -> dict:
        s = self.summary()
        for k, v in s.items():
            _glue(k, v)
        return s

    def status_sentence(self) -> None:
        """A generated sentence counting targets by status."""
        s = self.summary()
        parts = [f"{A.STATUS_SYMBOL[st]} {A.STATUS_ZH[st]} {s['n_' + st]} 项" for st in A.STATUSES if s["n_" + st]]
        if not parts:
            display(Markdown("本篇暂无可评估的量化指标。"))
            return
        display(Markdown(f"截至 {s['as_of_year']} 年的公开数据，本篇有统计指标的 {len(self.assessments)} 项目标中："
                         + "，".join(parts) + "。"))

    # ---- tables ---------------------------------------------------------------------------
    def _target_cells(self, t: dict) -> dict:
        unit = t["unit"] or ""
        base = ""
        if pd.notna(t["baseline_value"]):
            base = f"{fmt(t['baseline_value'], t['baseline_unit'] or unit)}（{t['baseline_year']}年）"
        return {
            "编号": esc(t["target_id"]),
            "目标": esc(t["name_zh"]),
            "类型": KIND_ZH[t["kind"]],
            "基期": esc(base),
            "目标值": goal_text(t, self.ds),
            "目标年": str(t["target_year"]),
            "属性": esc(t["attribute"]),
            "规划位置": esc(t["plan_ref"]),
        }

    def targets_table(self) -> None:
        rows = [self._target_cells(t) for t in self.numeric.to_dict("records")]
        if not rows:
            display(Markdown("本篇没有量化目标。"))
            return
        display(HTML(html_table(rows, ["编号", "目标", "类型", "基期", "目标值", "目标年", "属性", "规划位置"],
                                caption=f"{self.title}：量化目标（{len(rows)} 项）")))

    def _scorecard_rows(self, targets: pd.DataFrame) -> list[dict]:
        rows = []
        for t in targets.to_dict("records"):
            a = self.assessment(t["target_id"])
            if a is None:
                continue
            unit = (self.ds.series_by_id.get(t["series_id"], {}) or {}).get("unit", "")
            latest = "暂无数据" if a["latest_year"] is None or pd.isna(a["latest_year"]) else \
                latest_text(a["latest_value"], unit, a["latest_qualifier"], a["latest_year"], a["latest_year_inferred"])
            base = "—" if a["baseline_value"] is None or pd.isna(a["baseline_value"]) else \
                f"{fmt(a['baseline_value'], unit)}（{int(a['baseline_year'])}年）"
            obs_rate = ""
            if a["observed_rate"] is not None and pd.notna(a["observed_rate"]):
                u = "%" if a["method"] in ("growth_ratio", "mean_of_rates", "cagr_of_levels") else unit
                obs_rate = f"{fmt(round(a['observed_rate'], 2), u)}/年"
            rows.append({
                "状态": status_badge(a["status"], a["status_zh"]),
                "编号": esc(t["target_id"]),
                "指标": esc(t["name_zh"]),
                "基期": esc(base),
                "最新": esc(latest),
                "实际年均变化": esc(obs_rate),
                "目标": self._target_cells(t)["目标值"] + f"（{t['target_year']}年）",
                "期末结论": A.FINAL_ZH[a["final_2025"]],
                "属性": esc(t["attribute"]),
            })
        return rows

    def scorecard(self, target_ids: list[str] | None = None, caption: str | None = None) -> None:
        t = self.numeric
        if target_ids is not None:
            t = t[t["target_id"].isin(target_ids)]
        rows = self._scorecard_rows(t)
        if not rows:
            display(Markdown("本篇暂无可评估的统计指标。"))
            return
        cols = ["状态", "编号", "指标", "基期", "最新", "实际年均变化", "目标", "期末结论", "属性"]
        display(HTML(html_table(rows, cols, caption=caption or f"{self.title}：记分卡（截至{self.as_of_year}年）",
                                cls="pb-table pb-scorecard")))

    def charts(self, prefix: str = "") -> None:
        """For each target with a series: a heading, a generated sentence, its chart and its data table.

        A part with many such targets gets one chart with a drop-down instead of a wall of charts;
        each target keeps its sentence and its data table (the chart's text alternative).
        """
        charts.enable()
        sources = self.ds.sources_by_id
        items = []
        for t in self.numeric.to_dict("records"):
            sid = t["series_id"]
            if not sid or not t["target_id"].startswith(prefix):
                continue
            items.append((t, self.ds.series_by_id.get(sid, {}), self.ds.observed(sid, self.as_of_year),
                          self.assessment(t["target_id"])))
        if not items:
            display(Markdown("本篇的目标暂无对应的统计指标。"))
            return
        many = len(items) > charts.SELECT_THRESHOLD
        if many:
            display(charts.selector_chart(items, sources, self.as_of_year))
        empty = []
        for t, series, obs, a in items:
            if many and obs.empty:
                empty.append((t, a))
                continue
            display(Markdown(f"### {esc(t['name_zh'])}"))
            display(Markdown(self.sentence(t, a, series)))
            if not many:
                display(charts.target_chart(t, series, obs, sources, a, self.as_of_year))
            display(HTML(self._data_table(obs, series, sources)))
        if empty:
            display(Markdown(f"### 暂无公开数据的目标\n\n以下 {len(empty)} 项目标尚未找到规划期内的公开数字（图表中可选择查看其基期与目标）。"))
            rows = [{"编号": esc(t["target_id"]), "目标": esc(t["name_zh"]),
                     "目标值": self._target_cells(t)["目标值"] + f"（{t['target_year']}年）",
                     "状态": status_badge(a["status"], a["status_zh"]) if a else "",
                     "说明": esc(a["caveat"]) if a else ""} for t, a in empty]
            display(HTML(html_table(rows, ["编号", "目标", "目标值", "状态", "说明"])))

    def _data_table(self, obs: pd.DataFrame, series: dict, sources: dict) -> str:
        unit = series.get("unit", "")
        if obs.empty:
            return '<p class="pb-nodata">暂无数据：尚未找到该指标在规划期内的公开数字。</p>'
        rows = []
        for o in obs.to_dict("records"):
            src = sources.get(o["source_id"], {})
            link = f'<a href="{esc(src.get("url", ""))}">{esc(src.get("publisher", ""))}《{esc(src.get("title", ""))}》</a>'
            rows.append({"年份": obs_year(o["year"], o.get("year_inferred")),
                         "数值": esc(fmt_obs(o["value"], unit, o.get("qualifier"))), "数据状态": esc(o["status"]),
                         "来源": link, "说明": esc(o["note"])})
        return ('<details class="pb-data"><summary>图表数据（文字版）</summary>'
                + html_table(rows, ["年份", "数值", "数据状态", "来源", "说明"]) + "</details>")

    def sentence(self, t: dict, a: dict | None, series: dict) -> str:
        unit = series.get("unit", "")
        bits = [f"**{esc(t['name_zh'])}**（{esc(t['target_id'])}{'，' + esc(t['attribute']) if t['attribute'] else ''}）："]
        if a is None:
            return "".join(bits) + "暂无评估。"
        if a["baseline_value"] is not None and pd.notna(a["baseline_value"]):
            bits.append(f"基期 {int(a['baseline_year'])} 年为 {fmt(a['baseline_value'], unit)}；")
        if a["latest_year"] is None or pd.isna(a["latest_year"]):
            bits.append("其后暂无公开数据；")
        else:
            year = f"{int(a['latest_year'])} 年" + ("（年份系推断）" if _flag(a["latest_year_inferred"]) else "")
            bits.append(f"最新公开数据为 {year}的 {fmt_obs(a['latest_value'], unit, a['latest_qualifier'])}；")
        cells = self._target_cells(t)
        bits.append(f"规划目标为 {cells['目标值']}（{t['target_year']} 年）。")
        if a["observed_rate"] is not None and pd.notna(a["observed_rate"]) and a["method"] in ("mean_of_rates", "cagr_of_levels"):
            bits.append(f"已公布年份的年均增速为 {fmt(round(a['observed_rate'], 1))}%。")
        elif a["method"] == "benchmark_trend":
            pass  # the caveat states the share of the benchmark and when they meet
        elif a["ratio"] is not None and pd.notna(a["ratio"]):
            bits.append(f"实际进度与所需进度之比为 {fmt(round(a['ratio'], 2))}（{METHOD_ZH[a['method']]}）。")
        bits.append(f"评估：{status_badge(a['status'], a['status_zh'])}")
        if a["final_2025"] != "unknown":
            if a["method"] == "bound_each_year" and a["final_2025"] == "not_met" and a["latest_year"] < t["target_year"]:
                bits.append("，但规划期内已有年份未达标，期末目标未完成")
            else:
                bits.append(f"，{t['target_year']} 年目标{A.FINAL_ZH[a['final_2025']]}")
        bits.append("。")
        if a["caveat"]:
            bits.append(f"（{esc(a['caveat'])}）")
        return "".join(bits)

    def milestones(self) -> None:
        m = self.milestone_targets
        if m.empty:
            display(Markdown("本篇没有列出具名的重大工程。"))
            return
        reported = self.ds.milestones
        rows = []
        for t in m.to_dict("records"):
            r = reported[reported["target_id"] == t["target_id"]]
            r = r[r["date"].str[:4].astype(int) <= self.as_of_year] if not r.empty else r
            if r.empty:
                latest = "暂无公开进展"
            else:
                last = r.sort_values(["date", "status"], key=lambda s: s.map(
                    lambda v: MILESTONE_ORDER.index(v) if v in MILESTONE_ORDER else v)).iloc[-1]
                src = self.ds.sources_by_id.get(last["source_id"], {})
                latest = (f"{esc(last['status'])}（{esc(last['date'])}，"
                          f"<a href=\"{esc(src.get('url', ''))}\">{esc(src.get('publisher', ''))}</a>）")
            rows.append({"编号": esc(t["target_id"]), "工程": esc(t["name_zh"]),
                         "规划要求": f"{t['target_year']}年{esc(t['goal_status'])}", "最新进展": latest,
                         "规划位置": esc(t["plan_ref"])})
        display(HTML(html_table(rows, ["编号", "工程", "规划要求", "最新进展", "规划位置"],
                                caption=f"{self.title}：重大工程与里程碑（{len(rows)} 项）")))

    def used_sources(self) -> pd.DataFrame:
        sids = set(self.targets["series_id"]) - {""}
        obs = self.ds.observations
        used = set(obs[obs["series_id"].isin(sids) & (obs["year"] <= self.as_of_year)]["source_id"])
        ms = self.ds.milestones
        used |= set(ms[ms["target_id"].isin(self.targets["target_id"])]["source_id"])
        src = self.ds.sources
        return src[src["source_id"].isin(used)].sort_values(["published", "source_id"]).reset_index(drop=True)

    def sources(self) -> None:
        src = self.used_sources()
        if src.empty:
            display(Markdown("本篇暂未引用统计来源。"))
            return
        rows = [{"编号": esc(s["source_id"]), "标题": f'<a href="{esc(s["url"])}">{esc(s["title"])}</a>',
                 "发布者": esc(s["publisher"]) + (f"（转载自{esc(s['original_publisher'])}）" if s["original"] == "转载" and s["original_publisher"] else ""),
                 "日期": esc(s["published"]), "类型": esc(s["kind"])} for s in src.to_dict("records")]
        display(HTML(html_table(rows, ["编号", "标题", "发布者", "日期", "类型"], caption="本篇数据来源")))


# ---- part 1: the 13th plan's review (专栏1) ---------------------------------------------------
def review13(ch: Chapter) -> None:
    """专栏1: each 13th-plan indicator, its 2015 value, 2020 target and the result the plan states."""
    ds = ch.ds
    k = ds.targets[ds.targets["target_id"].str.startswith("k")]
    res = ds.plan_results.set_index("target_id")
    rows = []
    counts = {"met": 0, "not_met": 0, "unknown": 0}
    for t in k.to_dict("records"):
        unit = t["unit"] or ""
        result = res.loc[t["target_id"]] if t["target_id"] in res.index else None
        verdict = "unknown"
        if result is not None and pd.notna(t["target_value"]):
            v, goal = float(result["value"]), float(t["target_value"])
            if t["kind"] == "ceiling" or t["comparator"] == "<=":
                verdict = "met" if v <= goal else "not_met"
            else:
                verdict = "met" if v >= goal else "not_met"
        counts[verdict] += 1
        label = {"met": status_badge("achieved", "已实现"), "not_met": status_badge("deterioration", "未实现"),
                 "unknown": status_badge("not_assessable", "无法判断")}[verdict]
        cells = ch._target_cells(t)
        rows.append({
            "编号": esc(t["target_id"]), "指标": esc(t["name_zh"]),
            "2015年": esc(fmt(t["baseline_value"], t["baseline_unit"] or unit)) if pd.notna(t["baseline_value"]) else "—",
            "2020年目标": cells["目标值"],
            "2020年完成": esc(fmt(result["value"], unit)) if result is not None else "—",
            "对照": label, "属性": esc(t["attribute"]),
            "说明": esc(result["note"]) if result is not None else esc(t["note"]),
        })
    for key, v in counts.items():
        _glue(f"k_{key}", v)
    _glue("k_total", len(rows))
    display(HTML(html_table(rows, ["编号", "指标", "2015年", "2020年目标", "2020年完成", "对照", "属性", "说明"],
                            caption="“十三五”规划主要指标：目标与规划所列完成情况（专栏1）")))


# ---- whole-plan evaluation (part 11) and the data page ------------------------------------
def _all(ch: Chapter) -> Chapter:
    return Chapter(0, ch.as_of_year, ch.data_dir)


def evaluation_by_part(ch: Chapter) -> None:
    whole = _all(ch)
    a = whole.assessments.merge(whole.targets[["target_id", "part", "attribute"]], on="target_id")
    a = a[~a["target_id"].str.startswith("k")]
    rows = []
    for part in range(1, 12):
        sub = a[a["part"] == part]
        row = {"篇": f"第{zh_number(part)}篇", "目标数": str(len(sub))}
        for st in A.STATUSES:
            row[f"{A.STATUS_SYMBOL[st]} {A.STATUS_ZH[st]}"] = str(int((sub["status"] == st).sum()))
        rows.append(row)
    total = {"篇": "合计", "目标数": str(len(a))}
    for st in A.STATUSES:
        total[f"{A.STATUS_SYMBOL[st]} {A.STATUS_ZH[st]}"] = str(int((a["status"] == st).sum()))
    rows.append(total)
    cols = ["篇", "目标数"] + [f"{A.STATUS_SYMBOL[st]} {A.STATUS_ZH[st]}" for st in A.STATUSES]
    _glue("eval_n_targets", int(len(a)))
    for st in A.STATUSES:
        _glue(f"eval_n_{st}", int((a["status"] == st).sum()))
    for f in ("met", "not_met", "unknown"):
        _glue(f"eval_final_{f}", int((a["final_2025"] == f).sum()))
    display(HTML(html_table(rows, cols, caption=f"“十四五”规划有统计指标的目标：按篇统计评估结果（截至{ch.as_of_year}年）")))


def evaluation_by_attribute(ch: Chapter) -> None:
    whole = _all(ch)
    a = whole.assessments.merge(whole.targets[["target_id", "attribute"]], on="target_id")
    a = a[a["target_id"].str.startswith("m")]
    rows = []
    for attr in ("约束性", "预期性"):
        sub = a[a["attribute"] == attr]
        row = {"属性": attr, "指标数": str(len(sub))}
        for st in A.STATUSES:
            row[f"{A.STATUS_SYMBOL[st]} {A.STATUS_ZH[st]}"] = str(int((sub["status"] == st).sum()))
        rows.append(row)
        _glue(f"eval_{'binding' if attr == '约束性' else 'expected'}_n", int(len(sub)))
        _glue(f"eval_{'binding' if attr == '约束性' else 'expected'}_achieved", int((sub["status"] == "achieved").sum()))
    cols = ["属性", "指标数"] + [f"{A.STATUS_SYMBOL[st]} {A.STATUS_ZH[st]}" for st in A.STATUSES]
    display(HTML(html_table(rows, cols, caption="主要指标（专栏2）按属性统计")))


def missed_targets(ch: Chapter) -> None:
    whole = _all(ch)
    a = whole.assessments
    a = a[(a["final_2025"] == "not_met") & ~a["target_id"].str.startswith("k")]
    if a.empty:
        display(Markdown("截至目前，没有已确认未完成的目标。"))
        return
    t = whole.targets.set_index("target_id")
    rows = []
    for r in a.to_dict("records"):
        tt = t.loc[r["target_id"]]
        rows.append({"状态": status_badge(r["status"], r["status_zh"]), "编号": esc(r["target_id"]),
                     "目标": esc(tt["name_zh"]), "篇": f"第{zh_number(int(tt['part']))}篇",
                     "目标值": whole._target_cells({**tt.to_dict(), "target_id": r["target_id"]})["目标值"],
                     "实际": esc(fmt(round(r["observed_rate"], 2), "%") + "/年") if r["method"] in ("mean_of_rates", "cagr_of_levels") else esc(fmt(r["latest_value"])),
                     "说明": esc(r["caveat"])})
    display(HTML(html_table(rows, ["状态", "编号", "目标", "篇", "目标值", "实际", "说明"],
                            caption="已确认未完成的目标（期末数据已公布）")))


def coverage_summary(ch: Chapter, years: range = range(2015, 2026)) -> list[dict]:
    """Glue the coverage counts (targets with a series × years from 2020) and return the matrix rows."""
    whole = _all(ch)
    t = whole.numeric
    t = t[(t["series_id"] != "") & ~t["target_id"].str.startswith("k")]
    obs = whole.ds.observations
    obs = obs[obs["year"] <= ch.as_of_year]
    have = {(s, int(y)) for s, y in zip(obs["series_id"], obs["year"])}
    rows = []
    n_cells = n_have = 0
    for r in t.to_dict("records"):
        row = {"编号": esc(r["target_id"]), "目标": esc(r["name_zh"]), "指标": esc(r["series_id"])}
        for y in years:
            ok = (r["series_id"], y) in have
            if y >= 2020:
                n_cells += 1
                n_have += ok
            row[str(y)] = '<span class="pb-have" title="有数据">●</span>' if ok else '<span class="pb-miss" title="暂无数据">·</span>'
        rows.append(row)
    _glue("cov_targets", len(rows))
    _glue("cov_cells", n_cells)
    _glue("cov_have", n_have)
    _glue("cov_share", round(100.0 * n_have / n_cells, 1) if n_cells else 0.0)
    return rows


def coverage_matrix(ch: Chapter, years: range = range(2015, 2026)) -> None:
    """Targets × years: which years have a published figure for the target's series."""
    rows = coverage_summary(ch, years)
    display(HTML(html_table(rows, ["编号", "目标", "指标"] + [str(y) for y in years],
                            caption="数据覆盖矩阵：● 有公开数据，· 暂无数据", cls="pb-table pb-coverage")))


def targets_without_data(ch: Chapter) -> None:
    whole = _all(ch)
    t = whole.numeric
    t = t[~t["target_id"].str.startswith("k")]
    obs = whole.ds.observations
    after = set(obs[(obs["year"] > 2020) & (obs["year"] <= ch.as_of_year)]["series_id"])
    miss = t[~t["series_id"].isin(after)]
    _glue("n_without_data", int(len(miss)))
    rows = [{"编号": esc(r["target_id"]), "目标": esc(r["name_zh"]), "篇": f"第{zh_number(int(r['part']))}篇",
             "指标": esc(r["series_id"]) or "（未定义统计指标）"} for r in miss.to_dict("records")]
    display(HTML(html_table(rows, ["编号", "目标", "篇", "指标"], caption="基期之后暂无公开数据的量化目标")))


def sources_overview(ch: Chapter) -> None:
    src = ch.ds.sources
    _glue("n_sources", int(len(src)))
    _glue("n_observations", int(len(ch.ds.observations)))
    _glue("n_reprints", int((src["original"] == "转载").sum()))
    _glue("n_year_inferred", int(ch.ds.observations["year_inferred"].sum()))
    _glue("n_qualified", int((ch.ds.observations["qualifier"] != "").sum()))
    rows = [{"编号": esc(s["source_id"]), "标题": f'<a href="{esc(s["url"])}">{esc(s["title"])}</a>',
             "发布者": esc(s["publisher"]), "日期": esc(s["published"]), "类型": esc(s["kind"]),
             "原文/转载": esc(s["original"]) + (f"（{esc(s['original_publisher'])}）" if s["original_publisher"] else "")}
            for s in src.sort_values(["published", "source_id"]).to_dict("records")]
    display(HTML(html_table(rows, ["编号", "标题", "发布者", "日期", "类型", "原文/转载"], caption="全部数据来源")))


# ---- the method page -----------------------------------------------------------------------
def glue_method() -> None:
    _glue("on_track", A.ON_TRACK)
    _glue("acceleration", A.ACCELERATION)
    _glue("near_limit", A.NEAR_LIMIT)


def status_legend() -> None:
    rows = [{"状态": status_badge(st), "英文": st} for st in A.STATUSES]
    display(HTML(html_table(rows, ["状态", "英文"], caption="评估状态")))


# ---- part 1: the 2035 outlook ----------------------------------------------------------------
def outlook_section(ch: Chapter) -> None:
    """Tibet against the national level for the measurable 2035 goals: table, chart, glued figures."""
    import altair as alt

    from planbook import outlook as O

    rows, frames = [], []
    for c in O.outlook(ch.ds, ch.as_of_year):
        key = c.series_id
        unit = ch.ds.series_by_id[c.series_id]["unit"]
        tr_unit = "%" if c.model == "cagr" else unit
        _glue(f"out_{key}_year", c.year if c.year is not None else "—")
        _glue(f"out_{key}_share", round(c.share, 1) if c.share is not None else "—")
        _glue(f"out_{key}_meet", c.meet_year if c.meet_year is not None else "—")
        verdict = O.STATUS_ZH[c.status] + ("（趋势依据不足三年，仅供参考）" if c.thin_trend else "")
        rows.append({
            "指标": esc(c.label), "最新年份": str(c.year or "—"),
            "西藏": esc(fmt(c.value, unit)), "全国": esc(fmt(c.benchmark, unit)),
            "西藏/全国": esc(fmt(round(c.share, 1), "%")) if c.share is not None else "—",
            "西藏趋势（每年）": esc(fmt(round(c.trend, 2), tr_unit)) if c.trend is not None else "—",
            "全国趋势（每年）": esc(fmt(round(c.benchmark_trend, 2), tr_unit)) if c.benchmark_trend is not None else "—",
            "按趋势达到年份": str(c.meet_year) if c.meet_year else "—",
            "2035年前追上所需（每年）": esc(fmt(round(c.required_trend, 2), tr_unit)) if c.required_trend is not None else "—",
            "判断": esc(verdict),
        })
        for who, sid in (("西藏", c.series_id), ("全国", c.benchmark_id)):
            for r in ch.ds.observed(sid, ch.as_of_year).to_dict("records"):
                if int(r["year"]) >= O.START:
                    frames.append({"指标": c.label, "年份": int(r["year"]), "数值": float(r["value"]), "地区": who, "类型": "公开数据"})
            if c.year is not None and c.trend is not None:
                for y, v in c.projection("value" if who == "西藏" else "benchmark", range(c.year, O.GOAL_YEAR + 1)):
                    frames.append({"指标": c.label, "年份": y, "数值": round(v, 2), "地区": who, "类型": "趋势外推"})
    display(HTML(html_table(rows, list(rows[0]), caption=f"二〇三五年远景：西藏与全国（截至{ch.as_of_year}年的公开数据）")))
    charts.enable()
    df = pd.DataFrame(frames)
    for label in df["指标"].unique():
        d = df[df["指标"] == label]
        color = alt.Color("地区:N", scale=alt.Scale(domain=["西藏", "全国"], range=[charts.OBSERVED, charts.TARGET]),
                          legend=alt.Legend(title=None))
        obs = alt.Chart(d[d["类型"] == "公开数据"]).mark_line(point=True).encode(
            x=alt.X("年份:Q", axis=alt.Axis(format="d"), title=None), y=alt.Y("数值:Q", scale=alt.Scale(zero=False), title=label),
            color=color, tooltip=["地区:N", "年份:Q", alt.Tooltip("数值:Q", format=",.2~f"), "类型:N"])
        proj = alt.Chart(d[d["类型"] == "趋势外推"]).mark_line(strokeDash=[4, 4]).encode(
            x="年份:Q", y="数值:Q", color=color, tooltip=["地区:N", "年份:Q", alt.Tooltip("数值:Q", format=",.2~f"), "类型:N"])
        desc = f"{label}：西藏与全国的公开数据（实线）及按各自趋势外推至{O.GOAL_YEAR}年（虚线）"
        display(Markdown(f"### {esc(label)}"))
        display(alt.layer(obs, proj).properties(width="container", height=220, description=desc))


# ---- downloads ----------------------------------------------------------------------------------
DOWNLOAD_COLUMNS = ["target_id", "name_zh", "name_en", "kind", "comparator", "unit", "baseline_year", "baseline_value",
                    "target_year", "target_value", "attribute", "plan_ref", "series_id", "series_name_zh", "series_unit",
                    "year", "year_inferred", "value", "qualifier", "status", "note", "source_id", "source_title",
                    "source_publisher", "source_published", "source_url"]


def chapter_data(ch: Chapter) -> pd.DataFrame:
    """The chapter's targets, each with every observation of its series and the source of each figure."""
    rows = []
    src = ch.ds.sources_by_id
    for t in ch.targets.to_dict("records"):
        base = {k: t[k] for k in ("target_id", "name_zh", "name_en", "kind", "comparator", "unit", "baseline_year",
                                  "baseline_value", "target_year", "target_value", "attribute", "plan_ref", "series_id")}
        s = ch.ds.series_by_id.get(t["series_id"], {})
        base.update(series_name_zh=s.get("name_zh", ""), series_unit=s.get("unit", ""))
        obs = ch.ds.observed(t["series_id"], ch.as_of_year) if t["series_id"] else pd.DataFrame()
        if obs.empty:
            rows.append(base)
        for o in obs.to_dict("records"):
            so = src.get(o["source_id"], {})
            rows.append({**base, "year": o["year"], "year_inferred": bool(o.get("year_inferred", False)),
                         "value": o["value"], "qualifier": o.get("qualifier", ""),
                         "status": o["status"], "note": o["note"],
                         "source_id": o["source_id"], "source_title": so.get("title", ""),
                         "source_publisher": so.get("publisher", ""), "source_published": so.get("published", ""),
                         "source_url": so.get("url", "")})
    return pd.DataFrame(rows, columns=DOWNLOAD_COLUMNS)


def download(ch: Chapter, folder: str = "downloads") -> None:
    """Write the chapter's data as CSV next to the page and link it (the file is published with the book)."""
    name = f"part{ch.part:02d}.csv" if ch.part else "planbook-all.csv"
    out = Path(folder)
    out.mkdir(exist_ok=True)
    df = chapter_data(ch)
    tmp = out / (name + ".tmp")
    df.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
    tmp.replace(out / name)
    n_obs = int(df["year"].notna().sum())
    display(Markdown(f"{{download}}`下载本章数据（CSV，{len(ch.targets)} 项目标、{n_obs} 个观测值及其来源）<{folder}/{name}>`"))
