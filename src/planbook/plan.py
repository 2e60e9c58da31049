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
from planbook.chapter import Chapter
from planbook.data import MAIN, Dataset
from planbook.markup import Block, esc, status_badge, table
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

    # ---- the evaluation (part 11) -------------------------------------------------------------------
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
        return b.html(table(rows, ["篇", "目标数", *STATUS_COLUMNS],
                            caption=f"“十四五”规划有统计指标的目标：按篇统计评估结果（截至{self.as_of_year}年）"))

    def evaluation_by_attribute(self) -> Block:
        a = self.assessments[self.assessments["group"] == MAIN]
        b = Block()
        rows = []
        for attr, key in (("约束性", "binding"), ("预期性", "expected")):
            sub = a[a["attribute"] == attr]
            row = {"属性": attr, "指标数": str(len(sub))}
            row.update(_status_counts(sub))
            rows.append(row)
            b.glue(f"eval_{key}_n", int(len(sub)))
            b.glue(f"eval_{key}_achieved", int((sub["status"] == "achieved").sum()))
        return b.html(table(rows, ["属性", "指标数", *STATUS_COLUMNS], caption="主要指标（专栏2）按属性统计"))

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
            rows.append({"状态": status_badge(r["status"], r["status_zh"]), "编号": esc(r["target_id"]),
                         "目标": esc(tt["name_zh"]), "篇": f"第{fmt.zh_number(int(tt['part']))}篇",
                         "目标值": ch.goal(tt), "实际": esc(actual), "说明": esc(r["caveat"])})
        return Block().html(table(rows, ["状态", "编号", "目标", "篇", "目标值", "实际", "说明"],
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

    def coverage_matrix(self, years: range = range(2015, 2026)) -> Block:
        """Targets × years: which years have a published figure for the target's series."""
        rows, b = self.coverage(years)
        return b.html(table(rows, ["编号", "目标", "指标"] + [str(y) for y in years],
                            caption="数据覆盖矩阵：● 有公开数据，· 暂无数据", cls="pb-table pb-coverage"))

    def targets_without_data(self) -> Block:
        obs = self.ds.observations
        after = set(obs[(obs["year"] > 2020) & (obs["year"] <= self.as_of_year)]["series_id"])
        miss = self.numeric[~self.numeric["series_id"].isin(after)]
        rows = [{"编号": esc(r["target_id"]), "目标": esc(r["name_zh"]), "篇": f"第{fmt.zh_number(int(r['part']))}篇",
                 "指标": esc(r["series_id"]) or "（未定义统计指标）"} for r in miss.to_dict("records")]
        return Block().glue("n_without_data", int(len(miss))).html(
            table(rows, ["编号", "目标", "篇", "指标"], caption="基期之后暂无公开数据的量化目标"))

    def sources_overview(self) -> Block:
        src, obs = self.ds.sources, self.ds.observations
        b = Block().glue("n_sources", int(len(src))).glue("n_observations", int(len(obs)))
        b.glue("n_reprints", int((src["original"] == "转载").sum()))
        b.glue("n_year_inferred", int(obs["year_inferred"].sum()))
        b.glue("n_qualified", int((obs["qualifier"] != "").sum()))
        rows = [{"编号": esc(s["source_id"]), "标题": f'<a href="{esc(s["url"])}">{esc(s["title"])}</a>',
                 "发布者": esc(s["publisher"]), "日期": esc(s["published"]), "类型": esc(s["kind"]),
                 "原文/转载": esc(s["original"]) + (f"（{esc(s['original_publisher'])}）" if s["original_publisher"]
                                                  else "")}
                for s in src.sort_values(["published", "source_id"]).to_dict("records")]
        return b.html(table(rows, ["编号", "标题", "发布者", "日期", "类型", "原文/转载"], caption="全部数据来源"))
