"""The bundled data: valid, keyed, sourced, and the catalogue as the plan states it."""

import re

import pandas as pd
import pytest

from planbook import data, paths

# 专栏2 of the plan: (name fragment, 2020 baseline, 2025 target, attribute)
MAIN = {
    "m01": ("地区生产总值", 1902.7, 7.5, "预期性"), "m02": ("城镇化率", 32, 40, "预期性"),
    "m03": ("旅游总收入", 366, 10, "预期性"), "m04": ("清洁能源", 1020, 2500, "预期性"),
    "m05": ("研发经费", None, 5, "预期性"), "m06": ("发明专利", 2.03, 2.14, "预期性"),
    "m07": ("城镇居民", 41156, 8, "预期性"), "m08": ("农村居民", 14598, 10, "预期性"),
    "m09": ("失业率", 5.0, 5.0, "预期性"), "m10": ("受教育年限", 10.2, 10.7, "约束性"),
    "m11": ("医师", 2.58, 2.7, "预期性"), "m12": ("养老保险", 95, 95.5, "预期性"),
    "m13": ("义务教育巩固率", 95.03, 97, "预期性"), "m14": ("预期寿命", 71.1, 72.3, "预期性"),
    "m15": ("能源消耗", None, None, "约束性"), "m16": ("二氧化碳", None, None, "约束性"),
    "m17": ("空气质量", 98, 98, "约束性"), "m18": ("地表水", 100, 100, "约束性"),
    "m19": ("森林覆盖率", 12.31, 12.45, "约束性"), "m20": ("草原综合植被盖度", 47, 48, "约束性"),
    "m21": ("耕地保有量", 592, 592, "约束性"), "m22": ("污水处理率", 75.4, 85, "预期性"),
    "m23": ("垃圾无害化", 96.76, 98, "预期性"), "m24": ("青稞产量", 80, 85, "预期性"),
    "m25": ("边境地区人口", None, 10, "预期性"),
}


def test_bundled_data_validates():
    assert data.validate(paths.DATA_DIR) == []


def test_main_indicators_exactly_as_the_plan_states(ds):
    m = ds.targets[ds.targets["target_id"].str.fullmatch(r"m\d\d")].set_index("target_id")
    assert list(m.index) == [f"m{i:02d}" for i in range(1, 26)]
    for tid, (name, base, goal, attr) in MAIN.items():
        row = m.loc[tid]
        assert name in row["name_zh"], tid
        assert row["attribute"] == attr, tid
        assert row["box"] == 2 and row["part"] == 1 and row["chapter"] == 2, tid
        assert (pd.isna(row["baseline_value"]) if base is None else row["baseline_value"] == pytest.approx(base)), tid
        assert (pd.isna(row["target_value"]) if goal is None else row["target_value"] == pytest.approx(goal)), tid
        assert row["target_year"] == 2025 and f"第{int(tid[1:])}行" in row["plan_ref"], tid


def test_catalogue_size(ds):
    t = ds.targets
    numeric = ds.group(data.PART, data.REVIEW)
    numeric = numeric[numeric["part"].between(1, 10)]
    milestones = ds.group(data.UNDERTAKING)
    milestones = milestones[milestones["part"].between(1, 10)]
    assert len(numeric) >= 110  # the other numeric targets of parts 1-10 and the 13th-plan review rows
    assert len(milestones) >= 80
    assert set(t["part"]) == set(range(1, 12))
    # every row of 专栏1 is there (k01…), with 2020 as its target year
    k = ds.group(data.REVIEW)
    assert len(k) >= 30 and set(k["target_year"]) == {2020} and set(k["box"]) == {1}


def test_every_target_locates_itself_in_the_plan(ds):
    pat = re.compile(r"^第[一二三四五六七八九十]+篇/")
    assert ds.targets["plan_ref"].map(lambda s: bool(pat.match(s))).all()
    chapters = {1: (1, 2), 2: (3, 5), 3: (6, 9), 4: (10, 12), 5: (13, 18), 6: (19, 21), 7: (22, 24), 8: (25, 28),
                9: (29, 30), 10: (31, 33), 11: (34, 35)}
    for r in ds.targets.to_dict("records"):
        lo, hi = chapters[r["part"]]
        assert lo <= r["chapter"] <= hi, r["target_id"]


def test_every_observation_has_a_followable_source(ds):
    src = ds.sources.set_index("source_id")
    used = set(ds.observations["source_id"]) | set(ds.milestones["source_id"]) | set(ds.plan_results["source_id"])
    assert used <= set(src.index)
    for sid in used:
        s = src.loc[sid]
        assert s["title"] and s["publisher"], sid
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", s["published"]), sid
        assert re.match(r"https?://", s["url"]), sid
        if s["original"] == "转载":
            assert s["original_publisher"], f"{sid}: a reprint names who it credits"


def test_units_match_their_series(ds):
    units = ds.series.set_index("series_id")["unit"]
    assert (ds.observations["unit"] == ds.observations["series_id"].map(units)).all()


def test_one_value_per_series_and_year(ds):
    assert not ds.observations.duplicated(["series_id", "year"]).any()


def test_priority_series_cover_2020_to_2025(ds):
    for sid in ("gdp", "gdp_real_growth", "rural_income", "tourism_revenue"):
        years = set(ds.observed(sid)["year"])
        assert set(range(2020, 2026)) <= years, sid


def test_shares_are_within_0_and_100(ds):
    shares = set(ds.series[ds.series["measure"] == "share"]["series_id"])
    o = ds.observations[ds.observations["series_id"].isin(shares)]
    assert o["value"].between(0, 100).all()


def test_urbanization_break_is_recorded(ds):
    assert 2020 in ds.breaks_of("urbanization_rate")
