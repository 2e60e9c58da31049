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
