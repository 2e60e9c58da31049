"""The whole plan: the pages that summarise every part (evaluation, coverage, sources).

A :class:`Plan` loads data/ once and assesses every target once; the chapters it hands out
(:meth:`Plan.chapter`) share its dataset and its assessments.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import pandas as pd

from planbook import assess as A
from planbook import fmt, inputs
from planbook import outlook as O
from planbook.chapter import COMPARISONS, Chapter, anchor, coverage_row, coverage_table, undertaking_verdicts
from planbook.data import CATEGORIES, GRADES, MAIN, UNDERTAKING, Dataset, is_official
from planbook.markup import Block, cite, esc, grade_tag, sources_table, status_badge, table
from planbook.paths import DATA_DIR

STATUS_COLUMNS = [f"{A.STATUS_SYMBOL[st]} {A.STATUS_ZH[st]}" for st in A.STATUSES]


def _status_counts(a: pd.DataFrame) -> dict[str, str]:
    """Targets by status, as table cells under :data:`STATUS_COLUMNS`."""
    return {c: str(int((a["status"] == st).sum())) for c, st in zip(STATUS_COLUMNS, A.STATUSES, strict=True)}


class Plan:
    """Every part of the plan, as of a year."""

    def __init__(self, ds: Dataset, as_of_year: int = 2025):
        self.ds, self.as_of_year = ds, int(as_of_year)

    @classmethod
    def open(cls, reads: inputs.Reads, as_of_year: int = 2025, data_dir: str | Path = "") -> Plan:
        if not reads.everything:
            raise ValueError("a page about the whole plan reads all of data/: Reads.all()")
        return cls(inputs.load(reads, Path(data_dir) if data_dir else DATA_DIR), as_of_year)

    @cached_property
    def targets(self) -> pd.DataFrame:
        """The 14th plan's commitments (the 13th-plan review rows of 专栏1 are not among them)."""
        return self.ds.plan_targets

    @cached_property
    def numeric(self) -> pd.DataFrame:
        return self.targets[self.targets["kind"] != "milestone"].reset_index(drop=True)

    @cached_property
    def assessments(self) -> pd.DataFrame:
        """One assessment per 14th-plan target with a series, with its part and attribute."""
        a = A.assess_all(self.ds, self.as_of_year, include_targets=set(self.targets["target_id"]))
        return a.merge(self.targets[["target_id", "part", "attribute", "group"]], on="target_id")

    def glue_summary(self) -> Block:
        """The year of the figures, and the number of commitments, for the prose."""
        return (Block().glue("as_of_year", self.as_of_year).glue("n_targets", int(len(self.targets)))
                .glue("n_numeric", int(len(self.numeric))))

    def chapter(self, part: int) -> Chapter:
        return Chapter(self.ds, part, self.as_of_year, assessments=self.assessments)

    # ---- the front page -----------------------------------------------------------------------------
    @cached_property
    def main(self) -> pd.DataFrame:
        """The 25 main indicators with their assessment, category and the part that treats them."""
        m = self.ds.group(MAIN)[["target_id", "name_zh", "series_id", "attribute", "target_year"]]
        m = m.merge(self.ds.main_indicators[["target_id", "category", "part"]].rename(columns={"part": "home"}),
                    on="target_id")
        return m.merge(self.assessments.drop(columns=["series_id", "target_year", "part", "attribute", "group"]),
                       on="target_id", how="left")

    def verdict(self) -> Block:
        """How the plan ended, in two sentences computed from the main indicators, with the counts glued."""
        m = self.main
        n = len(m)
        met = m[m["final_2025"] == "met"]
        missed = m[m["final_2025"] == "not_met"]
        open_ = m[(m["final_2025"] == "unknown") & ~m["status"].isin(["insufficient_data", "not_assessable"])]
        unknown = m[m["status"].isin(["insufficient_data", "not_assessable"]) | m["status"].isna()]
        ahead = open_[open_["status"] == "achieved"]
        behind = open_[open_["status"].isin(A.TRAJECTORY[1:])]
        b = Block()
        for k, v in {"v_n": n, "v_met": len(met), "v_missed": len(missed), "v_open": len(open_),
                     "v_ahead": len(ahead), "v_on_track": int((open_["status"] == "on_track").sum()),
                     "v_behind": len(behind), "v_unknown": len(unknown), "v_as_of": self.as_of_year}.items():
            b.glue(k, v)
        missed_names = "、".join(f"{r['name_zh']}（{self._gap_words(r)}）" for r in missed.to_dict("records"))
        s1 = (f"截至 {self.as_of_year} 年的公开数据，“十四五”规划 {n} 项主要指标中，期末数字已公布的 "
              f"{len(met) + len(missed)} 项：已完成 {len(met)} 项，未完成 {len(missed)} 项"
              + (f"——{missed_names}" if len(missed) else "") + "。")
        s2 = (f"期末数字尚未公布的 {len(open_)} 项中，已提前达到目标 {len(ahead)} 项，"
              f"符合预期 {int((open_['status'] == 'on_track').sum())} 项，进度落后 {len(behind)} 项；"
              f"另有 {len(unknown)} 项在规划期内缺少可用于评估的公开数字，无法判断。")
        return b.html(f'<p class="pb-verdict">{esc(s1)}</p><p class="pb-verdict">{esc(s2)}</p>')

    @staticmethod
    def _gap_words(r: dict) -> str:
        if r["method"] in ("mean_of_rates", "cagr_of_levels") and not fmt.missing(r["observed_rate"]):
            return f"年均{fmt.number(round(r['observed_rate'], 2), '%')}，目标{fmt.number(r['required_rate'], '%')}"
        if not fmt.missing(r["latest_value"]) and not fmt.missing(r["goal_value"]):
            return f"{fmt.number(r['latest_value'])}，目标{fmt.number(r['goal_value'])}"
        return "期末未达标"

    def main_grid(self, prefix: str = "parts/") -> Block:
        """The 25 main indicators as tiles grouped by the box's five categories: symbol, word, latest figure,
        each linking to the chapter that discusses the indicator."""
        groups = []
        for cat in CATEGORIES:
            tiles = []
            for r in self.main[self.main["category"] == cat].to_dict("records"):
                st = r["status"] if isinstance(r["status"], str) else "not_assessable"
                label = r["status_zh"] if isinstance(r["status_zh"], str) else A.STATUS_ZH[st]
                unit = self.ds.series_by_id.get(r["series_id"], {}).get("unit", "") if r["series_id"] else ""
                if not fmt.missing(r["latest_year"]):
                    latest = fmt.latest(r["latest_value"], unit, r["latest_qualifier"], r["latest_year"],
                                        r["latest_year_inferred"])
                    if r["method"] in ("mean_of_rates", "cagr_of_levels"):
                        latest = f"年均{fmt.number(round(r['observed_rate'], 2), '%')}（至{int(r['latest_year'])}年）"
                else:
                    latest = "暂无公开数据"
                href = f"{prefix}part{int(r['home']):02d}.html#{anchor(r['target_id'])}"
                tiles.append(
                    f'<li class="pb-tile pb-{st}"><a href="{href}">'
                    f'<span class="pb-tile-status"><span aria-hidden="true">{A.STATUS_SYMBOL[st]}</span> '
                    f"{esc(label)}</span>"
                    f'<span class="pb-tile-name">{esc(r["name_zh"])}</span>'
                    f'<span class="pb-tile-latest">{esc(latest)}</span></a></li>')
            groups.append(f'<section class="pb-grid-group" aria-label="{cat}"><h3 class="pb-grid-title">{cat}</h3>'
                          f'<ul class="pb-grid">{"".join(tiles)}</ul></section>')
        return Block().html('<div class="pb-main-grid">' + "".join(groups) + "</div>")

    def status_counts(self) -> Block:
        """The main indicators by status and by final verdict, as two small tables."""
        m = self.main
        rows = [{"状态": status_badge(st), "项数": str(int((m["status"] == st).sum()))}
                for st in A.STATUSES if (m["status"] == st).any()]
        finals = [{"期末结论": A.FINAL_ZH[f], "项数": str(int((m["final_2025"] == f).sum()))}
                  for f in ("met", "not_met", "unknown")]
        return (Block().html(table(rows, ["状态", "项数"], caption="主要指标按状态"))
                .html(table(finals, ["期末结论", "项数"], caption="主要指标按期末结论（“待定”为目标年数字未公布）")))

    def outlook_line(self) -> Block:
        """The 2035 convergence of incomes with the nation, in one sentence (glued figures)."""
        b = Block()
        bits = []
        for c in O.outlook(self.ds, self.as_of_year):
            if c.series_id not in ("urban_income", "rural_income") or c.share is None:
                continue
            b.glue(f"front_{c.series_id}_share", round(c.share, 1))
            when = {"reached": "已达到全国水平", "meets_by_2035": f"按现有趋势于{c.meet_year}年追上",
                    "meets_after_2035": f"按现有趋势要到{c.meet_year}年才追上",
                    "never_on_trend": "按现有趋势追不上"}.get(c.status, "趋势依据不足")
            bits.append(f"{c.label}{c.year}年为全国的{fmt.number(round(c.share, 1), '%')}，{when}")
        line = "二〇三五年远景（城乡居民收入达到全国平均水平）：" + "；".join(bits) + "。"
        return b.html(f'<p class="pb-verdict">{esc(line)}</p>')

    def unknowns(self) -> Block:
        """What is not known, said as plainly as what is."""
        m = self.main
        none = m[m["status"].isin(["insufficient_data", "not_assessable"]) | m["status"].isna()]
        stale = m[~m.index.isin(none.index) & (m["latest_year"] < self.as_of_year)]
        names = "、".join(esc(n) for n in none["name_zh"])
        old = "、".join(f"{esc(r['name_zh'])}（{int(r['latest_year'])}年）" for r in stale.to_dict("records"))
        text = (f"<p>尚不知道的：{len(none)} 项主要指标在规划期内没有可用于评估的公开数字——{names}。"
                + (f"另有 {len(stale)} 项的最新数字早于{self.as_of_year}年：{old}。" if len(stale) else "")
                + "本书所用的存档中没有2024、2025年的统计公报；这些数字公布后，用 <code>planbook ingest</code> "
                  "录入即可重算全书。</p>")
        return Block().glue("v_stale", len(stale)).html(text)

    # ---- the evaluation (part 11) -------------------------------------------------------------------
    def key_points(self) -> Block:
        """本篇要点 of the evaluation chapter: the plan's outcome in four findings, each linked to its detail."""
        a = self.assessments
        m = self.main
        items = []
        met, missed = int((m["final_2025"] == "met").sum()), int((m["final_2025"] == "not_met").sum())
        early = int(((m["final_2025"] == "unknown") & (m["status"] == "achieved")).sum())
        items.append(f"主要指标：期末数字已公布的 {met + missed} 项中已完成 {met} 项、未完成 {missed} 项；"
                     f"另有 {early} 项已提前达到目标"
                     '（<a href="#pb-eval-attribute">按属性统计</a>，<a href="../intro.html">逐项见首页</a>）。')
        done, failed = int((a["final_2025"] == "met").sum()), int((a["final_2025"] == "not_met").sum())
        items.append(f'全部有统计指标的 <a href="#pb-eval-part">{len(a)} 项目标</a>中，已完成 {done} 项，'
                     f'未完成 {failed} 项，按进度落后 {int(a["status"].isin(A.TRAJECTORY[1:]).sum())} 项。')
        missed_rows = a[a["status"] == "missed"]
        if not missed_rows.empty:
            names = "、".join(esc(n) for n in self.targets.set_index("target_id").loc[missed_rows["target_id"],
                                                                                    "name_zh"])
            items.append(f'已确认未完成的 <a href="#pb-missed">{len(missed_rows)} 项</a>：{names}。')
        unknown = int(a["status"].isin(["insufficient_data", "not_assessable"]).sum())
        items.append(f'尚不清楚：{unknown} 项目标在规划期内缺少可用于评估的公开数字'
                     '（<a href="../data.html">覆盖矩阵见数据与来源</a>）。')
        t = self.ds.group(UNDERTAKING)
        ms = self.ds.milestones[self.ds.milestones["date"].str[:4].astype(int) <= self.as_of_year]
        with_evidence = int(t["target_id"].isin(ms["target_id"]).sum())
        items.append(f'规划点名的 {len(t)} 项具名工程中，{with_evidence} 项找到带日期的公开进展'
                     '（<a href="../data.html">按篇、按类别见数据与来源</a>）。')
        return Block().html('<ul class="pb-keypoints">' + "".join(f"<li>{i}</li>" for i in items[:5]) + "</ul>")

    def evaluation_by_part(self) -> Block:
        a = self.assessments
        b = Block()
        rows = []
        for part in range(1, 12):
            sub = a[a["part"] == part]
            row = {"篇": f"第{fmt.zh_number(part)}篇", "目标数": str(len(sub))}
            row.update(_status_counts(sub))
            rows.append(row)
        total = {"篇": "合计", "目标数": str(len(a))}
        total.update(_status_counts(a))
        rows.append(total)
        b.glue("eval_n_targets", int(len(a)))
        for st in A.STATUSES:
            b.glue(f"eval_n_{st}", int((a["status"] == st).sum()))
        for f in ("met", "not_met", "unknown"):
            b.glue(f"eval_final_{f}", int((a["final_2025"] == f).sum()))
        caption = f"“十四五”规划有统计指标的目标：按篇统计评估结果（截至{self.as_of_year}年）"
        return b.html('<div id="pb-eval-part" class="pb-anchor"></div>').html(
            table(rows, ["篇", "目标数", *STATUS_COLUMNS], caption=caption))

    def evaluation_by_attribute(self) -> Block:
        a = self.assessments[self.assessments["group"] == MAIN]
        b = Block().glue("eval_main_n", int(len(a)))
        rows = []
        for attr, key in (("约束性", "binding"), ("预期性", "expected")):
            sub = a[a["attribute"] == attr]
            row = {"属性": attr, "指标数": str(len(sub))}
            row.update(_status_counts(sub))
            rows.append(row)
            b.glue(f"eval_{key}_n", int(len(sub)))
            b.glue(f"eval_{key}_achieved", int((sub["status"] == "achieved").sum()))
        return b.html('<div id="pb-eval-attribute" class="pb-anchor"></div>').html(
            table(rows, ["属性", "指标数", *STATUS_COLUMNS], caption="主要指标（专栏2）按属性统计"))

    def missed_targets(self) -> Block:
        a = self.assessments[self.assessments["final_2025"] == "not_met"]
        if a.empty:
            return Block().md("截至目前，没有已确认未完成的目标。")
        t = self.targets.set_index("target_id")
        ch = self.chapter(1)
        rows = []
        for r in a.to_dict("records"):
            tt = {**t.loc[r["target_id"]].to_dict(), "target_id": r["target_id"]}
            actual = fmt.rate(r["observed_rate"], "%") if r["method"] in ("mean_of_rates", "cagr_of_levels") \
                else fmt.number(r["latest_value"])
            rows.append({"状态": status_badge(r["status"], r["status_zh"]),
                         "目标": f'{esc(tt["name_zh"])}<br><span class="pb-id">{esc(r["target_id"])}</span>',
                         "篇": f"第{fmt.zh_number(int(tt['part']))}篇",
                         "目标值": ch.goal(tt), "实际": esc(actual), "说明": esc(r["caveat"])})
        return Block().html('<div id="pb-missed" class="pb-anchor"></div>').html(
            table(rows, ["状态", "目标", "篇", "目标值", "实际", "说明"],
                  caption="已确认未完成的目标（期末数据已公布）"))

    # ---- coverage and sources (the data page) ---------------------------------------------------------
    def _with_series(self) -> pd.DataFrame:
        return self.numeric[self.numeric["series_id"] != ""]

    def coverage(self, years: range = range(2015, 2026)) -> tuple[list[dict], Block]:
        """The targets × years matrix rows, and the glued coverage counts."""
        obs = self.ds.observations
        obs = obs[obs["year"] <= self.as_of_year]
        have = {(s, int(y)) for s, y in zip(obs["series_id"], obs["year"], strict=True)}
        rows = []
        n_cells = n_have = 0
        for r in self._with_series().to_dict("records"):
            row = {"编号": esc(r["target_id"]), "目标": esc(r["name_zh"]), "指标": esc(r["series_id"])}
            for y in years:
                ok = (r["series_id"], y) in have
                if y >= 2020:
                    n_cells += 1
                    n_have += ok
                row[str(y)] = ('<span class="pb-have" title="有数据">●</span>' if ok
                               else '<span class="pb-miss" title="暂无数据">·</span>')
            rows.append(row)
        b = Block().glue("cov_targets", len(rows)).glue("cov_cells", n_cells).glue("cov_have", n_have)
        b.glue("cov_share", round(100.0 * n_have / n_cells, 1) if n_cells else 0.0)
        return rows, b

    def coverage_summary(self) -> Block:
        return self.coverage()[1]

    def coverage_matrix(self, years: range = range(2020, 2026), folder: str = "downloads") -> Block:
        """Targets × years: which years have a published figure for the target's series.  The page shows the
        plan period; the CSV download holds every year from 2015 and the series ids."""
        rows, b = self.coverage(years)
        full, _ = self.coverage(range(2015, 2026))
        out = Path(folder)
        out.mkdir(exist_ok=True)
        df = pd.DataFrame([{k: (v if "<" not in v else ("1" if "pb-have" in v else "0")) for k, v in r.items()}
                           for r in full])
        tmp = out / "coverage.csv.tmp"
        df.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
        tmp.replace(out / "coverage.csv")
        shown = [{"目标": f'{r["目标"]}<br><span class="pb-id">{r["编号"]}</span>',
                  **{str(y): r[str(y)] for y in years}} for r in rows]
        return (b.html(table(shown, ["目标"] + [str(y) for y in years],
                             caption="数据覆盖矩阵：● 有公开数据，· 暂无数据", cls="pb-table pb-coverage"))
                .md(f"{{download}}`下载完整覆盖矩阵（CSV，2015—2025年，含指标编号）<{folder}/coverage.csv>`"))

    def targets_without_data(self) -> Block:
        obs = self.ds.observations
        after = set(obs[(obs["year"] > 2020) & (obs["year"] <= self.as_of_year)]["series_id"])
        miss = self.numeric[~self.numeric["series_id"].isin(after)]
        rows = [{"编号": esc(r["target_id"]), "目标": esc(r["name_zh"]), "篇": f"第{fmt.zh_number(int(r['part']))}篇",
                 "指标": esc(r["series_id"]) or "（未定义统计指标）"} for r in miss.to_dict("records")]
        return Block().glue("n_without_data", int(len(miss))).html(
            table(rows, ["编号", "目标", "篇", "指标"], caption="基期之后暂无公开数据的量化目标"))

    def grades(self) -> Block:
        """Observations by evidence grade, with the scale; and how many a reader can follow on an official page."""
        obs = self.ds.observations
        src = self.ds.sources.set_index("source_id")
        b = Block()
        rows = []
        for g, meaning in GRADES.items():
            n = int((obs["grade"] == g).sum())
            b.glue(f"n_grade_{g}", n)
            rows.append({"等级": grade_tag(g), "含义": esc(meaning), "观测值": str(n),
                         "占比": esc(fmt.number(round(100 * n / len(obs), 1), "%")) if len(obs) else "—"})
        first = [src.at[s, "original_url"] or src.at[s, "url"] for s in obs["source_id"]]
        official = sum(1 for u in first if is_official(u))
        b.glue("n_official_first", official).glue("share_official_first", round(100 * official / len(obs), 1))
        b.glue("n_original_url", int((self.ds.sources["original_url"] != "").sum()))
        b.glue("n_url_warning", int((self.ds.sources["url_warning"] != "").sum()))
        return b.html(table(rows, ["等级", "含义", "观测值", "占比"], caption="观测值按证据等级"))

    def conflicts(self) -> Block:
        """The known conflicts between sources or vintages, and how the data resolve them."""
        rows = []
        for c in self.ds.conflicts.to_dict("records"):
            rows.append({"问题": f"{esc(c['title_zh'])}<br><span class=\"pb-id\">{esc(c['series_id'])}，"
                                 f"{int(c['year'])}年</span>",
                         "处理": esc(c["resolution"]), "说明": esc(c["explanation"]),
                         "依据": cite(self.ds.sources_by_id.get(c["source_id"], {}))})
        return Block().glue("n_conflicts", len(rows)).html(
            table(rows, ["问题", "处理", "说明", "依据"], caption="已知冲突与处理", cls="pb-table pb-conflicts"))

    def milestone_coverage(self) -> Block:
        """Undertakings with dated evidence, by part and by kind, with the comparison against the plan's ask."""
        t = undertaking_verdicts(self.ds.group(UNDERTAKING), self.ds.milestones, self.as_of_year)
        by_part = [coverage_row("篇", f"第{fmt.zh_number(p)}篇", t[t["part"] == p]) for p in sorted(t["part"].unique())]
        by_part.append(coverage_row("篇", "合计", t))
        kinds = t.groupby("project_type").size().sort_values(ascending=False).index
        by_kind = [coverage_row("类别", k, t[t["project_type"] == k]) for k in kinds]
        b = Block().glue("n_undertakings", len(t)).glue("n_undertakings_evidence", int((t["对照"] != "暂无证据").sum()))
        for i, c in enumerate(COMPARISONS):
            b.glue(f"n_undertakings_{i}", int((t["对照"] == c).sum()))
        return (b.html(coverage_table("篇", by_part, caption="具名工程的进展证据：按篇"))
                .html(coverage_table("类别", by_kind, caption="具名工程的进展证据：按工程类别")))

    def sources_overview(self) -> Block:
        src, obs = self.ds.sources, self.ds.observations
        b = Block().glue("n_sources", int(len(src))).glue("n_observations", int(len(obs)))
        b.glue("n_reprints", int((src["original"] == "转载").sum()))
        b.glue("n_year_inferred", int(obs["year_inferred"].sum()))
        b.glue("n_qualified", int((obs["qualifier"] != "").sum()))
        return b.html(sources_table(src.sort_values(["published", "source_id"]).to_dict("records"),
                                    caption="全部数据来源（先列原发布者与原文链接，所见转载页列后）"))

