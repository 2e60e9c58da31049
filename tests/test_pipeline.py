"""papermill execution: deterministic notebooks, provenance, and a failed run publishes nothing."""

import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest

from planbook import paths, pipeline


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def part2_runs(tmp_path_factory):
    job = pipeline.jobs_for([2])[0]
    outs = []
    for i in range(2):
        staging = tmp_path_factory.mktemp(f"run{i}")
        outs.append(pipeline.execute_job(job, staging, paths.REPO_ROOT))
    return job, outs


def test_two_executions_are_byte_identical(part2_runs):
    _, (a, b) = part2_runs
    assert _sha(a) == _sha(b)


def _without_commit(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["planbook"].pop("commit", None)  # the commit checked out when it ran, not an input
    return nbformat.writes(nb)


def test_published_notebook_is_current(part2_runs):
    """book/ holds exactly what the templates, data and package produce now."""
    job, (a, _) = part2_runs
    assert job.output.exists(), "book/parts/part02.ipynb is missing: run `make book`"
    assert _without_commit(a) == _without_commit(job.output), "book/ is stale: run `make book` and commit book/"


def test_provenance_is_recorded(part2_runs):
    job, (a, _) = part2_runs
    nb = nbformat.read(a, as_version=4)
    prov = nb.metadata["planbook"]
    assert prov["parameters"] == {"part": 2, "as_of_year": 2025, "data_dir": "../../data"}
    # the rows this part reads, not the whole of data/: a change elsewhere leaves the notebook as it is
    assert prov["inputs_sha256"] == pipeline.inputs_hash(job, paths.DATA_DIR)
    assert "data_sha256" not in prov
    assert prov["code_sha256"] == pipeline.code_hash(job)
    assert prov["reads"] == "Reads(part=2, series=['national_urbanization_rate'])"
    assert "planbook.chapter" in prov["modules"]
    assert prov["template"] == "notebooks/part02.ipynb"
    assert prov["libraries"]["altair"] and prov["libraries"]["pandas"]
    assert "papermill" not in nb.metadata
    assert all("execution" not in c.metadata for c in nb.cells)


def test_templates_have_parameters_and_no_outputs():
    for p in sorted((paths.REPO_ROOT / "notebooks").glob("part*.ipynb")):
        nb = nbformat.read(p, as_version=4)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1, p
        for name in ("part", "as_of_year", "data_dir"):
            assert f"{name} =" in params[0].source, (p, name)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), p
    assert len(list((paths.REPO_ROOT / "notebooks").glob("part*.ipynb"))) == 11


def test_failed_run_leaves_published_book_unchanged(tmp_path):
    root = tmp_path / "proj"
    shutil.copytree(paths.REPO_ROOT / "notebooks", root / "notebooks")
    shutil.copytree(paths.DATA_DIR, root / "data")
    (root / "book" / "parts").mkdir(parents=True)
    for n in ("part02", "part03"):
        (root / "book" / "parts" / f"{n}.ipynb").write_text(f"published {n}", encoding="utf-8")
    nb = nbformat.read(root / "notebooks" / "part03.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise ValueError('broken on purpose')"))
    nbformat.write(nb, root / "notebooks" / "part03.ipynb")
    before = {p: _sha(p) for p in (root / "book").rglob("*.ipynb")}
    with pytest.raises(pipeline.RunError) as exc:
        pipeline.run(pipeline.jobs_for([2, 3], root=root), root=root, n_jobs=2)
    msg = str(exc.value)
    assert "notebooks/part03.ipynb" in msg and "ValueError" in msg and "broken on purpose" in msg and "cell" in msg
    assert "unchanged" in msg
    assert {p: _sha(p) for p in (root / "book").rglob("*.ipynb")} == before
    assert not list((root / "book").glob(".run-*")), "the staging folder is cleaned up"
