"""The planbook command line."""

import csv
import re

import pytest
from typer.testing import CliRunner

from planbook import paths, pipeline
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
        "achieved", "missed", "on_track", "acceleration_needed", "limited_progress", "deterioration")
    for col in ("baseline_year", "latest_value", "required_rate", "observed_rate", "ratio", "status_zh", "final_2025"):
        assert col in rows[0]


def test_assess_as_of_uses_only_earlier_figures(tmp_path):
    out = tmp_path / "a.csv"
    assert runner.invoke(app, ["assess", "--as-of", "2023", "--csv", str(out)]).exit_code == 0
    with open(out, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert all(not x["latest_year"] or float(x["latest_year"]) <= 2023 for x in rows)


# ---- progress: CliRunner's output is not a terminal, so every command prints plain lines -------------
ESCAPES = re.compile(r"\x1b\[|\r")


@pytest.fixture
def plain_env(monkeypatch):
    for name in ("CI", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


def fake_run(jobs, root=None, n_jobs=None, progress=None, started=None):
    """pipeline.run without executing: each job starts and finishes (the last one fails when asked)."""
    for job in jobs:
        started(job)
        progress(job, "cell 2 failed" if job.name == fake_run.failing else None)
    if fake_run.failing:
        raise pipeline.RunError("nothing was published; the book in book/ is unchanged.")
    return []


def test_run_prints_one_line_per_notebook(monkeypatch, plain_env):
    fake_run.failing = None
    monkeypatch.setattr(pipeline, "run", fake_run)
    r = runner.invoke(app, ["run", "--force"])
    assert r.exit_code == 0, r.output
    names = [job.name for job in pipeline.jobs_for(None)]
    lines = [x for x in r.output.splitlines() if x.startswith("[")]
    assert [re.sub(r" \(.*", "", x) for x in lines] == [f"[{i}/{len(names)}] ✓ {n}" for i, n in enumerate(names, 1)]
    assert lines[0].endswith(f"({len(names) - 1} left, 0:00:00 elapsed)") and "(0 left, " in lines[-1]
    assert f"executing {len(names)} notebook(s)" in r.output and "notebooks published in book/" in r.output
    assert not ESCAPES.search(r.output)


def test_run_names_the_failed_notebook(monkeypatch, plain_env):
    fake_run.failing = "part02"
    monkeypatch.setattr(pipeline, "run", fake_run)
    r = runner.invoke(app, ["run", "--force", "--part", "1", "--part", "2"])
    assert r.exit_code == 1
    assert "[1/2] ✓ part01 (1 left, " in r.output and "[2/2] ✗ part02 (0 left, " in r.output
    assert "nothing was published" in r.output


def test_build_says_what_it_does(monkeypatch, plain_env):
    fake_run.failing = None
    monkeypatch.setattr(pipeline, "run", fake_run)
    monkeypatch.setattr(pipeline, "build_book", lambda force=False: (paths.BUILD_DIR / "html", False))
    r = runner.invoke(app, ["build", "--force"])
    assert r.exit_code == 0, r.output
    assert "✓ part11 (" in r.output and "building the HTML with Jupyter Book …" in r.output
    assert not ESCAPES.search(r.output)


def test_verify_prints_one_line_per_notebook(monkeypatch, plain_env):
    """verify's own comparison, with each re-execution replaced by the published notebook itself."""
    def same(jobs, staging, root, n_jobs, started=None):
        for job in jobs:
            started(job)
            yield job, job.output

    monkeypatch.setattr(pipeline, "execute_parallel", same)
    monkeypatch.setattr(pipeline, "staleness", lambda job, root: [])
    r = runner.invoke(app, ["verify", "--part", "3", "--part", "6"])
    assert r.exit_code == 0, r.output
    assert "re-executing 2 published notebook(s)" in r.output
    assert re.search(r"^\[1/2\] ✓ part03: \d+ figures, 0 mismatch\(es\) \(1 left, ", r.output, re.M)
    assert re.search(r"^\[2/2\] ✓ part06: \d+ figures, 0 mismatch\(es\) \(0 left, ", r.output, re.M)
    assert "figures in 2 notebooks reproduce" in r.output
    assert not ESCAPES.search(r.output)
