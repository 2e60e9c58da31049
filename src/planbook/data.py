"""Load and validate the data package in ``data/``.

Validation is done by Frictionless against ``datapackage.json`` (types, allowed values, required
cells, primary and foreign keys), followed by the checks a table schema cannot express (units of
observations against their series, shares within 0-100, sources of milestones and breaks).  Every
problem names the file, the row (as a line number of the CSV, header = line 1), the column and the
value, and says what was expected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from planbook.paths import DATA_DIR

RESOURCES = ("targets", "series", "observations", "sources", "milestones", "breaks", "plan_results",
             "main_indicators", "conflicts")

# Series measures: a share must lie in 0-100; a rate may be negative; a level is any number.
MEASURES = ("level", "share", "rate")


@dataclass(frozen=True)
class Problem:
    """One validation error, located in the data files."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        if self.value is not None:
            where += f", value {self.value!r}"
        return f"{where}: {self.message}"


class DataError(Exception):
    """Raised when data/ does not validate; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = [f"{len(problems)} problem(s) in data/:"] + [f"  - {p}" for p in problems[:50]]
        if len(problems) > 50:
            lines.append(f"  … and {len(problems) - 50} more")
        super().__init__("\n".join(lines))


def _schema(data_dir: Path) -> dict:
    return json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))


def _check_encoding(data_dir: Path, package: dict) -> list[Problem]:
    problems = []
    for res in package["resources"]:
        path = data_dir / res["path"]
        if not path.exists():
            problems.append(Problem(res["path"], None, None, None, "file is missing"))
            continue
        raw = path.read_bytes()
        if not raw.strip():
            problems.append(Problem(res["path"], None, None, None, "file is empty; expected a header row"))
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            problems.append(
                Problem(res["path"], line, None, raw[exc.start : exc.start + 4].hex(" "),
                        "not valid UTF-8 (saved as GBK or another encoding?); save the file as UTF-8")
            )
    return problems


def _frictionless_problems(data_dir: Path) -> list[Problem]:
    from frictionless import Package, system  # slow to import (~1 s); only validation needs it

    with system.use_context(trusted=True):
        package = Package(str(data_dir / "datapackage.json"))
        report = package.validate()
    problems = []
    for task in report.tasks:
        file = Path(task.place).name if task.place else task.name
        for err in task.errors:
            row = getattr(err, "row_number", None)
            col = getattr(err, "field_name", None)
            cell = getattr(err, "cell", None)
            if cell is None and getattr(err, "cells", None):
                cell = ",".join(str(c) for c in err.cells)
            problems.append(Problem(file, row, col, cell, f"{err.title}: {err.note}"))
    for err in report.errors:
        problems.append(Problem("datapackage.json", None, None, None, f"{err.title}: {err.note}"))
    return problems


def _read_raw(data_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(data_dir / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")


def _semantic_problems(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    problems: list[Problem] = []
    series = frames["series"].set_index("series_id")
    obs = frames["observations"]
    for i, row in obs.iterrows():
        line = int(i) + 2
        sid = row["series_id"]
        if sid not in series.index:
            continue  # reported by the foreign key check
        unit = series.at[sid, "unit"]
        if row["unit"] != unit:
            problems.append(Problem("observations.csv", line, "unit", row["unit"],
                                    f"series '{sid}' is measured in '{unit}'"))
        if series.at[sid, "measure"] == "share":
            try:
                v = float(row["value"])
            except ValueError:
                continue
            if not 0 <= v <= 100:
                problems.append(Problem("observations.csv", line, "value", row["value"],
                                        f"series '{sid}' is a share; expected a value between 0 and 100"))
    targets = frames["targets"]
    for i, row in targets.iterrows():
        line = int(i) + 2
        if row["kind"] == "milestone":
            if not row["goal_status"]:
                problems.append(Problem("targets.csv", line, "goal_status", "",
                                        "a milestone needs the status the plan asks for "
                                        "(前期工作/核准/开工/在建/建成/投产)"))
        elif row["kind"] != "milestone" and row["target_value"] == "" and row["note"] == "":
            problems.append(Problem("targets.csv", line, "target_value", "",
                                    "a numeric target without a value needs a note saying why"))
        if row["series_id"] and row["series_id"] in series.index and row["kind"] not in ("annual_growth", "milestone"):
            unit = series.at[row["series_id"], "unit"]
            if row["unit"] and row["kind"] not in ("cumulative_growth",) and row["unit"] != unit:
                problems.append(Problem("targets.csv", line, "unit", row["unit"],
                                        f"series '{row['series_id']}' is measured in '{unit}'"))
    for i, row in frames["series"].iterrows():
        if row["measure"] not in MEASURES:
            problems.append(Problem("series.csv", int(i) + 2, "measure", row["measure"],
                                    f"expected one of {', '.join(MEASURES)}"))
    problems += _plan_problems(frames)
    problems += _evidence_problems(frames)
    problems += _consistency_problems(frames)
    return problems


# Words with which the plan makes a bound hold every year (a ceiling or floor); without them a bound
# dated 2025 is a level to reach by 2025 (kind level with a comparator).
STANDING_WORDS = ("每年", "保持", "确保", "持续", "巩固", "清零", "不降低", "不增加", "零", "以上", "不低于", "不高于",
                  "红线", "底线", "没有")


def _plan_problems(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """The catalogue's own rules: standing bounds say why; every main indicator is placed in a part."""
    problems = []
    targets = frames["targets"]
    for i, row in targets.iterrows():
        standing = row["kind"] in ("ceiling", "floor") and row["target_value"] != ""
        if standing and target_group(row["target_id"], row["kind"]) != REVIEW \
                and not any(w in row["note"] for w in STANDING_WORDS):
            problems.append(Problem("targets.csv", int(i) + 2, "note", row["note"],
                                    f"a {row['kind']} holds every year only where the plan says so; quote the word "
                                    f"({'/'.join(STANDING_WORDS[:6])}…) in the note, or make it a level with a "
                                    "comparator"))
    main = set(targets[targets["target_id"].map(lambda t: target_group(t, "") == MAIN)]["target_id"])
    placed = frames["main_indicators"]
    for tid in sorted(main - set(placed["target_id"])):
        problems.append(Problem("main_indicators.csv", None, "target_id", tid,
                                "every main indicator needs a row: its category and the part that treats it"))
    return problems


# ---- evidence grades -------------------------------------------------------------------------------
GRADES = {
    "A": "统计部门的统计公报或数据发布",
    "B": "政府工作报告、预算报告、新闻发布会、白皮书或规划文本",
    "C": "官方媒体报道",
    "D": "只见于非官方的转载页或聚合页，未找到原发页面",
}
GRADE_KINDS = {"统计公报": "A", "统计发布": "A", "政府工作报告": "B", "新闻发布会": "B", "白皮书": "B", "规划纲要": "B",
               "媒体报道": "C"}


# Sites of the publishers themselves, of state media and of state bodies: a page there is not a mirror.
OFFICIAL_DOMAINS = ("gov.cn", "tibet.cn", "xzxw.com", "chinatibetnews.com", "news.cn", "xinhuanet.com",
                    "people.com.cn", "people.cn", "chinanews.com", "chinanews.com.cn", "ecns.cn", "cctv.com",
                    "cctv.cn", "cnr.cn", "chinadaily.com.cn", "gmw.cn", "china.org.cn", "cri.cn", "ce.cn",
                    "youth.cn", "jyb.cn", "chinawater.com.cn", "stats.gov.cn",
                    "tibetol.cn", "ctibet.com")  # 中国藏学研究中心; 西藏人民广播电台


def is_official(url: str) -> bool:
    """Whether a page is on a publisher's own site, a state medium's or a state body's."""
    host = url.split("//", 1)[-1].split("/", 1)[0].split(":")[0].lower()
    return any(host == d or host.endswith("." + d) for d in OFFICIAL_DOMAINS)


def evidence_grade(kind: str, original: str, original_url: str, url: str = "") -> str:
    """The grade of a source (:data:`GRADES`): what kind of publication the figure comes from, or D when it
    was read only on a mirror or aggregator (a reprint off the official sites) whose original page was not
    located.  A reprint by a state medium (a tibet.cn page of a 西藏日报 article) is graded by its kind."""
    if original == "转载" and not original_url and not is_official(url):
        return "D"
    return GRADE_KINDS[kind]


def _evidence_problems(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    problems = []
    for i, row in frames["sources"].iterrows():
        if row["original"] == "转载" and (not row["original_publisher"] or "未注明" in row["original_publisher"]):
            problems.append(Problem("sources.csv", int(i) + 2, "original_publisher", row["original_publisher"],
                                    "a reprint names the original publisher it reproduces"))
        if row["original"] == "原文" and row["original_url"]:
            problems.append(Problem("sources.csv", int(i) + 2, "original_url", row["original_url"],
                                    "only a reprint has an original_url (the page read is the original)"))
    return problems


# ---- consistency of the figures --------------------------------------------------------------------
GROWTH_TOLERANCE = 0.5  # percentage points between a published rate and the rate its two levels imply


def _consistency_problems(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Rates that disagree with their levels; later figures that merely repeat the plan's baseline."""
    problems = []
    obs = frames["observations"]
    value = {}
    for i, r in obs.iterrows():
        try:
            value[(r["series_id"], int(r["year"]))] = (float(r["value"]), int(i) + 2, r)
        except ValueError:
            continue  # reported by the schema check
    for s in frames["series"].to_dict("records"):
        level = s.get("growth_of", "")
        if not level:
            continue
        for (sid, year), (rate, line, _) in sorted(value.items()):
            if sid != s["series_id"] or (level, year) not in value or (level, year - 1) not in value:
                continue
            before, now = value[(level, year - 1)][0], value[(level, year)][0]
            implied = (now / before - 1) * 100 if before else None
            if implied is not None and abs(rate - implied) > GROWTH_TOLERANCE:
                problems.append(Problem("observations.csv", line, "value", str(rate),
                                        f"{sid} {year} disagrees with {level}: {before:g} → {now:g} is "
                                        f"{implied:.1f}%; use figures of one vintage, or record only one of them"))
    stated = [(t["target_id"], t["series_id"], t["baseline_year"], t["baseline_value"]) for t in
              frames["targets"].to_dict("records") if t["baseline_unit"] in ("", t["unit"])]
    series_of = dict(zip(frames["targets"]["target_id"], frames["targets"]["series_id"], strict=True))
    stated += [(r["target_id"], series_of.get(r["target_id"], ""), r["year"], r["value"])  # 2020 results
               for r in frames["plan_results"].to_dict("records")]
    for tid, sid, base_year, base in stated:
        if not sid or not base or not base_year:
            continue
        for (osid, year), (v, line, r) in value.items():
            explained = any(w in r["note"] for w in ("规划", "基期", "未变"))
            if osid == sid and year > int(base_year) and v == float(base) and not explained \
                    and not r["qualifier"]:  # a bound (5%以内) is not a restated figure
                problems.append(Problem("observations.csv", line, "value", r["value"],
                                        f"{sid} {year} equals the plan's {base_year} figure for "
                                        f"{tid}; a restated baseline is not a later figure — check the "
                                        "page, and say in the note (规划…) if the figure truly did not change"))
    return problems


def validate(data_dir: Path | str = DATA_DIR) -> list[Problem]:
    """Return every problem found in ``data_dir`` (empty list when the data are valid)."""
    data_dir = Path(data_dir)
    package = _schema(data_dir)
    problems = _check_encoding(data_dir, package)
    if problems:
        return problems
    problems = _frictionless_problems(data_dir)
    if problems:
        return problems
    frames = {name: _read_raw(data_dir, name) for name in RESOURCES}
    return _semantic_problems(frames)


# ---- the kinds of target -------------------------------------------------------------------------
# targets.csv ids say which list of the plan a row comes from (data/README.md); this is the one place
# that reads them.  Everything else asks the data model for a target's group.
MAIN = "main"  # m01…m25: the 25 main indicators of 专栏2
REVIEW = "review"  # k01…: the 13th plan's indicators reviewed in 专栏1 (target year 2020)
PART = "part"  # pNN_nnn with a number: another target of the 14th plan
UNDERTAKING = "undertaking"  # a named, dated undertaking (kind milestone)
GROUPS = (MAIN, REVIEW, PART, UNDERTAKING)
CATEGORIES = ("经济发展", "创新驱动", "民生福祉", "绿色生态", "安全保障")  # 专栏2's categories of main indicators


def target_group(target_id: str, kind: str) -> str:
    """The list of the plan a target belongs to (one of :data:`GROUPS`)."""
    if kind == "milestone":
        return UNDERTAKING
    return {"m": MAIN, "k": REVIEW}.get(target_id[:1], PART)


def _to_numeric(df: pd.DataFrame, cols: list[str], integer: bool = False) -> pd.DataFrame:
    for c in cols:
        s = pd.to_numeric(df[c].replace("", None))
        df[c] = s.astype("Int64") if integer else s.astype("Float64")
    return df


@dataclass(frozen=True)
class Dataset:
    """All tables of data/, typed.  Build with :func:`load`."""

    targets: pd.DataFrame
    series: pd.DataFrame
    observations: pd.DataFrame
    sources: pd.DataFrame
    milestones: pd.DataFrame
    breaks: pd.DataFrame
    plan_results: pd.DataFrame
    main_indicators: pd.DataFrame
    conflicts: pd.DataFrame
    data_dir: Path = field(default=DATA_DIR)
    reads: str = ""  # the declaration the rows were selected by, when not all of data/

    @cached_property
    def series_by_id(self) -> dict[str, dict]:
        return {r["series_id"]: r for r in self.series.to_dict("records")}

    # ---- targets by group ---------------------------------------------------------------------
    def group(self, *groups: str) -> pd.DataFrame:
        """The targets of the given groups (see :data:`GROUPS`), in file order."""
        return self.targets[self.targets["group"].isin(groups)].reset_index(drop=True)

    @property
    def plan_targets(self) -> pd.DataFrame:
        """The 14th plan's own commitments: main indicators, other targets and undertakings (not 专栏1)."""
        return self.group(MAIN, PART, UNDERTAKING)

    @cached_property
    def sources_by_id(self) -> dict[str, dict]:
        return {r["source_id"]: r for r in self.sources.to_dict("records")}

    def observed(self, series_id: str, as_of: int | None = None) -> pd.DataFrame:
        """Observations of one series, sorted by year, up to ``as_of`` (inclusive).

        A series this dataset does not hold raises :class:`KeyError`: a page reads only the series it
        declares (see :mod:`planbook.inputs`), so an undeclared read fails instead of showing nothing.
        """
        if series_id not in self.series_by_id:
            raise KeyError(f"series '{series_id}' is not in this dataset"
                           + (f" (the page reads {self.reads})" if self.reads else ""))
        o = self.observations[self.observations["series_id"] == series_id]
        if as_of is not None:
            o = o[o["year"] <= as_of]
        return o.sort_values("year").reset_index(drop=True)

    def breaks_of(self, series_id: str) -> list[int]:
        b = self.breaks[self.breaks["series_id"] == series_id]
        return sorted(int(y) for y in b["year"])


def read_frames(data_dir: Path | str = DATA_DIR) -> dict[str, pd.DataFrame]:
    """Every table of data/ as text, exactly as in the files (what selections and hashes work on)."""
    return {name: _read_raw(Path(data_dir), name) for name in RESOURCES}


def load(data_dir: Path | str = DATA_DIR, validate_first: bool = True) -> Dataset:
    """Read data/ into a :class:`Dataset`; raise :class:`DataError` if it does not validate."""
    data_dir = Path(data_dir)
    if validate_first:
        problems = validate(data_dir)
        if problems:
            raise DataError(problems)
    return typed(read_frames(data_dir), data_dir)


def typed(frames: dict[str, pd.DataFrame], data_dir: Path | str = DATA_DIR, reads: str = "") -> Dataset:
    """A :class:`Dataset` from text tables (all of data/, or the rows a page selected)."""
    f = {name: frames[name].copy() for name in RESOURCES}
    f["main_indicators"] = _to_numeric(f["main_indicators"], ["part"], integer=True)
    f["main_indicators"] = _to_numeric(f["main_indicators"], ["plan_change"])
    f["conflicts"] = _to_numeric(f["conflicts"], ["year"], integer=True)
    src = f["sources"]
    src["grade"] = [evidence_grade(k, o, ou, u) for k, o, ou, u in
                    zip(src["kind"], src["original"], src["original_url"], src["url"], strict=True)]
    f["observations"]["grade"] = f["observations"]["source_id"].map(dict(zip(src["source_id"], src["grade"],
                                                                            strict=True))).fillna("")
    f["targets"] = _to_numeric(f["targets"], ["part", "chapter", "box", "baseline_year", "target_year"], integer=True)
    f["targets"] = _to_numeric(f["targets"], ["baseline_value", "target_value"])
    f["observations"] = _to_numeric(f["observations"], ["year"], integer=True)
    f["observations"] = _to_numeric(f["observations"], ["value"])
    f["observations"]["year_inferred"] = f["observations"]["year_inferred"].str.lower().isin(["true", "1"])
    f["breaks"] = _to_numeric(f["breaks"], ["year"], integer=True)
    f["plan_results"] = _to_numeric(f["plan_results"], ["year"], integer=True)
    f["plan_results"] = _to_numeric(f["plan_results"], ["value"])
    f["series"]["higher_is_better"] = f["series"]["higher_is_better"].map(
        {"true": True, "false": False, "": None}
    )
    t = f["targets"]
    t["group"] = [target_group(i, k) for i, k in zip(t["target_id"], t["kind"], strict=True)]
    return Dataset(data_dir=Path(data_dir), reads=reads, **f)
