"""The chapters' analyses: growth paths, indices, ratios and progress shares."""

import pytest

from planbook import analysis as N
from planbook import assess as A


def test_index_from_rates_compounds_and_stops_at_a_gap():
    idx = N.index_from_rates({2021: 10.0, 2022: 10.0, 2024: 5.0}, 2020)
    assert idx == {2020: 100.0, 2021: pytest.approx(110.0), 2022: pytest.approx(121.0)}  # 2023 missing: stop


def test_growth_shortfall_against_a_required_rate():
    s = N.growth_shortfall({2021: 6.7, 2022: 1.1, 2023: 9.5, 2024: 6.3, 2025: 7.0}, 2020, 7.5)
    assert s["end"] == 2025
    assert s["actual"] == pytest.approx(100 * 1.067 * 1.011 * 1.095 * 1.063 * 1.07)
    assert s["required"] == pytest.approx(100 * 1.075 ** 5)
    assert s["shortfall_pct"] == pytest.approx((s["actual"] / s["required"] - 1) * 100)
    assert s["shortfall_pct"] < 0 and s["average"] == pytest.approx(6.08, abs=0.01)


def test_required_path_of_a_growth_rate_and_index_and_ratio():
    # part 4 draws a nominal growth target's path from the assessment (10 %/yr from 100 in 2020)
    target = {"target_year": 2022, "target_value": 10.0, "kind": "growth"}
    req = dict(A.required_path(target, {"method": "cagr_of_levels", "baseline_year": 2020, "baseline_value": 100.0}))
    assert req == {2020: 100.0, 2021: pytest.approx(110.0), 2022: pytest.approx(121.0)}
    assert N.indexed({2018: 50.0, 2020: 25.0, 2021: 75.0}, 2018) == {2018: 100.0, 2020: 50.0, 2021: 150.0}
    assert N.indexed({2020: 25.0}, 2018) == {}
    assert N.ratio({2020: 50.0, 2021: 60.0}, {2021: 120.0, 2022: 1.0}) == {2021: 50.0}


def test_progress_share():
    assert N.progress_share(47.0, 47.5, 48.0, 2020, 2021, 2025) == (pytest.approx(0.5), pytest.approx(0.2))
    assert N.progress_share(100.0, 100.0, 100.0, 2020, 2024, 2025)[0] is None


def test_points_and_frame(ds):
    p = N.points(ds, "gdp_real_growth", 2025, since=2021)
    assert min(p) >= 2021 and max(p) <= 2025 and all(isinstance(v, float) for v in p.values())
    f = N.frame({"a": {2020: 1.0}, "b": {2021: 2.0, 2020: 3.0}})
    assert list(f.columns) == ["年份", "系列", "数值"] and list(f["年份"]) == [2020, 2020, 2021]
