"""Bad data is caught before anything runs, with the file, row, column and what was expected."""

import csv

import pytest

from planbook import data


def _edit(path, fn):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
        cols = list(rows[0].keys())
    fn(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _problems(d):
    return [str(p) for p in data.validate(d)]


def _bad_cell(d, index: int, column: str, value: str) -> list[str]:
    """Set one observations.csv cell (``index`` counts data rows from 0) and return the problems found."""
    _edit(d / "observations.csv", lambda r: r[index].update({column: value}))
    return _problems(d)


def test_unknown_series(data_copy):
    msgs = _bad_cell(data_copy, 0, "series_id", "no_such_series")
    assert any("observations.csv" in m and "row 2" in m and "no_such_series" in m for m in msgs), msgs


def test_duplicate_series_year(data_copy):
    _edit(data_copy / "observations.csv", lambda r: r.append(dict(r[0])))
    msgs = _problems(data_copy)
    assert any("observations.csv" in m and "PrimaryKey" in m for m in msgs), msgs


def test_non_numeric_value(data_copy):
    msgs = _bad_cell(data_copy, 3, "value", "12,5")
    assert any("observations.csv, row 5, column 'value', value '12,5'" in m for m in msgs), msgs


def test_unit_not_matching_series(data_copy):
    def bad(rows):
        rows[0]["unit"] = "万元"
    _edit(data_copy / "observations.csv", bad)
    msgs = _problems(data_copy)
    assert any("row 2, column 'unit', value '万元'" in m and "measured in" in m for m in msgs), msgs


def test_year_out_of_range(data_copy):
    _edit(data_copy / "observations.csv", lambda r: r[0].update(year="2050"))
    msgs = _problems(data_copy)
    assert any("row 2, column 'year', value '2050'" in m for m in msgs), msgs


def test_missing_source(data_copy):
    _edit(data_copy / "observations.csv", lambda r: r[0].update(source_id="nowhere"))
    msgs = _problems(data_copy)
    assert any("observations.csv" in m and "nowhere" in m for m in msgs), msgs


def test_share_above_100(data_copy):
    def bad(rows):
        for r in rows:
            if r["series_id"] == "air_quality_good_days":
                r["value"] = "120"
                return
    _edit(data_copy / "observations.csv", bad)
    msgs = _problems(data_copy)
    assert any("value '120'" in m and "between 0 and 100" in m for m in msgs), msgs


def test_empty_file(data_copy):
    (data_copy / "sources.csv").write_text("", encoding="utf-8")
    msgs = _problems(data_copy)
    assert any("sources.csv" in m and "empty" in m for m in msgs), msgs


def test_gbk_file(data_copy):
    text = (data_copy / "series.csv").read_text(encoding="utf-8")
    (data_copy / "series.csv").write_bytes(text.encode("gbk", errors="replace"))
    msgs = _problems(data_copy)
    assert any("series.csv" in m and "UTF-8" in m for m in msgs), msgs


def test_load_raises_with_every_problem(data_copy):
    _edit(data_copy / "observations.csv", lambda r: r[0].update(year="1999"))
    with pytest.raises(data.DataError) as exc:
        data.load(data_copy)
    assert "observations.csv, row 2, column 'year'" in str(exc.value)


def test_unknown_qualifier(data_copy):
    msgs = _bad_cell(data_copy, 4, "qualifier", "大约")
    assert any("observations.csv, row 6, column 'qualifier', value '大约'" in m and "以上" in m for m in msgs), msgs


def test_year_inferred_must_be_a_boolean(data_copy):
    msgs = _bad_cell(data_copy, 2, "year_inferred", "maybe")
    assert any("observations.csv, row 4, column 'year_inferred', value 'maybe'" in m for m in msgs), msgs


# ---- the evidence and consistency checks (each reproduces a problem the data once held) ------------------
def _set(d, name, where, **values):
    def fn(rows):
        hit = [r for r in rows if where(r)]
        assert hit, f"no row of {name} to edit"
        hit[0].update(values)
    _edit(d / name, fn)


def test_a_forecast_rate_that_contradicts_the_levels_is_listed(data_copy):
    """2022 rural income growth was on file as a forecast of 10 左右 while the levels rose 7.5 %."""
    _edit(data_copy / "observations.csv", lambda rows: rows.append({
        "series_id": "rural_income_growth", "year": "2022", "year_inferred": "false", "value": "10",
        "qualifier": "左右", "unit": "%", "status": "预计", "source_id": "mac-2022-agri-xzsb", "note": ""}))
    msgs = _problems(data_copy)
    assert any("observations.csv" in m and "column 'value'" in m and "rural_income_growth 2022 disagrees with "
               "rural_income: 16935 → 18209 is 7.5%" in m for m in msgs), msgs


def test_a_restated_plan_figure_filed_as_a_later_year_is_listed(data_copy):
    """A later figure equal to the plan's own 2020 result (the plan's 40.5 % non-fossil share) is suspect."""
    _edit(data_copy / "observations.csv", lambda rows: rows.append({
        "series_id": "non_fossil_share", "year": "2023", "year_inferred": "true", "value": "40.5",
        "qualifier": "", "unit": "%", "status": "公布", "source_id": "grn-2024-03-presser-cns", "note": "目前数"}))
    msgs = _problems(data_copy)
    assert any("non_fossil_share 2023 equals the plan's 2020 figure for k30" in m for m in msgs), msgs
    _set(data_copy, "observations.csv", lambda r: r["series_id"] == "non_fossil_share" and r["year"] == "2023",
         note="目前数；与规划所列2020年数相同，页面确为此数")
    assert not any("non_fossil_share 2023" in m for m in _problems(data_copy))


def test_a_reprint_names_its_original_publisher(data_copy):
    _set(data_copy, "sources.csv", lambda r: r["original"] == "转载", original_publisher="未注明（页面称“来源:网络”）")
    msgs = _problems(data_copy)
    assert any("sources.csv" in m and "column 'original_publisher'" in m and "names the original publisher" in m
               for m in msgs), msgs


def test_a_standing_bound_needs_the_plans_word(data_copy):
    """Urban unemployment was a ceiling for every year although the plan dates its 5.0 to 2025 only."""
    _set(data_copy, "targets.csv", lambda r: r["target_id"] == "m09", kind="ceiling", note="专栏列2025年5.0")
    msgs = _problems(data_copy)
    assert any("targets.csv" in m and "row 10" in m and "column 'note'" in m and "every year only where the plan"
               in m for m in msgs), msgs


def test_every_main_indicator_is_placed_in_a_part(data_copy):
    _edit(data_copy / "main_indicators.csv", lambda rows: rows.pop(6))
    msgs = _problems(data_copy)
    assert any("main_indicators.csv" in m and "'m07'" in m for m in msgs), msgs


def test_evidence_grades(ds):
    assert data.evidence_grade("统计公报", "原文", "") == "A"
    assert data.evidence_grade("新闻发布会", "转载", "https://www.tibet.cn/cn/x.html") == "B"
    assert data.evidence_grade("统计发布", "转载", "", "http://mirror.example.com/a.html") == "D"  # a mirror only
    assert data.evidence_grade("媒体报道", "转载", "", "http://tibet.cn/cn/news/a.html") == "C"  # a state medium's
    assert set(ds.observations["grade"]) <= set("ABCD") and (ds.observations["grade"] != "").all()
