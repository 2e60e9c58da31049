"""Reviewers' verification: a changed published figure is named; a data change marks parts stale."""

import csv

import nbformat

from planbook import pipeline
from planbook.verify import verify


def test_verify_names_an_altered_published_figure(project):
    path = project / "book" / "parts" / "part02.ipynb"
    nb = nbformat.read(path, as_version=4)
    altered = None
    for ci, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.get("metadata", {}).get("scrapbook", {}).get("name") == "n_targets":
                key = "application/papermill.record/text/plain"
                o["data"][key] = str(int(o["data"][key]) + 1)
                altered = ci
    assert altered is not None
    nbformat.write(nb, path)
    report = verify(project, parts=[2])
    assert report.notebooks == 1 and report.checked > 50
    assert [(m.notebook, m.cell, m.key) for m in report.mismatches] == [("part02", altered, "glue 'n_targets'")]
    m = report.mismatches[0]
    assert int(m.published) == int(m.reexecuted) + 1
    assert not report.stale and not report.ok


def test_verify_passes_on_an_untouched_copy(project):
    report = verify(project, parts=[6])
    assert report.ok and report.checked > 50 and report.mismatches == []


def _series_parts(root, series_id):
    """The parts whose targets read the series, by the files alone (a main indicator also in the part that
    main_indicators.csv places it in)."""
    with open(root / "data" / "targets.csv", encoding="utf-8") as f:
        targets = [r for r in csv.DictReader(f) if series_id in (r["series_id"], r["benchmark_series_id"])]
    with open(root / "data" / "main_indicators.csv", encoding="utf-8") as f:
        placed = {r["target_id"]: int(r["part"]) for r in csv.DictReader(f)}
    return {int(r["part"]) for r in targets} | {placed[r["target_id"]] for r in targets if r["target_id"] in placed}


def test_a_data_change_marks_exactly_the_parts_that_read_it_stale(project):
    assert all(not pipeline.staleness(j, project) for j in pipeline.jobs_for(None, root=project))
    path = project / "data" / "observations.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    row = next(r for r in rows if r["series_id"] == "highland_barley_output")
    row["value"] = str(float(row["value"]) + 1)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    stale = {j.name for j in pipeline.jobs_for(None, root=project) if pipeline.staleness(j, project)}
    expected = {f"part{p:02d}" for p in _series_parts(project, "highland_barley_output")} | {"part11", "data", "intro"}
    assert stale == expected
    why = pipeline.staleness(pipeline.jobs_for([1], root=project)[0], project)
    assert why == ["the data it reads changed"]


def test_a_template_change_marks_its_part_stale(project):
    p = project / "notebooks" / "part04.ipynb"
    nb = nbformat.read(p, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("附注"))
    nbformat.write(nb, p)
    stale = {j.name: pipeline.staleness(j, project) for j in pipeline.jobs_for(None, root=project)}
    assert {k for k, v in stale.items() if v} == {"part04"}
    assert "template notebooks/part04.ipynb changed" in stale["part04"]
