"""One part (篇) of the plan as a book chapter: key points, scorecards, charts, undertakings, sources.

A notebook opens its chapter from its declaration (``Chapter.open(reads, as_of_year, data_dir)``),
so it sees only the rows it declares.  Each section returns a :class:`~planbook.markup.Block`; the
notebook displays it (a cell's last expression).  Every number a reader sees is computed here from
the data, and glued where the prose refers to it.

Which targets a section shows is one of:

* ``MAIN``: the 25 main indicators of 专栏2 (part 1's scorecard);
* ``PLACED``: the main indicators the data place in this part (``main_indicators.csv``);
* ``PART``: the part's other numeric targets.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import altair as alt
import pandas as pd

from planbook import assess as A
from planbook import charts, fmt, inputs
from planbook import outlook as O
from planbook.data import CATEGORIES, MAIN, PART, REVIEW, Dataset
from planbook.markup import Block, cite, esc, grade_tag, sources_table, status_badge, table
from planbook.paths import DATA_DIR

PLACED = "placed"
MILESTONE_ORDER = ["前期工作", "核准", "开工", "在建", "建成", "投产"]
# How far an undertaking has got, for comparing with the plan's ask: completed (建成/投产) is one stage.
STAGE = {"前期工作": 0, "核准": 1, "开工": 2, "在建": 3, "建成": 4, "投产": 4}
COMPARISONS = ("超出规划要求", "符合", "滞后", "暂无证据")
DOWNLOAD_COLUMNS = ["target_id", "name_zh", "name_en", "kind", "comparator", "unit", "baseline_year", "baseline_value",
                    "target_year", "target_value", "attribute", "plan_ref", "series_id", "series_name_zh",
                    "series_unit", "year", "year_inferred", "value", "qualifier", "status", "note", "grade",
                    "source_id", "source_title", "source_publisher", "source_original_publisher", "source_published",
                    "source_url", "source_original_url", "source_url_warning"]


def relative_gap(a: dict) -> float:
    """The final gap as a share of what the target asked (the target rate, or the goal level); 0 if none."""
    if fmt.missing(a.get("gap")):
        return 0.0
    rate = a["method"] in ("mean_of_rates", "cagr_of_levels")
    base = a["required_rate"] if rate else a["goal_value"]
    return float(a["gap"]) / (abs(float(base)) if not fmt.missing(base) and float(base) else 1.0)


def anchor(target_id: str) -> str:
    """The id of a target's detail on its chapter page."""
    return f"pb-t-{target_id}"


def undertaking_progress(events: pd.DataFrame, goal_status: str) -> tuple[dict | None, str]:
    """The latest reported event of an undertaking and how far it got against the plan's ask.

    An event about a section or component (``scope`` 部分) counts as construction under way (在建) on the
    undertaking at most, never as its completion.  Returns the latest event (by date) and one of
    :data:`COMPARISONS`.
    """
    if events.empty:
        return None, "暂无证据"
    stage = 0
    for e in events.to_dict("records"):
        s = STAGE[e["status"]]
        stage = max(stage, min(s, STAGE["在建"]) if e["scope"] == "部分" else s)
    latest = events.sort_values(["date", "status"], key=lambda c: c.map(
        lambda v: MILESTONE_ORDER.index(v) if v in MILESTONE_ORDER else v)).iloc[-1].to_dict()
    asked = STAGE[goal_status]
    return latest, "超出规划要求" if stage > asked else "符合" if stage == asked else "滞后"


def events_until(milestones: pd.DataFrame, as_of_year: int) -> pd.DataFrame:
    """The undertaking events reported up to ``as_of_year`` (by the year of their date)."""
    if milestones.empty:
        return milestones
    return milestones[milestones["date"].str[:4].astype(int) <= as_of_year]


def undertaking_verdicts(undertakings: pd.DataFrame, milestones: pd.DataFrame, as_of_year: int) -> pd.DataFrame:
    """The undertakings with the latest event reported by ``as_of_year`` (column ``latest``: a dict, or None)
    and how it compares with the plan's ask (column ``对照``, one of :data:`COMPARISONS`)."""
    ms = events_until(milestones, as_of_year)
    found = [undertaking_progress(ms[ms["target_id"] == r["target_id"]], r["goal_status"])
             for r in undertakings.to_dict("records")]
    return undertakings.assign(latest=[f[0] for f in found], 对照=[f[1] for f in found])


COVERAGE_COLUMNS = ["工程数", "有证据", "覆盖率", *COMPARISONS[:3]]


def coverage_row(key: str, label: str, undertakings: pd.DataFrame) -> dict:
    """One row of a coverage table: how many of ``undertakings`` (from :func:`undertaking_verdicts`) have
    dated evidence, and how many are ahead of, in line with and behind the plan's ask."""
    n, have = len(undertakings), int((undertakings["对照"] != "暂无证据").sum())
    row = {key: esc(label), "工程数": str(n), "有证据": str(have),
           "覆盖率": esc(fmt.number(round(100 * have / n), "%")) if n else "—"}
    row.update({c: str(int((undertakings["对照"] == c).sum())) for c in COMPARISONS[:3]})
    return row


def coverage_table(key: str, rows: list[dict], caption: str) -> str:
    """Rows of :func:`coverage_row` as a table whose first column is ``key``."""
    return table(rows, [key, *COVERAGE_COLUMNS], caption=caption, cls="pb-table pb-coverage")


class Chapter:
    """One part of the plan, as of a year, over the rows of a dataset."""

    def __init__(self, ds: Dataset, part: int, as_of_year: int = 2025, assessments: pd.DataFrame | None = None):
        self.ds, self.part, self.as_of_year = ds, int(part), int(as_of_year)
        if assessments is not None:
            ids = set(self.targets["target_id"]) | set(self.placed["target_id"])
            self.__dict__["assessments"] = assessments[assessments["target_id"].isin(ids)]

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
    def placed(self) -> pd.DataFrame:
        """The main indicators the data place in this part (their subject is treated here)."""
        here = self.ds.main_indicators[self.ds.main_indicators["part"] == self.part]
        t = self.ds.group(MAIN)
        return t[t["target_id"].isin(here["target_id"])].reset_index(drop=True)

    @cached_property
    def numeric(self) -> pd.DataFrame:
        return self.targets[self.targets["kind"] != "milestone"].reset_index(drop=True)

    @cached_property
    def milestone_targets(self) -> pd.DataFrame:
        return self.targets[self.targets["kind"] == "milestone"].reset_index(drop=True)

    def select(self, which: str | None) -> pd.DataFrame:
        """The numeric targets a section shows: ``MAIN``, ``PLACED``, ``PART`` or all of them (None)."""
        if which == MAIN:
            return self.ds.group(MAIN)
        if which == PLACED:
            return self.placed
        if which == PART:
            return self.numeric[self.numeric["group"] == PART].reset_index(drop=True)
        both = pd.concat([self.placed, self.numeric[self.numeric["group"] == PART]])
        return both.drop_duplicates("target_id").reset_index(drop=True)

    @cached_property
    def assessments(self) -> pd.DataFrame:
        ids = set(self.targets["target_id"]) | set(self.placed["target_id"])
        return A.assess_all(self.ds, self.as_of_year, include_targets=ids)

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

    def has_data(self, target: dict) -> bool:
        """Whether the target's series has a figure after its baseline year (up to the as-of year)."""
        if not target["series_id"]:
            return False
        obs = self.ds.observed(target["series_id"], self.as_of_year)
        base = int(target["baseline_year"]) if not fmt.missing(target["baseline_year"]) else 2020
        return bool((obs["year"] > base).any())

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
            "n_placed": int(len(self.placed)),
            "n_with_series": int(len(with_series)),
            "n_with_data": int(with_series["series_id"].isin(have).sum()),
            "n_assessed": int((~a["status"].isin(["insufficient_data", "not_assessable"])).sum()),
        }
        for st in A.STATUSES:
            s[f"n_{st}"] = int((a["status"] == st).sum())
        for f in ("met", "not_met", "unknown"):
            s[f"n_final_{f}"] = int((a["final_2025"] == f).sum())
        for label, n in self.milestone_counts().items():
            s[f"n_ms_{COMPARISONS.index(label)}"] = n
        s["n_ms_evidence"] = s["n_milestones"] - s[f"n_ms_{COMPARISONS.index('暂无证据')}"]
        return s

    def glue_summary(self) -> Block:
        b = Block()
        for k, v in self.summary().items():
            b.glue(k, v)
        return b

    def status_sentence(self, which: str | None = None) -> Block:
        """A generated sentence counting the section's targets by status."""
        ids = set(self.select(which)["target_id"])
        a = self.assessments[self.assessments["target_id"].isin(ids)]
        parts = [f"{A.STATUS_SYMBOL[st]} {A.STATUS_ZH[st]} {int((a['status'] == st).sum())} 项"
                 for st in A.STATUSES if (a["status"] == st).any()]
        if not parts:
            return Block().md("暂无可评估的统计指标。")
        return Block().md(f"截至 {self.as_of_year} 年的公开数据，以下有统计指标的 {len(a)} 项目标中："
                          + "，".join(parts) + "。")

    # ---- key points ---------------------------------------------------------------------------------
    def verdict_text(self, a: dict, unit: str) -> str:
        """A status with the size of the gap when the verdict is final: "未完成（年均7.39%，低于目标0.61个百分点）"."""
        label = a["status_zh"]
        if fmt.missing(a.get("gap")):
            return label
        gap = float(a["gap"])
        if a["method"] in ("mean_of_rates", "cagr_of_levels"):
            size = f"年均{fmt.number(round(a['observed_rate'], 2), '%')}，{'高' if gap >= 0 else '低'}于目标" \
                   f"{fmt.number(round(abs(gap), 2))}个百分点"
        else:
            words = "个百分点" if unit == "%" else unit
            size = f"{fmt.number(a['latest_value'], unit)}，{'高' if gap >= 0 else '低'}于目标" \
                   f"{fmt.number(round(abs(gap), 2))}{words}"
        return f"{label}（{size}）"

    def key_points(self) -> Block:
        """本篇要点: three to five findings computed from the assessments and the undertakings, each linked to
        its detail on the page."""
        items = []
        t = self.select(None if self.part != 1 else PART)
        if self.part == 1:
            t = pd.concat([self.ds.group(MAIN), t]).drop_duplicates("target_id")
        rows = []
        for r in t.to_dict("records"):
            a = self.assessment(r["target_id"])
            if a is not None:
                rows.append((r, a))
        done = [(r, a) for r, a in rows if a["status"] == "achieved"]
        if done:  # completed before merely ahead; then the largest margin over the goal
            r, a = min(done, key=lambda x: (x[1]["final_2025"] != "met", -relative_gap(x[1])))
            more = f"；另有 {len(done) - 1} 项已实现或已完成" if len(done) > 1 else ""
            items.append(f"最好的结果：{self._link(r)}{esc(self.verdict_text(a, self.unit_of(r)))}"
                         f"{self._latest_clause(r, a)}{more}。")
        short = [(r, a) for r, a in rows if a["status"] in ("missed",) + A.TRAJECTORY[1:]]
        if short:  # missed before behind; then the largest shortfall, or the slowest progress
            r, a = min(short, key=lambda x: (0, relative_gap(x[1])) if x[1]["status"] == "missed"
                       else (1, x[1]["ratio"] if not fmt.missing(x[1]["ratio"]) else 1))
            size = esc(self.verdict_text(a, self.unit_of(r)))
            if a["status"] != "missed" and not fmt.missing(a["ratio"]):
                size += f"（实际进度为所需进度的{fmt.number(round(100 * a['ratio']))}%）"
            items.append(f"差距最大：{self._link(r)}{size}{self._latest_clause(r, a)}。")
        unknown = [r for r, a in rows if a["status"] in ("insufficient_data", "not_assessable")]
        unknown += [r for r in t.to_dict("records") if self.assessment(r["target_id"]) is None]
        if unknown:
            names = "、".join(esc(r["name_zh"]) for r in unknown[:3]) + ("等" if len(unknown) > 3 else "")
            placed_ids = set(self.placed["target_id"])
            where = "#pb-scorecard-main-0" if self.part == 1 else \
                f"#pb-nodata-{PLACED if any(r['target_id'] in placed_ids for r in unknown) else PART}"
            items.append(f'尚不清楚：<a href="{where}">{len(unknown)} 项目标</a>在规划期内暂无可用于评估的公开数字'
                         f"（{names}）。")
        n = len(self.milestone_targets)
        if n:
            c = self.milestone_counts()
            have = n - c["暂无证据"]
            items.append(f'<a href="#pb-undertakings">具名工程 {n} 项</a>中 {have} 项找到公开进展：'
                         f"超出规划要求 {c['超出规划要求']} 项、符合 {c['符合']} 项、滞后 {c['滞后']} 项；"
                         f"其余 {c['暂无证据']} 项暂无证据。")
        grades = self._grade_counts()
        if sum(grades.values()):
            mix = "、".join(f"{g}级 {n}" for g, n in grades.items() if n)
            items.append(f'证据：本篇所用的 <a href="#pb-sources">{sum(grades.values())} 个数字与工程进展</a>中，'
                         f"{mix}（A为统计部门发布，D为只见于非官方转载页）。")
        if len(items) < 3:
            items.append(f"本篇共列 {len(self.numeric)} 项量化目标、{len(self.milestone_targets)} 项具名工程"
                         + (f"，另有 {len(self.placed)} 项专栏2主要指标的主题在本篇展开" if len(self.placed) else "")
                         + "。")
        html = '<ul class="pb-keypoints">' + "".join(f"<li>{i}</li>" for i in items[:5]) + "</ul>"
        return Block().html(html)

    def href(self, t: dict) -> str | None:
        """Where the target's chart is: on this page, in the chapter of the part it is placed in, or nowhere."""
        if not self.has_data(t):
            return None
        if t["group"] == MAIN:
            placed = self.ds.main_indicators.set_index("target_id")["part"]
            part = int(placed.get(t["target_id"], 1))
        else:
            part = int(t["part"])
        return f"#{anchor(t['target_id'])}" if part == self.part else f"part{part:02d}.html#{anchor(t['target_id'])}"

    def _grade_counts(self) -> dict[str, int]:
        """Evidence grades of the figures and undertaking events this chapter uses."""
        sids = set(self.select(None)["series_id"]) - {""}
        obs = self.ds.observations
        grades = list(obs[obs["series_id"].isin(sids) & (obs["year"] <= self.as_of_year)]["grade"])
        ms = self.ds.milestones[self.ds.milestones["target_id"].isin(self.milestone_targets["target_id"])]
        by_src = dict(zip(self.ds.sources["source_id"], self.ds.sources["grade"], strict=True))
        grades += [by_src.get(s, "") for s in ms["source_id"]]
        return {g: grades.count(g) for g in "ABCD"}

    def _link(self, r: dict) -> str:
        h = self.href(r)
        return f'<a href="{h}">{esc(r["name_zh"])}</a>' if h else esc(r["name_zh"])

    def _latest_clause(self, r: dict, a: dict) -> str:
        if fmt.missing(a["latest_year"]) or a["method"] in ("mean_of_rates", "cagr_of_levels"):
            return ""
        unit = self.unit_of(r)
        return (f"，{int(a['latest_year'])}年为{esc(fmt.observed(a['latest_value'], unit, a['latest_qualifier']))}"
                f"，目标{self.goal(r)}")

    # ---- scorecards ---------------------------------------------------------------------------------
    def _baseline_cell(self, t: dict, a: dict, unit: str) -> str:
        """The plan's own baseline first, and the published figure beside it when they differ."""
        plan, used = a.get("plan_baseline_value"), a.get("baseline_value")
        year = int(t["baseline_year"]) if not fmt.missing(t["baseline_year"]) else None
        if fmt.missing(plan):
            if fmt.missing(used):
                return "—"
            return esc(f"{fmt.number(used, unit)}（{int(a['baseline_year'])}年公布数）")
        cell = esc(f"{fmt.number(plan, unit)}（规划{f'，{year}年' if year else ''}）")
        if not fmt.missing(used) and abs(float(used) - float(plan)) > 1e-9:
            cell += f'<br><span class="pb-aside">{esc(int(a["baseline_year"]))}年公布数 {esc(fmt.number(used, unit))}' \
                    "，进度自此起算</span>"
        return cell

    def _scorecard_rows(self, targets: pd.DataFrame, keep_unassessed: bool) -> list[dict]:
        rows = []
        for t in targets.to_dict("records"):
            a = self.assessment(t["target_id"])
            if a is None or (not keep_unassessed and a["status"] in ("insufficient_data", "not_assessable")):
                continue
            unit = self.unit_of(t)
            latest = "暂无数据" if fmt.missing(a["latest_year"]) else esc(
                fmt.latest(a["latest_value"], unit, a["latest_qualifier"], a["latest_year"], a["latest_year_inferred"]))
            if not fmt.missing(a["latest_year"]):
                obs = self.ds.observed(t["series_id"], self.as_of_year)
                g = obs[obs["year"] == int(a["latest_year"])]["grade"]
                latest += " " + grade_tag(g.iloc[0] if len(g) else "")
            rate = "" if fmt.missing(a["observed_rate"]) else esc(fmt.rate(a["observed_rate"], a["rate_unit"]))
            verdict = status_badge(a["status"], a["status_zh"])
            gap = self.verdict_text(a, unit)
            if gap != a["status_zh"]:
                verdict += f'<br><span class="pb-aside">{esc(gap[len(a["status_zh"]) + 1:-1])}</span>'
            attr = f" · {esc(t['attribute'])}" if t["attribute"] else ""
            name = self._link(t)
            rows.append({
                "状态": verdict,
                "指标": f'{name}<br><span class="pb-id">{esc(t["target_id"])}{attr}</span>',
                "基期": self._baseline_cell(t, a, unit),
                "最新": latest,
                "年均变化": rate,
                "目标": self.goal(t) + f"（{t['target_year']}年）",
            })
        return rows

    def scorecard(self, which: str | None = None, caption: str | None = None, category: str | None = None) -> Block:
        """The scorecard of a section's targets (see the module's docstring); the full table is in the CSV.

        Part 1's scorecard of the main indicators lists all of them (by the box's ``category`` when given);
        other scorecards list the targets that can be assessed, the rest being listed with :meth:`charts`.
        """
        t = self.select(which)
        if category is not None:
            cats = self.ds.main_indicators.set_index("target_id")["category"]
            t = t[t["target_id"].map(cats) == category]
        rows = self._scorecard_rows(t, keep_unassessed=which == MAIN)
        if not rows:
            return Block().md("暂无可评估的统计指标。")
        cols = ["状态", "指标", "基期", "最新", "年均变化", "目标"]
        caption = caption or f"{self.title}：记分卡（截至{self.as_of_year}年）"
        suffix = f"-{CATEGORIES.index(category)}" if category else ""
        return (Block().html(f'<div id="pb-scorecard-{which or "all"}{suffix}" class="pb-anchor"></div>')
                .html(table(rows, cols, caption=caption, cls="pb-table pb-scorecard")))

    # ---- each target in detail ----------------------------------------------------------------------
    def charts(self, which: str | None = None) -> Block:
        """For each target with published figures: its sentence, its chart against what it required, and
        its data table (the chart's text alternative).  Targets without figures are listed once, with the
        series that would be needed."""
        charts.enable()
        sources = self.ds.sources_by_id
        b = Block()
        empty = []
        for t in self.select(which).to_dict("records"):
            a = self.assessment(t["target_id"])
            if not self.has_data(t):
                empty.append((t, a))
                continue
            series = self.ds.series_by_id[t["series_id"]]
            obs = self.ds.observed(t["series_id"], self.as_of_year)
            b.html(f'<div id="{anchor(t["target_id"])}" class="pb-anchor"></div>')
            b.md(f"### {esc(t['name_zh'])}")
            b.md(self.sentence(t, a, series))
            bench = self.ds.observed(t["benchmark_series_id"], self.as_of_year) if t["benchmark_series_id"] else None
            b.add(charts.target_chart(t, series, obs, sources, a, self.as_of_year, benchmark=bench))
            b.html(self._data_table(obs, series, sources))
        if empty:
            b.add(self.no_data(empty, which))
        return b

    def no_data(self, empty: list[tuple[dict, dict | None]], which: str | None = None) -> Block:
        """The targets without published figures: a short list saying what each would need."""
        lines = []
        for t, a in empty:
            s = self.ds.series_by_id.get(t["series_id"], {}) if t["series_id"] else {}
            need = f"{s['name_zh']}（{s['unit']}）的年度公开数字" if s else "尚无对应的统计指标"
            if a is not None and a["status"] == "not_assessable" and "目标值" in (a["caveat"] or ""):
                need = "规划未给出可量化的目标值"
            lines.append(f"- **{esc(t['name_zh'])}**（{esc(t['target_id'])}）：规划要求 {self.goal(t)}"
                         f"（{t['target_year']} 年）；所需数据：{esc(need)}。")
        intro = (f"以下 {len(lines)} 项目标在规划期内暂无可用于评估的公开数字；"
                 "补上所列数据后重建本书，它们即进入记分卡和图表。")
        anchor_id = f"pb-nodata-{which or 'all'}"
        return Block().html(f'<div id="{anchor_id}" class="pb-anchor"></div>').md(intro + "\n\n" + "\n".join(lines))

    def _data_table(self, obs: pd.DataFrame, series: dict, sources: dict) -> str:
        unit = series.get("unit", "")
        rows = []
        for o in obs.to_dict("records"):
            rows.append({"年份": fmt.obs_year(o["year"], o.get("year_inferred")),
                         "数值": esc(fmt.observed(o["value"], unit, o.get("qualifier"))),
                         "数据状态": esc(o["status"]), "等级": grade_tag(o.get("grade", "")),
                         "来源": cite(sources.get(o["source_id"], {})), "说明": esc(o["note"])})
        return ('<details class="pb-data"><summary>图表数据（文字版，含来源）</summary>'
                + table(rows, ["年份", "数值", "数据状态", "等级", "来源", "说明"]) + "</details>")

    def sentence(self, t: dict, a: dict | None, series: dict) -> str:
        unit = series.get("unit", "")
        attr = "，" + esc(t["attribute"]) if t["attribute"] else ""
        bits = [f"**{esc(t['name_zh'])}**（{esc(t['target_id'])}{attr}）："]
        if a is None:
            return "".join(bits) + "暂无评估。"
        plan = a.get("plan_baseline_value")
        if not fmt.missing(plan):
            bits.append(f"规划所列基期为 {fmt.number(plan, unit)}")
            if not fmt.missing(a["baseline_value"]) and abs(float(a["baseline_value"]) - float(plan)) > 1e-9:
                bits.append(f"（{int(a['baseline_year'])} 年公布数为 {fmt.number(a['baseline_value'], unit)}，"
                            "进度自公布数起算）")
            bits.append("；")
        elif not fmt.missing(a["baseline_value"]):
            bits.append(f"基期 {int(a['baseline_year'])} 年为 {fmt.number(a['baseline_value'], unit)}；")
        if fmt.missing(a["latest_year"]):
            bits.append("其后暂无公开数据；")
        else:
            year = f"{int(a['latest_year'])} 年" + ("（年份系推断）" if fmt.flag(a["latest_year_inferred"]) else "")
            bits.append(f"最新公开数据为 {year}的 {fmt.observed(a['latest_value'], unit, a['latest_qualifier'])}；")
        bits.append(f"规划目标为 {self.goal(t)}（{t['target_year']} 年）。")
        if not fmt.missing(a["observed_rate"]) and a["method"] in ("mean_of_rates", "cagr_of_levels"):
            bits.append(f"已公布年份的年均增速为 {fmt.number(round(a['observed_rate'], 2))}%。")
        elif a["method"] == "benchmark_trend":
            pass  # the caveat states the share of the benchmark and when they meet
        elif not fmt.missing(a["ratio"]) and a["final_2025"] == "unknown":
            ratio = fmt.number(round(a["ratio"], 2))
            bits.append(f"实际进度与所需进度之比为 {ratio}（{fmt.METHOD_ZH[a['method']]}）。")
        bits.append(f"评估：{status_badge(a['status'], a['status_zh'])}")
        gap = self.verdict_text(a, unit)
        if gap != a["status_zh"]:
            bits.append(esc(gap[len(a["status_zh"]):]))
        if a["final_2025"] == "not_met" and a["method"] == "bound_each_year" \
                and not fmt.missing(a["latest_year"]) and a["latest_year"] < t["target_year"]:
            bits.append("，规划期内已有年份未达标")
        bits.append("。")
        if a["caveat"]:
            bits.append(f"（{esc(a['caveat'])}）")
        return "".join(bits)

    # ---- undertakings -------------------------------------------------------------------------------
    def events(self, target_id: str | None = None) -> pd.DataFrame:
        """The reported events of one undertaking, or of all this part's (None), up to the chapter's year."""
        ids = [target_id] if target_id is not None else self.milestone_targets["target_id"]
        return events_until(self.ds.milestones[self.ds.milestones["target_id"].isin(ids)], self.as_of_year)

    @cached_property
    def undertakings(self) -> pd.DataFrame:
        """The part's undertakings with their latest event and the comparison with the plan's ask."""
        return undertaking_verdicts(self.milestone_targets, self.ds.milestones, self.as_of_year)

    def milestone_counts(self) -> dict[str, int]:
        counts = self.undertakings["对照"].value_counts()
        return {c: int(counts.get(c, 0)) for c in COMPARISONS}

    def milestones(self) -> Block:
        """Each named undertaking: what the plan asked by its year, the latest reported event, and how that
        compares (超出规划要求 / 符合 / 滞后 / 暂无证据)."""
        m = self.undertakings
        if m.empty:
            return Block().md("本篇没有列出具名的重大工程。")
        rows = []
        for t in m.to_dict("records"):
            latest, verdict = t["latest"], t["对照"]
            if latest is None:
                event = "暂无公开进展"
            else:
                part = "（部分工程）" if latest["scope"] == "部分" else ""
                src = self.ds.sources_by_id.get(latest["source_id"], {})
                event = (f"{esc(latest['status'])}{part}，{esc(latest['date'])}：{esc(latest['note'])}"
                         f'<br><span class="pb-aside">{cite(src)}</span>')
            rows.append({"工程": f'{esc(t["name_zh"])}<br><span class="pb-id">{esc(t["target_id"])} · '
                               f'{esc(t["project_type"])}</span>',
                         "规划要求": f"{t['target_year']}年{esc(t['goal_status'])}", "最新进展": event,
                         "对照": f'<span class="pb-compare pb-compare-{COMPARISONS.index(verdict)}">{verdict}</span>'})
        c = self.milestone_counts()
        return (Block().html('<div id="pb-undertakings" class="pb-anchor"></div>')
                .md(f"对照规划要求：超出规划要求 {c['超出规划要求']} 项，符合 {c['符合']} 项，滞后 {c['滞后']} 项，"
                    f"暂无证据 {c['暂无证据']} 项。分段或单项工程的进展（标“部分工程”）只算作整体工程在建，"
                    "不算作整体建成。")
                .html(table(rows, ["工程", "规划要求", "最新进展", "对照"],
                            caption=f"{self.title}：重大工程与里程碑（{len(rows)} 项）", cls="pb-table pb-milestones")))

    # ---- sources and download -----------------------------------------------------------------------
    def used_sources(self) -> pd.DataFrame:
        sids = (set(self.select(None)["series_id"]) | set(self.targets["series_id"])) - {""}
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
        return Block().html('<div id="pb-sources" class="pb-anchor"></div>').html(
            sources_table(src.to_dict("records"), caption="本篇数据来源（先列原发布者与原文链接，所见转载页列后）"))

    def data(self) -> pd.DataFrame:
        """The chapter's targets, each with every observation of its series and the source of each figure."""
        rows = []
        src = self.ds.sources_by_id
        t = pd.concat([self.placed, self.targets]).drop_duplicates("target_id")
        for r in t.to_dict("records"):
            base = {k: r[k] for k in ("target_id", "name_zh", "name_en", "kind", "comparator", "unit", "baseline_year",
                                      "baseline_value", "target_year", "target_value", "attribute", "plan_ref",
                                      "series_id")}
            s = self.ds.series_by_id.get(r["series_id"], {})
            base.update(series_name_zh=s.get("name_zh", ""), series_unit=s.get("unit", ""))
            obs = self.ds.observed(r["series_id"], self.as_of_year) if r["series_id"] else pd.DataFrame()
            if obs.empty:
                rows.append(base)
            for o in obs.to_dict("records"):
                so = src.get(o["source_id"], {})
                rows.append({**base, "year": o["year"], "year_inferred": bool(o.get("year_inferred", False)),
                             "value": o["value"], "qualifier": o.get("qualifier", ""),
                             "status": o["status"], "note": o["note"], "grade": o.get("grade", ""),
                             "source_id": o["source_id"], "source_title": so.get("title", ""),
                             "source_publisher": so.get("publisher", ""),
                             "source_original_publisher": so.get("original_publisher", ""),
                             "source_published": so.get("published", ""), "source_url": so.get("url", ""),
                             "source_original_url": so.get("original_url", ""),
                             "source_url_warning": so.get("url_warning", "")})
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
        n_t = int(df["target_id"].nunique())
        return Block().md(f"{{download}}`下载本章数据（CSV，{n_t} 项目标、{n_obs} 个观测值及其来源和证据等级）"
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
            label = {"met": status_badge("achieved", "已实现"), "not_met": status_badge("missed", "未实现"),
                     "unknown": status_badge("not_assessable", "无法判断")}[verdict]
            rows.append({
                "指标": f'{esc(t["name_zh"])}<br><span class="pb-id">{esc(t["target_id"])}'
                        f'{" · " + esc(t["attribute"]) if t["attribute"] else ""}</span>',
                "2015年": esc(fmt.number(t["baseline_value"], t["baseline_unit"] or unit))
                if not fmt.missing(t["baseline_value"]) else "—",
                "2020年目标": self.goal(t),
                "2020年完成": esc(fmt.number(result["value"], unit)) if result is not None else "—",
                "对照": label,
            })
        b = Block()
        for key, v in counts.items():
            b.glue(f"k_{key}", v)
        b.glue("k_total", len(rows))
        return b.html(table(rows, ["指标", "2015年", "2020年目标", "2020年完成", "对照"],
                            caption="“十三五”规划主要指标：目标与规划所列完成情况（专栏1；说明见CSV下载）"))

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
                "西藏/全国": (esc(f"{fmt.number(c.value, unit)} / {fmt.number(c.benchmark, unit)}")
                             + (f"<br>（{esc(fmt.number(round(c.share, 1), '%'))}）" if c.share is not None else "")),
                "年均变化：西藏/全国": esc(f"{fmt.number(round(c.trend, 2), tr_unit)} / "
                                   f"{fmt.number(round(c.benchmark_trend, 2), tr_unit)}")
                if c.trend is not None and c.benchmark_trend is not None else "—",
                "2035年前追上所需（每年）": esc(fmt.number(round(c.required_trend, 2), tr_unit))
                if c.required_trend is not None else "—",
                "判断": esc(verdict) + (f"（{c.meet_year}年）" if c.meet_year and c.status != "reached" else ""),
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
            unit = self.ds.series_by_id[next(c for c in O.PAIRS if c[3] == label)[0]]["unit"]
            scale = alt.Scale(domain=["西藏", "全国"], range=[charts.OBSERVED, charts.TARGET])
            color = alt.Color("地区:N", scale=scale, legend=alt.Legend(title=None))
            tip = ["地区:N", "年份:Q", alt.Tooltip("数值:Q", format=",.2~f"), "类型:N"]
            obs = alt.Chart(d[d["类型"] == "公开数据"]).mark_line(point=True).encode(
                x=alt.X("年份:Q", axis=alt.Axis(format="d"), title=None),
                y=alt.Y("数值:Q", scale=alt.Scale(zero=False), title=f"{label}（{unit}）"), color=color, tooltip=tip)
            proj = alt.Chart(d[d["类型"] == "趋势外推"]).mark_line(strokeDash=[4, 4]).encode(
                x="年份:Q", y="数值:Q", color=color, tooltip=tip)
            desc = f"{label}：西藏与全国的公开数据（实线）及按各自趋势外推至{O.GOAL_YEAR}年（虚线）"
            b.md(f"### {esc(label)}")
            b.add(alt.layer(obs, proj).properties(width="container", height=220, description=desc))
        return b
