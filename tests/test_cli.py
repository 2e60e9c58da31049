"""The planbook command line."""

import csv

from typer.testing import CliRunner

from planbook.cli import app

runner = CliRunner()


def test_check_passes_on_bundled_data():
    r = runner.invoke(app, ["check"])
    assert r.exit_code == 0, r.output
    assert "valid" in r.output


def test_check_names_file_row_and_column(data_copy):
    p = data_copy / "observations.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[lines[0].split(",").index("value")] = "abc"
    lines[1] = ",".join(cells)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = runner.invoke(app, ["check", "--data-dir", str(data_copy)])
    assert r.exit_code == 1
    assert "observations.csv, row 2, column 'value', value 'abc'" in r.output
    assert "nothing was run" in r.output


def test_assess_writes_one_row_per_target_with_a_series(tmp_path, ds):
    out = tmp_path / "assess.csv"
    r = runner.invoke(app, ["assess", "--as-of", "2025", "--csv", str(out)])
    assert r.exit_code == 0, r.output
    with open(out, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    expected = ds.targets[(ds.targets["kind"] != "milestone") & (ds.targets["series_id"] != "")]
    assert [x["target_id"] for x in rows] == list(expected["target_id"])
    m01 = next(x for x in rows if x["target_id"] == "m01")
    assert m01["series_id"] == "gdp_real_growth" and m01["status"] in (
        "achieved", "on_track", "acceleration_needed", "limited_progress", "deterioration")
    for col in ("baseline_year", "latest_value", "required_rate", "observed_rate", "ratio", "status_zh", "final_2025"):
        assert col in rows[0]


def test_assess_as_of_uses_only_earlier_figures(tmp_path):
    out = tmp_path / "a.csv"
    assert runner.invoke(app, ["assess", "--as-of", "2023", "--csv", str(out)]).exit_code == 0
    with open(out, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert all(not x["latest_year"] or float(x["latest_year"]) <= 2023 for x in rows)
