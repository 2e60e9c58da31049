"""Unit and property tests of the assessment method, per target kind and at the edges."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import LEVEL, RATE, SHARE, obs, target
from planbook import assess as A
from planbook.assess import needed_value


def test_level_on_track_growth_ratio():
    # required CAGR 100->150 over 5 years = 8.45 %; observed 100->130 over 3 years = 9.14 %
    a = A.assess_target(target(), obs({2020: 100, 2023: 130}), 2025, series=LEVEL)
    assert a.method == "growth_ratio"
    assert a.required_rate == pytest.approx(((150 / 100) ** 0.2 - 1) * 100)
    assert a.observed_rate == pytest.approx(((130 / 100) ** (1 / 3) - 1) * 100)
    assert a.ratio == pytest.approx(a.observed_rate / a.required_rate)
    assert a.status == "on_track" and a.status_zh == "符合预期"
    assert a.final_2025 == "unknown"


@pytest.mark.parametrize("latest, status",
                         [(120, "acceleration_needed"), (104, "limited_progress"), (95, "deterioration")])
def test_level_categories(latest, status):
    a = A.assess_target(target(), obs({2020: 100, 2023: latest}), 2025, series=LEVEL)
    assert a.status == status


def test_level_achieved_early_and_final_met():
    a = A.assess_target(target(), obs({2020: 100, 2023: 151}), 2025, series=LEVEL)
    assert a.status == "achieved" and a.status_zh == "提前实现" and a.final_2025 == "unknown"
    a = A.assess_target(target(), obs({2020: 100, 2025: 151}), 2025, series=LEVEL)
    assert a.status == "achieved" and a.status_zh == "已完成" and a.final_2025 == "met" and a.gap == pytest.approx(1)


def test_missed_at_target_year_is_never_on_track():
    """Once the target year's figure is out, the status is the final verdict, with the size of the gap."""
    a = A.assess_target(target(), obs({2020: 100, 2025: 149}), 2025, series=LEVEL)
    assert a.ratio > A.ON_TRACK
    assert a.status == "missed" and a.status_zh == "未完成" and a.final_2025 == "not_met"
    assert a.gap == pytest.approx(-1)


def test_as_of_ignores_later_years():
    a = A.assess_target(target(), obs({2020: 100, 2022: 110, 2025: 160}), 2023, series=LEVEL)
    assert a.latest_year == 2022 and a.status != "achieved"


def test_one_data_point_is_insufficient():
    a = A.assess_target(target(), obs({2020: 100}), 2025, series=LEVEL)
    assert a.status == "insufficient_data" and a.latest_year is None


def test_no_points_and_no_plan_baseline_is_insufficient():
    a = A.assess_target(target(base=None), obs({}), 2025, series=LEVEL)
    assert a.status == "insufficient_data"


def test_plan_baseline_used_when_baseline_year_unpublished():
    a = A.assess_target(target(), obs({2023: 130}), 2025, series=LEVEL)
    assert a.baseline_value == 100 and a.latest_value == 130 and a.status == "on_track"


def test_published_baseline_preferred_and_noted():
    a = A.assess_target(target(), obs({2020: 102, 2023: 130}), 2025, series=LEVEL)
    assert a.baseline_value == 102
    assert "规划所列100" in a.caveat


def test_baseline_already_past_target():
    a = A.assess_target(target(base=(2020, 160), goal=(2025, 150), comparator=">="), obs({2020: 160, 2022: 155}), 2025,
                        series=LEVEL)
    assert a.status == "achieved"
    a = A.assess_target(target(base=(2020, 160), goal=(2025, 150), comparator=">="), obs({2020: 160, 2022: 140}), 2025,
                        series=LEVEL)
    assert a.status == "deterioration"


def test_target_equal_to_baseline():
    t = target(base=(2020, 592), goal=(2025, 592), unit="万亩")
    assert A.assess_target(t, obs({2020: 592, 2023: 592}), 2025, series=LEVEL).status == "achieved"
    assert A.assess_target(t, obs({2020: 592, 2023: 590}), 2025, series=LEVEL).status == "deterioration"


def test_lower_is_better_level():
    t = target(base=(2020, 10.0), goal=(2025, 5.0), comparator="<=", unit="%")
    a = A.assess_target(t, obs({2020: 10, 2023: 6.5}), 2025, series={**SHARE, "higher_is_better": False})
    assert a.required_rate < 0 and a.observed_rate < 0
    assert a.status == "on_track"
    a = A.assess_target(t, obs({2020: 10, 2023: 11}), 2025, series={**SHARE, "higher_is_better": False})
    assert a.status == "deterioration"


def test_zero_or_negative_values_use_distance_share():
    t = target(base=(2020, 0.0), goal=(2025, 10.0))
    a = A.assess_target(t, obs({2020: 0, 2023: 6}), 2025, series=LEVEL)
    assert a.method == "distance_share"
    assert a.ratio == pytest.approx((6 / 10) / (3 / 5))
    t = target(base=(2020, -2.0), goal=(2025, 3.0))
    a = A.assess_target(t, obs({2020: -2, 2022: -3}), 2025, series=LEVEL)
    assert a.status == "deterioration"


def test_share_near_limit_uses_distance_share():
    t = target(base=(2020, 95.03), goal=(2025, 97.0), unit="%")
    a = A.assess_target(t, obs({2020: 95.03, 2022: 95.5}), 2025, series=SHARE)
    assert a.method == "distance_share"
    assert a.ratio == pytest.approx(((95.5 - 95.03) / (97 - 95.03)) / (2 / 5))
    assert a.status == "limited_progress"


def test_cumulative_change_and_growth():
    t = target(kind="cumulative_change", base=(2020, 10.2), goal=(2025, 0.5), unit="年")
    a = A.assess_target(t, obs({2020: 10.2, 2025: 10.7}), 2025, series={**LEVEL, "unit": "年"})
    assert a.goal_value == pytest.approx(10.7) and a.status == "achieved" and a.final_2025 == "met"
    t = target(kind="cumulative_growth", base=(2020, 40.0), goal=(2025, 10.0), unit="%", baseline_unit="万人")
    a = A.assess_target(t, obs({2020: 40, 2023: 42}), 2025, series={**LEVEL, "unit": "万人"})
    assert a.goal_value == pytest.approx(44.0)


def test_real_growth_rates_geometric_mean():
    t = target(kind="annual_growth", base=(2020, 1902.7), goal=(2025, 7.5), unit="%", baseline_unit="亿元")
    rates = {2020: 7.8, 2021: 6.7, 2022: 1.1, 2023: 9.5, 2024: 6.3, 2025: 7.0}
    a = A.assess_target(t, obs(rates), 2025, series=RATE)
    expect = (math.prod(1 + r / 100 for y, r in rates.items() if y > 2020) ** (1 / 5) - 1) * 100
    assert a.method == "mean_of_rates" and a.observed_rate == pytest.approx(expect)
    assert a.final_2025 == "not_met" and a.status == "missed" and a.rate_unit == "%"
    assert a.gap == pytest.approx(round(expect, 2) - 7.5)


def test_real_growth_rates_with_a_gap_defers_the_final_verdict():
    t = target(kind="annual_growth", base=(2020, 1902.7), goal=(2025, 5.0), unit="%", baseline_unit="亿元")
    a = A.assess_target(t, obs({2021: 6.0, 2023: 6.0, 2024: 6.0, 2025: 6.0}), 2025, series=RATE)
    assert a.final_2025 == "unknown" and "2022" in a.caveat


def test_nominal_growth_uses_cagr_of_levels():
    t = target(kind="annual_growth", base=(2020, 41156), goal=(2025, 8), comparator=">=", unit="%", baseline_unit="元")
    a = A.assess_target(t, obs({2020: 41156, 2025: 58794}), 2025, series={**LEVEL, "unit": "元"})
    assert a.method == "cagr_of_levels"
    assert a.observed_rate == pytest.approx(((58794 / 41156) ** 0.2 - 1) * 100)
    assert a.final_2025 == "not_met"
    a = A.assess_target(t, obs({2020: 41156, 2023: 52000}), 2025, series={**LEVEL, "unit": "元"})
    assert a.status == "on_track" and a.final_2025 == "unknown"


def test_ceiling_and_floor_year_by_year():
    t = target(kind="ceiling", base=(2020, 5.0), goal=(2025, 5.0), comparator="<=", unit="%")
    a = A.assess_target(t, obs({2021: 4.9, 2022: 5.5, 2023: 4.8}), 2025, series=SHARE)
    # a standing bound breached in 2022 is missed for the period, whatever 2023 shows: one verdict per row
    assert a.status == "missed" and a.status_zh == "未完成" and a.final_2025 == "not_met" and "2022" in a.caveat
    a = A.assess_target(t, obs({2021: 4.9, 2023: 4.8}), 2025, series=SHARE)
    assert a.status == "achieved" and a.status_zh == "已实现"  # a standing bound kept is not "reached early"
    t = target(kind="floor", base=(2020, 98.0), goal=(2025, 98.0), comparator=">=", unit="%")
    a = A.assess_target(t, obs({2021: 99.0, 2025: 99.5}), 2025, series=SHARE)
    assert a.status == "achieved" and a.final_2025 == "met"
    a = A.assess_target(t, obs({2021: 99.0, 2024: 97.0}), 2025, series=SHARE)
    assert a.status == "missed" and a.final_2025 == "not_met"


def test_no_target_value_is_not_assessable():
    t = target(kind="ceiling", base=None, goal=(2025, None), unit="%")
    assert A.assess_target(t, obs({2021: -3.0}), 2025, series=RATE).status == "not_assessable"


def test_break_in_series_sets_plan_baseline_aside():
    t = target(base=(2020, 32.0), goal=(2025, 40.0), comparator=">=", unit="%")
    a = A.assess_target(t, obs({2019: 31.5, 2020: 35.73, 2023: 38.88}), 2025, breaks=[2020], series=SHARE)
    assert a.baseline_value == 35.73 and a.baseline_year == 2020
    assert "口径" in a.caveat
    a = A.assess_target(t, obs({2019: 31.5, 2023: 38.88}), 2025, breaks=[2020], series=SHARE)
    assert a.status == "insufficient_data"  # the only post-break figure has no comparable baseline


def test_row_has_the_csv_columns():
    a = A.assess_target(target(), obs({2020: 100, 2023: 130}), 2025, series=LEVEL)
    assert list(a.row()) == A.CSV_COLUMNS
    assert a.row()["status"] in A.STATUSES


ORDER = ["missed", "deterioration", "limited_progress", "acceleration_needed", "on_track", "achieved"]


@settings(max_examples=200, deadline=None)
@given(base=st.floats(1, 1e4), goal_mult=st.floats(1.01, 3), latest_mult=st.floats(0.5, 3), bump=st.floats(0, 2),
       year=st.integers(2021, 2025))
def test_raising_latest_value_never_worsens_status(base, goal_mult, latest_mult, bump, year):
    t = target(base=(2020, base), goal=(2025, base * goal_mult))
    lo = A.assess_target(t, obs({2020: base, year: base * latest_mult}), 2025, series=LEVEL)
    hi = A.assess_target(t, obs({2020: base, year: base * (latest_mult + bump)}), 2025, series=LEVEL)
    assert ORDER.index(hi.status) >= ORDER.index(lo.status)


@settings(max_examples=200, deadline=None)
@given(base=st.floats(50, 99), target_pts=st.floats(0.1, 1), latest=st.floats(0, 100), year=st.integers(2021, 2025))
def test_share_status_is_monotonic_and_achieved_iff_target_reached(base, target_pts, latest, year):
    goal = min(100.0, base + target_pts)
    t = target(base=(2020, base), goal=(2025, goal), comparator=">=", unit="%")
    a = A.assess_target(t, obs({2020: base, year: latest}), 2025, series=SHARE)
    assert (a.status == "achieved") == (latest >= goal - 1e-9)
    b = A.assess_target(t, obs({2020: base, year: min(100.0, latest + 1)}), 2025, series=SHARE)
    assert ORDER.index(b.status) >= ORDER.index(a.status)


@settings(max_examples=100, deadline=None)
@given(rates=st.lists(st.floats(-5, 15), min_size=5, max_size=5), goal=st.floats(1, 10))
def test_mean_of_rates_between_min_and_max(rates, goal):
    t = target(kind="annual_growth", base=(2020, 1.0), goal=(2025, goal), unit="%", baseline_unit="亿元")
    a = A.assess_target(t, obs(dict(zip(range(2021, 2026), rates, strict=True))), 2025, series=RATE)
    assert min(rates) - 1e-9 <= a.observed_rate <= max(rates) + 1e-9
    assert a.final_2025 == ("met" if round(a.observed_rate, 1) >= goal else "not_met")


def test_benchmark_targets_follow_the_data(ds):
    """Income 'reaching the national average': achieved when at least the national figure, else by trend."""
    df = A.assess_all(ds, 2025).set_index("target_id")
    urban, rural = ds.observed("urban_income"), ds.observed("rural_income")
    nat_u, nat_r = ds.observed("national_urban_income"), ds.observed("national_rural_income")
    u25 = float(urban[urban.year == 2025].value.iloc[0]) >= float(nat_u[nat_u.year == 2025].value.iloc[0])
    r25 = float(rural[rural.year == 2025].value.iloc[0]) >= float(nat_r[nat_r.year == 2025].value.iloc[0])
    assert (df.loc["p01_006", "final_2025"] == "met") == u25
    assert (df.loc["p01_007", "final_2025"] == "met") == r25
    assert (df.loc["p01_001", "status"] == "achieved") == u25
    if not r25:
        assert df.loc["p01_002", "status"] in ("on_track", "acceleration_needed", "limited_progress")
        assert "%" in df.loc["p01_002", "caveat"]


def test_as_of_2023_differs_from_2025_exactly_where_the_data_do(ds):
    a23 = A.assess_all(ds, 2023).set_index("target_id")
    a25 = A.assess_all(ds, 2025).set_index("target_id")
    late = set(ds.observations[ds.observations["year"].between(2024, 2025)]["series_id"])
    t = ds.targets.set_index("target_id")
    for tid in a25.index:
        reads = {t.loc[tid, "series_id"], t.loc[tid, "benchmark_series_id"]} - {""}
        same = a23.loc[tid].fillna("").to_dict() == a25.loc[tid].fillna("").to_dict()
        if t.loc[tid, "target_year"] <= 2023 or not (reads & late):
            assert same, tid
        assert a23.loc[tid, "latest_year"] != a23.loc[tid, "latest_year"] or a23.loc[tid, "latest_year"] <= 2023
    changed = [tid for tid in a25.index if a23.loc[tid].fillna("").to_dict() != a25.loc[tid].fillna("").to_dict()]
    assert changed, "the 2024-2025 figures change some verdicts"


# ---- qualified figures (左右 / 以上 / 以内) -----------------------------------------------------------

def test_lower_bound_below_target_is_named_and_may_understate():
    a = A.assess_target(target(), obs({2020: 100, 2023: 120}, {2023: "以上"}), 2025, series=LEVEL)
    plain = A.assess_target(target(), obs({2020: 100, 2023: 120}), 2025, series=LEVEL)
    assert a.status == plain.status == "acceleration_needed"  # assessed at the printed number
    assert a.latest_qualifier == "以上" and plain.latest_qualifier == ""
    assert "2023年数字原文为“120以上”（下限）" in a.caveat
    assert "实际进展可能更好" in a.caveat
    assert "原文" not in plain.caveat


def test_upper_bound_within_ceiling_is_met_without_doubt():
    t = target(kind="ceiling", base=(2020, 5.0), goal=(2025, 5.0), comparator="<=", unit="%")
    rate = {"unit": "%", "measure": "share", "higher_is_better": False}
    a = A.assess_target(t, obs({2020: 5.0, 2024: 5.0}, {2024: "以内"}), 2025, series=rate)
    assert a.status == "achieved" and a.latest_qualifier == "以内"
    assert "（上限）" in a.caveat and "可能" not in a.caveat
    # a year that breached the bound is named with its word too: each year counts for a bound
    a = A.assess_target(t, obs({2020: 5.0, 2022: 5.5, 2024: 5.0}, {2022: "左右", 2024: "以内"}), 2025, series=rate)
    assert a.final_2025 == "not_met" and "2022年数字原文为“5.5左右”（约数）" in a.caveat


def test_bound_in_the_unfavourable_direction_warns():
    a = A.assess_target(target(), obs({2020: 100, 2025: 160}, {2025: "以内"}), 2025, series=LEVEL)
    assert a.status == "achieved"
    assert "实际进展可能更差" in a.caveat


def test_approximate_baseline_is_named_but_unused_years_are_not():
    a = A.assess_target(target(), obs({2020: 100, 2021: 104, 2023: 130}, {2020: "左右", 2021: "左右"}), 2025,
                        series=LEVEL)
    assert "2020年数字原文为“100左右”（约数）" in a.caveat
    assert "2021年" not in a.caveat  # 2021 is neither the baseline nor the latest figure
    assert a.latest_qualifier == ""


def test_qualified_rates_inside_a_mean_are_named():
    t = target(kind="annual_growth", base=(2020, None), goal=(2025, 7.0), unit="%")
    a = A.assess_target(t, obs({2021: 6.0, 2022: 8.0, 2023: 7.0}, {2022: "左右"}), 2025, series=RATE)
    assert a.method == "mean_of_rates"
    assert "2022年数字原文为“8左右”（约数）" in a.caveat


def test_inferred_years_are_named_when_the_verdict_uses_them():
    a = A.assess_target(target(), obs({2020: 100, 2021: 110, 2023: 130}, inferred={2021, 2023}), 2025, series=LEVEL)
    assert a.latest_year_inferred is True
    assert "2023年数字的年份系据发布时间推断" in a.caveat and "2021年" not in a.caveat
    a = A.assess_target(target(), obs({2020: 100, 2021: 110, 2023: 130}, inferred={2021}), 2025, series=LEVEL)
    assert a.latest_year_inferred is False and "推断" not in a.caveat


# ---- needed_value (what the latest year would have needed), on synthetic targets --------------------
def test_needed_value_level_growth_ratio():
    t, o = target(), obs({2020: 100, 2023: 130})
    a = A.assess_target(t, o, 2025, series=LEVEL)
    r_req = (150 / 100) ** (1 / 5) - 1  # by hand: 8.447 % a year
    assert needed_value(t, a, o) == pytest.approx(100 * (1 + r_req) ** 3)
    assert needed_value(t, a, o) == pytest.approx(127.5425, abs=1e-4)
    assert a.row()["needed_value"] == pytest.approx(127.5425, abs=1e-3)  # the CSV row carries it


def test_needed_value_distance_share():
    t, o = target(base=(2020, 92.0), goal=(2025, 97.0), unit="%"), obs({2020: 92, 2022: 93})
    a = A.assess_target(t, o, 2025, series=SHARE)
    assert a.method == "distance_share"
    assert needed_value(t, a, o) == pytest.approx(92 + 5 * 2 / 5)


def test_needed_value_cumulative_change():
    t, o = target(kind="cumulative_change", goal=(2025, 50.0)), obs({2020: 100, 2024: 130})
    a = A.assess_target(t, o, 2025, series=LEVEL)
    assert needed_value(t, a, o) == pytest.approx(100 * 1.5 ** (4 / 5))


def test_needed_value_bounds():
    for kind in ("ceiling", "floor"):
        t, o = target(kind=kind, goal=(2025, 5.0)), obs({2020: 4, 2023: 6})
        a = A.assess_target(t, o, 2025, series=LEVEL)
        assert needed_value(t, a, o) == 5.0


def test_needed_value_growth_of_a_nominal_level():
    t = target(kind="annual_growth", base=(2020, 1000.0), goal=(2025, 8.0), unit="%")
    o = obs({2020: 1000, 2023: 1200})
    a = A.assess_target(t, o, 2025, series={"unit": "元", "measure": "level"})
    assert a.method == "cagr_of_levels"
    assert needed_value(t, a, o) == pytest.approx(1000 * 1.08 ** 3)


def test_needed_value_real_rate_series():
    t = target(kind="annual_growth", base=(2020, 1000.0), goal=(2025, 7.0), unit="%")
    o = obs({2019: 3.0, 2020: 2.0, 2021: 5.0, 2022: 6.0, 2023: 4.0})
    a = A.assess_target(t, o, 2025, series=RATE)
    assert a.method == "mean_of_rates"
    v = needed_value(t, a, o)
    assert v == pytest.approx((1.07 ** 3 / (1.05 * 1.06) - 1) * 100)
    assert A.geometric_mean_rate([5.0, 6.0, v]) == pytest.approx(7.0)


def test_needed_value_none_when_nothing_to_compute():
    t = target(goal=(2025, None))
    a = A.assess_target(t, obs({2020: 100}), 2025, series=LEVEL)
    assert needed_value(t, a, obs({2020: 100})) is None  # no target value
    t = target()
    a = A.assess_target(t, obs({2020: 100}), 2025, series=LEVEL)
    assert a.status == "insufficient_data" and needed_value(t, a, obs({2020: 100})) is None
    t, o = target(kind="annual_growth", goal=(2025, None), unit="%"), obs({2020: 100, 2021: 101})
    a = A.assess_target(t, o, 2025, series=LEVEL)
    assert a.status == "not_assessable" and needed_value(t, a, o) is None


# ---- the notebook ------------------------------------------------------------------------------


def test_a_row_never_contradicts_itself(ds):
    """Status and final verdict agree for every target of the book (the urban unemployment defect)."""
    df = A.assess_all(ds, 2025)
    assert not df.empty
    assert (df[df["final_2025"] == "met"]["status_zh"] == "已完成").all()
    assert (df[df["final_2025"] == "not_met"]["status"] == "missed").all()
    assert not df[df["final_2025"] != "unknown"]["status"].isin(A.TRAJECTORY).any()
    assert (df[df["status"] == "missed"]["final_2025"] == "not_met").all()
    m09 = df.set_index("target_id").loc["m09"]  # ≤5.0 dated 2025, judged on the 2025 figure
    assert m09["status"] != "missed" and m09["final_2025"] == "unknown"


def test_a_level_dated_2025_is_judged_on_its_2025_figure():
    t = target(kind="level", base=(2020, 5.0), goal=(2025, 5.0), comparator="<=", unit="%")
    a = A.assess_target(t, obs({2020: 5.0, 2022: 5.5, 2024: 4.9}), 2025, series=SHARE)
    assert a.status == "achieved" and a.final_2025 == "unknown"  # 2022 above 5.0 is on the way, not a verdict
    a = A.assess_target(t, obs({2020: 5.0, 2022: 4.5, 2025: 5.2}), 2025, series=SHARE)
    assert a.status == "missed" and a.final_2025 == "not_met"


def test_benchmark_trend_is_a_percentage_for_incomes(ds):
    df = A.assess_all(ds, 2025).set_index("target_id")
    for tid in df.index[df["method"] == "benchmark_trend"]:
        sid = df.loc[tid, "series_id"]
        expected = "%" if ds.series_by_id[sid]["measure"] == "level" else ds.series_by_id[sid]["unit"]
        assert df.loc[tid, "rate_unit"] == expected, tid


def test_urbanization_is_read_both_ways_across_the_census_break(ds):
    a = A.assess(ds, "m02", 2025)
    assert a.baseline_year == 2020 and a.plan_baseline_value == 32
    assert a.alt_goal_value == pytest.approx(a.baseline_value + 8) and a.alt_status
    assert "另一读法" in a.caveat and "结论采用规划所列水平值40%" in a.caveat


def test_a_verdict_resting_only_on_grade_d_figures_says_so():
    t = target()
    o = obs({2020: 100, 2023: 130})
    o["grade"] = ["D", "D"]
    assert A.GRADE_D_CAVEAT in A.assess_target(t, o, 2025, series=LEVEL).caveat
    o["grade"] = ["A", "D"]
    a = A.assess_target(t, o, 2025, series=LEVEL)
    assert A.GRADE_D_CAVEAT not in a.caveat and a.grades == "A、D"
