"""Each page declares what it reads once: the rows it may use and its staleness both come from it."""

import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from planbook import inputs, paths, pipeline
from planbook.data import read_frames
from planbook.inputs import Reads
from planbook.verify import compare


def _job(root: Path, name: str) -> pipeline.Job:
    return next(j for j in pipeline.jobs_for(None, root=root) if j.name == name)


def _change_observation(root: Path, series_id: str, delta: float = 1.0) -> None:
    path = root / "data" / "observations.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    row = [r for r in rows if r["series_id"] == series_id][-1]
    row["value"] = f"{float(row['value']) + delta:g}"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _add_section(root: Path, name: str, series_id: str, declare: bool) -> None:
    """Give a chapter a new section that shows one series (and, if asked, declare that it reads it)."""
    path = root / "notebooks" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "reads" in c.metadata.get("tags", []))
    if declare:
        cell.source = cell.source.replace("pb.Reads(part=part)", f'pb.Reads(part=part, series=["{series_id}"])')
        assert series_id in cell.source
    nb.cells.append(nbformat.v4.new_markdown_cell("## 新增一节"))
    nb.cells.append(nbformat.v4.new_code_cell(f'ch.ds.observed("{series_id}")[["year", "value"]]'))
    nbformat.write(nb, path)


def test_every_notebook_declares_what_it_reads():
    jobs = pipeline.jobs_for(None)
    declared = {j.name: pipeline.declared_reads(j) for j in jobs}
    assert declared["part01"] == Reads(part=1, sections=("outlook",), series=("gdp_real_growth_avg_2021_2025",))
    for part in range(2, 11):
        assert declared[f"part{part:02d}"].part == part
    assert declared["part11"].everything and declared["data"].everything
    assert declared["method"] == Reads()


def test_a_page_sees_only_the_rows_it_declares(ds):
    sub = inputs.load(Reads(part=9), paths.DATA_DIR)
    placed = set(ds.main_indicators[ds.main_indicators["part"] == 9]["target_id"])
    assert set(sub.targets[sub.targets["part"] != 9]["target_id"]) == placed and placed  # m25, treated in part 9
    named = set(sub.targets["series_id"]) | set(sub.targets["benchmark_series_id"])
    assert set(sub.series["series_id"]) == named - {""}
    assert set(sub.sources["source_id"]) == set(sub.observations["source_id"]) | set(sub.milestones["source_id"])
    with pytest.raises(KeyError, match="national_rural_income.*Reads\\(part=9\\)"):
        sub.observed("national_rural_income")
    assert len(inputs.load(Reads(), paths.DATA_DIR).observations) == 0
    assert len(inputs.load(Reads.all(), paths.DATA_DIR).observations) == len(ds.observations)


def test_the_hash_covers_exactly_the_selected_rows(project):
    frames = read_frames(project / "data")
    part4 = Reads(part=4)
    before = inputs.inputs_hash(part4, project / "data")
    outside = next(s for s in frames["series"]["series_id"]
                   if s not in set(inputs.select(frames, part4)["series"]["series_id"])
                   and (frames["observations"]["series_id"] == s).any())
    _change_observation(project, outside)
    assert inputs.inputs_hash(part4, project / "data") == before
    inside = inputs.select(frames, part4)["observations"]["series_id"].iloc[0]
    _change_observation(project, inside)
    assert inputs.inputs_hash(part4, project / "data") != before


def test_a_section_that_starts_reading_a_series_makes_its_page_stale_when_it_changes(project, tmp_path):
    """Ground truth by execution, not by the hash's model: the page's output changes, and so must its stamp."""
    series = "national_rural_income"
    # Undeclared, the new section cannot read the series: the page fails and names the declaration.
    _add_section(project, "part09", series, declare=False)
    with pytest.raises(pipeline.RunError, match=f"KeyError.*{series}.*Reads\\(part=9\\)"):
        pipeline.execute_job(_job(project, "part09"), tmp_path / "undeclared", project)
    # Declared, it reads it; publish the page with its new section.
    shutil.copy2(paths.REPO_ROOT / "notebooks" / "part09.ipynb", project / "notebooks" / "part09.ipynb")
    _add_section(project, "part09", series, declare=True)
    pipeline.run([_job(project, "part09")], root=project, n_jobs=1)
    assert pipeline.staleness(_job(project, "part09"), project) == []
    published = {n: nbformat.read(_job(project, n).output, as_version=4) for n in ("part09", "part06")}

    _change_observation(project, series, delta=1000)

    for name, should_change in (("part09", True), ("part06", False)):
        job = _job(project, name)
        again = nbformat.read(pipeline.execute_job(job, tmp_path / name, project), as_version=4)
        _, mismatches = compare(name, published[name], again)
        changed = bool(mismatches)
        assert changed == should_change, (name, mismatches[:3])
        assert bool(pipeline.staleness(job, project)) == changed, name
    assert pipeline.staleness(_job(project, "part09"), project) == ["the data it reads changed"]


def test_a_national_series_marks_the_pages_that_read_it_stale(project):
    assert all(not pipeline.staleness(j, project) for j in pipeline.jobs_for(None, root=project))
    _change_observation(project, "national_urban_income")
    stale = {j.name for j in pipeline.jobs_for(None, root=project) if pipeline.staleness(j, project)}
    readers = {j.name for j in pipeline.jobs_for(None, root=project)
               if "national_urban_income" in set(inputs.load(pipeline.declared_reads(j), project / "data")
                                                 .series["series_id"])}
    assert "part01" in readers and "part06" not in readers
    assert stale == readers


def test_a_reads_cell_must_be_a_plain_declaration(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("reads = pb.Reads(part=int('3'))")
    cell.metadata["tags"] = ["reads"]
    nb.cells.append(cell)
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(inputs.DeclarationError, match="literal or a parameter"):
        inputs.declared_in(path, {})
    nb.cells = []
    nbformat.write(nb, path)
    with pytest.raises(inputs.DeclarationError, match="one cell tagged 'reads'"):
        inputs.declared_in(path, {})


def test_a_page_depends_on_the_modules_it_imports():
    mods = inputs.modules_of(paths.REPO_ROOT / "notebooks" / "part05.ipynb")
    assert {"planbook.book", "planbook.chapter", "planbook.assess", "planbook.data", "planbook.charts"} <= set(mods)
    assert not {"planbook.cli", "planbook.ingest", "planbook.pipeline", "planbook.explorer"} & set(mods)
