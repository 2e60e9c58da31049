"""Each bad input stops `planbook build` before anything runs, with a message naming file, row and
column, and leaves the published book (book/ and _build/html) byte for byte as it was."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from planbook import paths, pipeline
from planbook.data import validate

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def published(tmp_path_factory, html_dir):
    """A project copy with its published book and HTML, reused (and restored) by every case."""
    root = tmp_path_factory.mktemp("proj")
    for d in ("data", "notebooks", "book"):
        shutil.copytree(paths.REPO_ROOT / d, root / d, ignore=shutil.ignore_patterns(".run-*"))
    for f in ("_config.yml", "_toc.yml"):
        shutil.copy2(paths.REPO_ROOT / f, root / f)
    shutil.copytree(html_dir, root / "_build" / "html")
    return root


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for base in (root / "book", root / "_build" / "html"):
        for p in sorted(base.rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


def _append(name, line):
    def edit(d: Path):
        with open(d / name, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    return edit


def _replace_first(name, col, value, where=None):
    def edit(d: Path):
        import csv

        with open(d / name, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        row = next(r for r in rows if where is None or where(r))
        row[col] = value
        with open(d / name, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    return edit


def _gbk(d: Path):
    p = d / "series.csv"
    p.write_bytes(p.read_text(encoding="utf-8").encode("gbk", errors="replace"))


def _empty(d: Path):
    (d / "milestones.csv").write_text("", encoding="utf-8")


CASES = {
    "malformed csv": (_append("observations.csv", 'gdp,2019,1,亿元,公布,"unterminated'), ["observations.csv", "row"]),
    "unknown series": (_replace_first("observations.csv", "series_id", "gpd"),
                       ["observations.csv", "row 2", "series_id", "gpd"]),
    "duplicate series and year": (_append("observations.csv", "gdp,2021,2080.17,亿元,初步核算,mac-2021-gongbao,"),
                                  ["observations.csv", "row", "PrimaryKey"]),
    "non-numeric value": (_replace_first("observations.csv", "value", "约2000"),
                          ["observations.csv", "row 2", "column 'value'", "约2000"]),
    "unit not matching the series": (_replace_first("observations.csv", "unit", "万元"),
                                     ["observations.csv", "row 2", "column 'unit'", "measured in"]),
    "year outside 2015-2035": (_replace_first("observations.csv", "year", "2036"),
                               ["observations.csv", "row 2", "column 'year'", "2036"]),
    "missing source": (_replace_first("observations.csv", "source_id", "nosuchsource"),
                       ["observations.csv", "row 2", "source_id", "nosuchsource"]),
    "share above 100": (_replace_first("observations.csv", "value", "101.5",
                                       where=lambda r: r["series_id"] == "urbanization_rate"),
                        ["observations.csv", "column 'value'", "101.5", "between 0 and 100"]),
    "empty file": (_empty, ["milestones.csv", "empty"]),
    "file saved in GBK": (_gbk, ["series.csv", "UTF-8"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_stops_the_build_and_leaves_the_book_unchanged(published, tmp_path, case):
    edit, expected = CASES[case]
    saved = tmp_path / "data-saved"
    shutil.copytree(published / "data", saved)
    before = _digest(published)
    try:
        edit(published / "data")
        p = subprocess.run([str(BIN / "planbook"), "build"], cwd=published, capture_output=True, text=True,
                           env={**os.environ, "PLANBOOK_ROOT": str(published), "COLUMNS": "200"})
        out = p.stdout + p.stderr
        assert p.returncode == 1, out
        assert "nothing was run" in out, out
        for fragment in expected:
            assert fragment in out, (fragment, out)
        assert "executing" not in out
        assert _digest(published) == before
    finally:
        shutil.rmtree(published / "data")
        shutil.copytree(saved, published / "data")


def test_markup_in_a_text_field_is_shown_as_text(tmp_path):
    """HTML or script in data is escaped in the executed notebook and in the built page, never run."""
    root = tmp_path / "proj"
    for d in ("data", "notebooks", "book"):
        shutil.copytree(paths.REPO_ROOT / d, root / d, ignore=shutil.ignore_patterns(".run-*"))
    for f in ("_config.yml", "_toc.yml"):
        shutil.copy2(paths.REPO_ROOT / f, root / f)
    _replace_first("targets.csv", "name_zh", "<script>alert('x')</script>青稞",
                   where=lambda r: r["target_id"] == "m24")(root / "data")
    assert validate(root / "data") == []
    pipeline.run(pipeline.jobs_for([1, 2], root=root), root=root, n_jobs=2)  # m24: part 1's scorecard, part 2's chart

    shown = [o["data"][m] for n in ("part01", "part02")
             for c in nbformat.read(root / "book" / "parts" / f"{n}.ipynb", as_version=4).cells
             for o in c.get("outputs", []) for m in ("text/html", "text/markdown") if m in o.get("data", {})]
    assert any("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;青稞" in s for s in shown)
    assert not any("<script>alert(" in s for s in shown)
    # inside chart specs the markup is a JSON string that cannot close the <script> element
    assert any("\\u003cscript\\u003ealert" in s for s in shown)

    html, _ = pipeline.build_book(root, strict=False, force=True)
    for name in ("part01", "part02"):
        page = (html / "book" / "parts" / f"{name}.html").read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(" in page and "青稞" in page, name
        assert "<script>alert(" not in page, name
