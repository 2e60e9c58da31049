"""One part (篇) of the plan as a book chapter: scorecards, charts, undertakings, sources, download.

A notebook opens its chapter from its declaration (``Chapter.open(reads, as_of_year, data_dir)``),
so it sees only the rows it declares.  Each section returns a :class:`~planbook.markup.Block`; the
notebook displays it (a cell's last expression).  Every number a reader sees is computed here from
the data, and glued where the prose refers to it.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import altair as alt
import pandas as pd

from planbook import assess as A
from planbook import charts, fmt, inputs
from planbook import outlook as O
from planbook.data import REVIEW, Dataset
from planbook.markup import Block, esc, status_badge, table
from planbook.paths import DATA_DIR

MILESTONE_ORDER = ["前期工作", "核准", "开工", "在建", "建成", "投产"]
DOWNLOAD_COLUMNS = ["target_id", "name_zh", "name_en", "kind", "comparator", "unit", "baseline_year", "baseline_value",
                    "target_year", "target_value", "attribute", "plan_ref", "series_id", "series_name_zh",
                    "series_unit", "year", "year_inferred", "value", "qualifier", "status", "note", "source_id",
                    "source_title", "source_publisher", "source_published", "source_url"]


class Chapter:
    """One part of the plan, as of a year, over the rows of a dataset."""

    def __init__(self, ds: Dataset, part: int, as_of_year: int = 2025, assessments: pd.DataFrame | None = None):
        self.ds, self.part, self.as_of_year = ds, int(part), int(as_of_year)
        if assessments is not None:
            self.__dict__["assessments"] = assessments[assessments["target_id"].isin(self.targets["target_id"])]

    @classmethod
    def open(cls, reads: inputs.Reads, as_of_year: int = 2025, data_dir: str | Path = "") -> Chapter:
        """The chapter of ``reads.part``, loading only the rows ``reads`` declares."""
        if reads.part is None:
            raise ValueError("a chapter's declaration names its part: Reads(part=…)")
        return cls(inputs.load(reads, Path(data_dir) if data_dir else DATA_DIR), reads.part, as_of_year)

    # ---- what the chapter covers ------------------------------------------------------------------
    @cached_property
    def targets(self) -> pd.DataFrame:
        """The part's commitments in the 14th plan (the 13th-plan review rows are :meth:`review13`'s)."""
        t = self.ds.plan_targets
        return t[t["part"] == self.part].reset_index(drop=True)

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
        return fmt.part_title(self.part)

    def unit_of(self, target: dict) -> str:
        return (self.ds.series_by_id.get(target["series_id"], {}) or {}).get("unit", "")

    def goal(self, target: dict, unit: str = "") -> str:
        """What the target asks for, as HTML-safe text."""
        bench = target.get("benchmark_series_id")
        name = self.ds.series_by_id[bench]["name_zh"] if bench else ""
        return esc(fmt.goal(target, name, unit))

    # ---- numbers for the prose ---------------------------------------------------------------------
    def summary(self) -> dict:
        a = self.assessments
        with_series = self.numeric[self.numeric["series_id"] != ""]
        obs = self.ds.observations[self.ds.observations["year"] <= self.as_of_year]
        have = set(obs[obs["year"] > 2020]["series_id"])
        s = {
            "as_of_year": self.as_of_year,
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

    def glue_summary(self) -> Block:
        b = Block()
        for k, v in self.summary().items():
            b.glue(k, v)
        return b

    def status_sentence(self) -> Block:
        """A generated sentence counting targets by status."""
        s = self.summary()
        parts = [f"{A.STATUS_SYMBOL[st]} {A.STATUS_ZH[st]} {s['n_' + st]} 项" for st in A.STATUSES if s["n_" + st]]
        if not parts:
            return Block().md("本篇暂无可评估的量化指标。")
        return Block().md(f"截至 {s['as_of_year']} 年的公开数据，本篇有统计指标的 {len(self.assessments)} 项目标中："
                          + "，".join(parts) + "。")

    # ---- tables -----------------------------------------------------------------------------------
    def _target_cells(self, t: dict) -> dict:
        unit = t["unit"] or ""
        base = ""
        if not fmt.missing(t["baseline_value"]):
            base = f"{fmt.number(t['baseline_value'], t['baseline_unit'] or unit)}（{t['baseline_year']}年）"
        return {
            "编号": esc(t["target_id"]),
            "目标": esc(t["name_zh"]),
            "类型": fmt.KIND_ZH[t["kind"]],
            "基期": esc(base),
            "目标值": self.goal(t),
            "目标年": str(t["target_year"]),
            "属性": esc(t["attribute"]),
            "规划位置": esc(t["plan_ref"]),
        }

    def targets_table(self) -> Block:
        rows = [self._target_cells(t) for t in self.numeric.to_dict("records")]
        if not rows:
            return Block().md("本篇没有量化目标。")
        return Block().html(table(rows, ["编号", "目标", "类型", "基期", "目标值", "目标年", "属性", "规划位置"],
                                  caption=f"{self.title}：量化目标（{len(rows)} 项）"))

    def _scorecard_rows(self, targets: pd.DataFrame) -> list[dict]:
        rows = []
        for t in targets.to_dict("records"):
            a = self.assessment(t["target_id"])
            if a is None:
                continue
            unit = self.unit_of(t)
            latest = "暂无数据" if fmt.missing(a["latest_year"]) else \
                fmt.latest(a["latest_value"], unit, a["latest_qualifier"], a["latest_year"], a["latest_year_inferred"])
            base = "—" if fmt.missing(a["baseline_value"]) else \
                f"{fmt.number(a['baseline_value'], unit)}（{int(a['baseline_year'])}年）"
            obs_rate = ""
            if not fmt.missing(a["observed_rate"]):
                obs_rate = fmt.rate(a["observed_rate"], "%" if a["method"] in fmt.PERCENT_RATE_METHODS else unit)
            rows.append({
                "状态": status_badge(a["status"], a["status_zh"]),
                "编号": esc(t["target_id"]),
                "指标": esc(t["name_zh"]),
                "基期": esc(base),
                "最新": esc(latest),
                "实际年均变化": esc(obs_rate),
                "目标": self.goal(t) + f"（{t['target_year']}年）",
                "期末结论": A.FINAL_ZH[a["final_2025"]],
                "属性": esc(t["attribute"]),
            })
        return rows

    def scorecard(self, group: str | None = None, caption: str | None = None) -> Block:
        """The part's targets with a series (or only those of one group: ``"main"``, ``"part"``)."""
        t = self.numeric if group is None else self.numeric[self.numeric["group"] == group]
        rows = self._scorecard_rows(t)
        if not rows:
            return Block().md("本篇暂无可评估的统计指标。")
        cols = ["状态", "编号", "指标", "基期", "最新", "实际年均变化", "目标", "期末结论", "属性"]
        return Block().html(table(rows, cols, caption=caption or f"{self.title}：记分卡（截至{self.as_of_year}年）",
                                  cls="pb-table pb-scorecard"))

    def charts(self, group: str | None = None) -> Block:
        """For each target with a series: a heading, a generated sentence, its chart and its data table.

        A part with many such targets gets one chart with a drop-down instead of a wall of charts;
        each target keeps its sentence and its data table (the chart's text alternative).
        """
        charts.enable()
        sources = self.ds.sources_by_id
        items = []
        for t in self.numeric.to_dict("records"):
            sid = t["series_id"]
            if not sid or (group is not None and t["group"] != group):
                continue
            items.append((t, self.ds.series_by_id.get(sid, {}), self.ds.observed(sid, self.as_of_year),
                          self.assessment(t["target_id"])))
        if not items:
            return Block().md("本篇的目标暂无对应的统计指标。")
        b = Block()
        many = len(items) > charts.SELECT_THRESHOLD
        if many:
            b.add(charts.selector_chart(items, sources, self.as_of_year))
        empty = []
        for t, series, obs, a in items:
            if many and obs.empty:
                empty.append((t, a))
                continue
            b.md(f"### {esc(t['name_zh'])}")
            b.md(self.sentence(t, a, series))
            if not many:
                b.add(charts.target_chart(t, series, obs, sources, a, self.as_of_year))
            b.html(self._data_table(obs, series, sources))
        if empty:
            b.md(f"### 暂无公开数据的目标\n\n以下 {len(empty)} 项目标尚未找到规划期内的公开数字"
                 "（图表中可选择查看其基期与目标）。")
            rows = [{"编号": esc(t["target_id"]), "目标": esc(t["name_zh"]),
                     "目标值": self.goal(t) + f"（{t['target_year']}年）",
                     "状态": status_badge(a["status"], a["status_zh"]) if a else "",
                     "说明": esc(a["caveat"]) if a else ""} for t, a in empty]
            b.html(table(rows, ["编号", "目标", "目标值", "状态", "说明"]))
        return b

    def _data_table(self, obs: pd.DataFrame, series: dict, sources: dict) -> str:
        unit = series.get("unit", "")
        if obs.empty:
            return '<p class="pb-nodata">暂无数据：尚未找到该指标在规划期内的公开数字。</p>'
        rows = []
        for o in obs.to_dict("records"):
            src = sources.get(o["source_id"], {})
            link = (f'<a href="{esc(src.get("url", ""))}">{esc(src.get("publisher", ""))}'
                    f'《{esc(src.get("title", ""))}》</a>')
            rows.append({"年份": fmt.obs_year(o["year"], o.get("year_inferred")),
                         "数值": esc(fmt.observed(o["value"], unit, o.get("qualifier"))), "数据状态": esc(o["status"]),
                         "来源": link, "说明": esc(o["note"])})
        return ('<details class="pb-data"><summary>图表数据（文字版）</summary>'
                + table(rows, ["年份", "数值", "数据状态", "来源", "说明"]) + "</details>")

    def sentence(self, t: dict, a: dict | None, series: dict) -> str:
        unit = series.get("unit", "")
        attr = "，" + esc(t["attribute"]) if t["attribute"] else ""
        bits = [f"**{esc(t['name_zh'])}**（{esc(t['target_id'])}{attr}）："]
        if a is None:
            return "".join(bits) + "暂无评估。"
        if not fmt.missing(a["baseline_value"]):
            bits.append(f"基期 {int(a['baseline_year'])} 年为 {fmt.number(a['baseline_value'], unit)}；")
        if fmt.missing(a["latest_year"]):
            bits.append("其后暂无公开数据；")
        else:
            year = f"{int(a['latest_year'])} 年" + ("（年份系推断）" if fmt.flag(a["latest_year_inferred"]) else "")
            bits.append(f"最新公开数据为 {year}的 {fmt.observed(a['latest_value'], unit, a['latest_qualifier'])}；")
        bits.append(f"规划目标为 {self.goal(t)}（{t['target_year']} 年）。")
        if not fmt.missing(a["observed_rate"]) and a["method"] in ("mean_of_rates", "cagr_of_levels"):
            bits.append(f"已公布年份的年均增速为 {fmt.number(round(a['observed_rate'], 1))}%。")
        elif a["method"] == "benchmark_trend":
            pass  # the caveat states the share of the benchmark and when they meet
        elif not fmt.missing(a["ratio"]):
            ratio = fmt.number(round(a["ratio"], 2))
            bits.append(f"实际进度与所需进度之比为 {ratio}（{fmt.METHOD_ZH[a['method']]}）。")
        bits.append(f"评估：{status_badge(a['status'], a['status_zh'])}")
        if a["final_2025"] != "unknown":
            breached_early = a["method"] == "bound_each_year" and a["latest_year"] < t["target_year"]
            if breached_early and a["final_2025"] == "not_met":
                bits.append("，但规划期内已有年份未达标，期末目标未完成")
            else:
                bits.append(f"，{t['target_year']} 年目标{A.FINAL_ZH[a['final_2025']]}")
        bits.append("。")
        if a["caveat"]:
            bits.append(f"（{esc(a['caveat'])}）")
        return "".join(bits)

    # ---- undertakings -------------------------------------------------------------------------------
    def milestones(self) -> Block:
        m = self.milestone_targets
        if m.empty:
            return Block().md("本篇没有列出具名的重大工程。")
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
        return Block().html(table(rows, ["编号", "工程", "规划要求", "最新进展", "规划位置"],
                                  caption=f"{self.title}：重大工程与里程碑（{len(rows)} 项）"))

    # ---- sources and download -----------------------------------------------------------------------
    def used_sources(self) -> pd.DataFrame:
        sids = set(self.targets["series_id"]) - {""}
        obs = self.ds.observations
        used = set(obs[obs["series_id"].isin(sids) & (obs["year"] <= self.as_of_year)]["source_id"])
        ms = self.ds.milestones
        used |= set(ms[ms["target_id"].isin(self.targets["target_id"])]["source_id"])
        src = self.ds.sources
        return src[src["source_id"].isin(used)].sort_values(["published", "source_id"]).reset_index(drop=True)

    def sources(self) -> Block:
        src = self.used_sources()
        if src.empty:
            return Block().md("本篇暂未引用统计来源。")
        rows = [{"编号": esc(s["source_id"]), "标题": f'<a href="{esc(s["url"])}">{esc(s["title"])}</a>',
                 "发布者": esc(s["publisher"]) + (f"（转载自{esc(s['original_publisher'])}）"
                                                 if s["original"] == "转载" and s["original_publisher"] else ""),
                 "日期": esc(s["published"]), "类型": esc(s["kind"])} for s in src.to_dict("records")]
        return Block().html(table(rows, ["编号", "标题", "发布者", "日期", "类型"], caption="本篇数据来源"))

    def data(self) -> pd.DataFrame:
        """The chapter's targets, each with every observation of its series and the source of each figure."""
        rows = []
        src = self.ds.sources_by_id
        for t in self.targets.to_dict("records"):
            base = {k: t[k] for k in ("target_id", "name_zh", "name_en", "kind", "comparator", "unit", "baseline_year",
                                      "baseline_value", "target_year", "target_value", "attribute", "plan_ref",
                                      "series_id")}
            s = self.ds.series_by_id.get(t["series_id"], {})
            base.update(series_name_zh=s.get("name_zh", ""), series_unit=s.get("unit", ""))
            obs = self.ds.observed(t["series_id"], self.as_of_year) if t["series_id"] else pd.DataFrame()
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

    def download(self, folder: str = "downloads") -> Block:
        """Write the chapter's data as CSV next to the page and link it (published with the book)."""
        name = f"part{self.part:02d}.csv"
        out = Path(folder)
        out.mkdir(exist_ok=True)
        df = self.data()
        tmp = out / (name + ".tmp")
        df.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
        tmp.replace(out / name)
        n_obs = int(df["year"].notna().sum())
        return Block().md(f"{{download}}`下载本章数据（CSV，{len(self.targets)} 项目标、{n_obs} 个观测值及其来源）"
                          f"<{folder}/{name}>`")

    # ---- part 1: the 13th plan's review (专栏1) and the 2035 outlook --------------------------------
    def review13(self) -> Block:
        """专栏1: each 13th-plan indicator, its 2015 value, 2020 target and the result the plan states."""
        k = self.ds.group(REVIEW)
        k = k[k["part"] == self.part]
        res = self.ds.plan_results.set_index("target_id")
        rows = []
        counts = {"met": 0, "not_met": 0, "unknown": 0}
        for t in k.to_dict("records"):
            unit = t["unit"] or ""
            result = res.loc[t["target_id"]] if t["target_id"] in res.index else None
            verdict = "unknown"
            if result is not None and not fmt.missing(t["target_value"]):
                v, goal = float(result["value"]), float(t["target_value"])
                met = v >= goal if A.higher_is_better(t) else v <= goal
                verdict = "met" if met else "not_met"
            counts[verdict] += 1
            label = {"met": status_badge("achieved", "已实现"), "not_met": status_badge("deterioration", "未实现"),
                     "unknown": status_badge("not_assessable", "无法判断")}[verdict]
            rows.append({
                "编号": esc(t["target_id"]), "指标": esc(t["name_zh"]),
                "2015年": esc(fmt.number(t["baseline_value"], t["baseline_unit"] or unit))
                if not fmt.missing(t["baseline_value"]) else "—",
                "2020年目标": self.goal(t),
                "2020年完成": esc(fmt.number(result["value"], unit)) if result is not None else "—",
                "对照": label, "属性": esc(t["attribute"]),
                "说明": esc(result["note"]) if result is not None else esc(t["note"]),
            })
        b = Block()
        for key, v in counts.items():
            b.glue(f"k_{key}", v)
        b.glue("k_total", len(rows))
        return b.html(table(rows, ["编号", "指标", "2015年", "2020年目标", "2020年完成", "对照", "属性", "说明"],
                            caption="“十三五”规划主要指标：目标与规划所列完成情况（专栏1）"))

    def outlook(self) -> Block:
        """Tibet against the national level for the measurable 2035 goals: table, chart, glued figures.

        Needs the outlook's series: the page declares ``sections=["outlook"]``.
        """
        b = Block()
        rows, frames = [], []
        for c in O.outlook(self.ds, self.as_of_year):
            key = c.series_id
            unit = self.ds.series_by_id[c.series_id]["unit"]
            tr_unit = "%" if c.model == "cagr" else unit
            b.glue(f"out_{key}_year", c.year if c.year is not None else "—")
            b.glue(f"out_{key}_share", round(c.share, 1) if c.share is not None else "—")
            b.glue(f"out_{key}_meet", c.meet_year if c.meet_year is not None else "—")
            verdict = O.STATUS_ZH[c.status] + ("（趋势依据不足三年，仅供参考）" if c.thin_trend else "")
            rows.append({
                "指标": esc(c.label), "最新年份": str(c.year or "—"),
                "西藏": esc(fmt.number(c.value, unit)), "全国": esc(fmt.number(c.benchmark, unit)),
                "西藏/全国": esc(fmt.number(round(c.share, 1), "%")) if c.share is not None else "—",
                "西藏趋势（每年）": esc(fmt.number(round(c.trend, 2), tr_unit)) if c.trend is not None else "—",
                "全国趋势（每年）": esc(fmt.number(round(c.benchmark_trend, 2), tr_unit))
                if c.benchmark_trend is not None else "—",
                "按趋势达到年份": str(c.meet_year) if c.meet_year else "—",
                "2035年前追上所需（每年）": esc(fmt.number(round(c.required_trend, 2), tr_unit))
                if c.required_trend is not None else "—",
                "判断": esc(verdict),
            })
            for who, sid in (("西藏", c.series_id), ("全国", c.benchmark_id)):
                for r in self.ds.observed(sid, self.as_of_year).to_dict("records"):
                    if int(r["year"]) >= O.START:
                        frames.append({"指标": c.label, "年份": int(r["year"]), "数值": float(r["value"]), "地区": who,
                                       "类型": "公开数据"})
                if c.year is not None and c.trend is not None:
                    for y, v in c.projection("value" if who == "西藏" else "benchmark", range(c.year, O.GOAL_YEAR + 1)):
                        frames.append({"指标": c.label, "年份": y, "数值": round(v, 2), "地区": who,
                                       "类型": "趋势外推"})
        b.html(table(rows, list(rows[0]), caption=f"二〇三五年远景：西藏与全国（截至{self.as_of_year}年的公开数据）"))
        charts.enable()
        df = pd.DataFrame(frames)
        for label in df["指标"].unique():
            d = df[df["指标"] == label]
            scale = alt.Scale(domain=["西藏", "全国"], range=[charts.OBSERVED, charts.TARGET])
            color = alt.Color("地区:N", scale=scale, legend=alt.Legend(title=None))
            tip = ["地区:N", "年份:Q", alt.Tooltip("数值:Q", format=",.2~f"), "类型:N"]
            obs = alt.Chart(d[d["类型"] == "公开数据"]).mark_line(point=True).encode(
                x=alt.X("年份:Q", axis=alt.Axis(format="d"), title=None),
                y=alt.Y("数值:Q", scale=alt.Scale(zero=False), title=label), color=color, tooltip=tip)
            proj = alt.Chart(d[d["类型"] == "趋势外推"]).mark_line(strokeDash=[4, 4]).encode(
                x="年份:Q", y="数值:Q", color=color, tooltip=tip)
            desc = f"{label}：西藏与全国的公开数据（实线）及按各自趋势外推至{O.GOAL_YEAR}年（虚线）"
            b.md(f"### {esc(label)}")
            b.add(alt.layer(obs, proj).properties(width="container", height=220, description=desc))
        return b
