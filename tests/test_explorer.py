"""The analysts' explorer: widgets driven programmatically, the what-if computation, the notebook."""

import ast
import html as htmlmod
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import altair as alt
import nbformat
import pandas as pd
import pytest

import planbook.explorer as E
from planbook import assess as A
from planbook import charts, paths
from planbook.chapter import Chapter
from planbook.data import MAIN, PART
from planbook.explorer import Explorer
from planbook.fmt import PART_TITLES
from planbook.fmt import observed as fmt_obs
from planbook.inputs import Reads
from planbook.markup import esc

NOTEBOOK = paths.REPO_ROOT / "notebooks" / "explorer.ipynb"


@pytest.fixture
def ex():
    return Explorer(paths.DATA_DIR, 2025)


def latest_obs(ds, series_id: str, upto: int) -> pd.Series:
    o = ds.observed(series_id, upto)
    return o.iloc[-1]


# ---- widgets driven programmatically ------------------------------------------------------------
def test_defaults(ex):
    assert ex.part.value == 1
    assert [v for _, v in ex.part.options] == list(range(1, 12))
    assert all(PART_TITLES[v] in label for label, v in ex.part.options)
    assert ex.years.value == (2020, 2025) and (ex.years.min, ex.years.max) == (2015, 2025)
    assert ex.target.options[0] == ("m01 地区生产总值增速", "m01")
    assert ex.state["target_id"] == "m01"
    assert ex.widget is ex.widget and ex.what_if in ex.widget.children and ex.output in ex.widget.children


def test_urban_income_latest_figure(ex, ds):
    ex.target.value = "m07"
    latest = latest_obs(ds, "urban_income", 2025)
    assert ex.state["target_id"] == "m07"
    assert ex.state["latest_year"] == int(latest["year"])
    assert ex.state["latest_value"] == pytest.approx(float(latest["value"]))
    shown = ds.observed("urban_income", 2025)
    shown = shown[shown["year"] >= 2020]
    assert ex.state["n_observations"] == len(shown)
    assert ex.state["sources"] == list(dict.fromkeys(shown["source_id"]))


def test_narrowing_years_changes_latest(ex, ds):
    ex.target.value = "m07"
    before = ex.state["latest_year"]
    ex.years.value = (2020, 2023)
    latest = latest_obs(ds, "urban_income", 2023)
    assert ex.state["latest_year"] <= 2023 < before
    assert ex.state["latest_year"] == int(latest["year"])
    assert ex.state["latest_value"] == pytest.approx(float(latest["value"]))
    shown = ds.observed("urban_income", 2023)
    shown = shown[shown["year"] >= 2020]
    assert ex.state["n_observations"] == len(shown)
    assert ex.state["years"] == (2020, 2023)
    # the assessment uses only the figures up to 2023, as assess_target does
    a = A.assess_target(ds.targets.set_index("target_id").loc["m07"].to_dict() | {"target_id": "m07"},
                        ds.observed("urban_income", 2023), 2023, series=ds.series_by_id["urban_income"])
    assert ex.state["status"] == a.status and ex.state["status_zh"] == a.status_zh
    assert a.status_zh in ex.html


def test_lower_bound_only_filters_what_is_shown(ex, ds):
    ex.target.value = "m07"
    ex.years.value = (2024, 2025)
    o = ds.observed("urban_income", 2025)
    o = o[o["year"] >= 2024]
    assert ex.state["sources"] == list(o["source_id"])
    assert ex.state["latest_year"] == 2025
    hidden = ds.observed("urban_income", 2023)["source_id"]
    for sid in hidden:
        assert sid not in ex.html


def test_switching_part_updates_targets(ex, ds):
    ex.part.value = 4
    t = ds.targets
    expected = t[(t["part"] == 4) & (t["kind"] != "milestone") & (t["series_id"] != "")]
    assert [v for _, v in ex.target.options] == list(expected["target_id"])
    assert all(label == f"{tid} {name}" for (label, _), tid, name in
               zip(ex.target.options, expected["target_id"], expected["name_zh"], strict=True))
    assert ex.target.value == expected["target_id"].iloc[0]
    assert ex.state["target_id"] == ex.target.value and ex.state["part"] == 4
    ex.target.value = "p04_039"
    ex.years.value = (2020, 2023)
    assert ex.state["target_id"] == "p04_039"
    assert ex.state["status"] == "insufficient_data" and ex.state["needed_value"] is None
    assert "p04_039" in ex.html and "暂无公开数据" in ex.html
    ex.part.value = 1
    t = ds.group(MAIN, PART)
    assert {v for _, v in ex.target.options} == set(t[(t["part"] == 1) & (t["series_id"] != "")]["target_id"])


def test_part_without_series(ex):
    ex.part.value = 11
    assert ex.target.options == () and ex.target.value is None
    assert ex.state["target_id"] is None and ex.state["n_observations"] == 0
    assert "没有" in ex.html


def test_qualified_figures_are_shown_with_their_word(ex, ds):
    qualified = ds.observations[ds.observations["qualifier"] != ""]
    row = qualified[qualified["series_id"] == "urban_unemployment_rate"].iloc[-1]
    ex.target.value = "m09"
    ex.years.value = (2020, int(row["year"]))
    shown = fmt_obs(row["value"], "%", row["qualifier"])
    assert shown.endswith(row["qualifier"]) and shown != fmt_obs(row["value"], "%")
    assert f"{shown}（{int(row['year'])}年）" in ex.html  # the 最新 line
    assert f"<td>{shown}</td>" in ex.html  # the observations table
    assert ex.state["latest_year"] == int(row["year"])


def test_html_lists_sources_of_shown_observations(ex, ds):
    ex.target.value = "m01"
    ex.years.value = (2021, 2024)
    o = ds.observed("gdp_real_growth", 2024)
    o = o[o["year"] >= 2021]
    assert ex.state["sources"] == list(dict.fromkeys(o["source_id"]))
    for sid in o["source_id"]:
        src = ds.sources_by_id[sid]
        assert sid in ex.html
        for field in ("title", "publisher", "published"):
            assert esc(src[field]) in ex.html
        assert esc(src["url"]) in ex.html
    # the Output area shows the chart and this HTML; the what-if area its readout
    assert len(ex.output.outputs) == 2
    assert ex.output.outputs[1]["data"]["text/html"] == ex.html
    assert ex.what_if.outputs[0]["data"]["text/html"] == ex.what_if_html


def test_chart_uses_range(ex):
    ex.target.value = "m07"
    ex.years.value = (2021, 2023)
    spec = ex.chart.to_dict()
    missing_years = set()
    for layer in spec["layer"]:
        mark = layer["mark"]
        if isinstance(mark, dict) and mark.get("type") == "text":
            rows = spec["datasets"][layer["data"]["name"]]
            missing_years |= {r["年份"] for r in rows}
    assert missing_years <= set(range(2021, 2024))  # years outside the range are not marked 暂无数据


def test_real_rate_what_if_meets_target_exactly(ex, ds):
    ex.target.value = "m01"
    s = ex.state
    assert s["needed_value"] is not None
    o = ds.observed("gdp_real_growth", s["latest_year"])
    others = [float(v) for y, v in zip(o["year"], o["value"], strict=True) if 2020 < y < s["latest_year"]]
    assert A.geometric_mean_rate(others + [s["needed_value"]]) == pytest.approx(7.5)
    assert "假设分析" in ex.what_if_html


SVG = "{http://www.w3.org/2000/svg}"


def chart_titles(ex) -> list[str]:
    """The hover texts of the chart's marks, read from the chart output the explorer shows."""
    markup = ex.output.outputs[0]["data"]["text/html"]
    assert markup == f'<div class="pb-chart">{ex.chart_svg}</div>'
    root = ET.fromstring(ex.chart_svg)
    assert root.tag == f"{SVG}svg"
    return [t.text for t in root.iter(f"{SVG}title")]


def test_chart_is_an_svg_of_the_shown_figures(ex, ds):
    ex.target.value = "m07"
    ex.years.value = (2021, 2024)
    o = ds.observed("urban_income", 2024)
    o = o[o["year"] >= 2021]
    points = [t for t in chart_titles(ex) if "来源: " in t]  # one per observed figure
    assert [int(t.split("\n")[0].removeprefix("年份: ")) for t in points] == list(o["year"])
    for text, (_, row) in zip(points, o.iterrows(), strict=True):
        src = ds.sources_by_id[row["source_id"]]
        value = f"{float(row['value']):,.2f}".rstrip("0").rstrip(".")  # the tooltip's format ",.2~f"
        assert f"\n数值: {value}\n" in text
        # the original publisher first (for a reprint, who it reproduces), and the title
        who = src["original_publisher"] if src["original"] == "转载" and src["original_publisher"] else src["publisher"]
        assert f"来源: {who}《{src['title']}》" in text
    assert any(t.startswith("年份: 2022\n数据状态: 暂无数据") for t in chart_titles(ex))  # the missing-year mark
    assert any("2025年目标" in t for t in chart_titles(ex))
    # nothing in the chart loads or runs anything
    assert "<script" not in ex.chart_svg
    assert re.findall(r"https?://[^\s\"']+", ex.chart_svg) == ["http://www.w3.org/2000/svg"]
    assert ex.output.outputs[0]["data"]["text/plain"] == f"<图表：{ex.chart.description}>"


def test_chart_follows_every_control(ex):
    ex.target.value = "m07"
    first = ex.chart_svg
    ex.years.value = (2024, 2025)
    assert ex.chart_svg != first and ex.chart_svg == E.chart_svg(ex.chart)
    assert {t.split("\n")[0] for t in chart_titles(ex) if "来源: " in t} == {"年份: 2024", "年份: 2025"}
    ex.part.value = 4
    assert ex.state["target_id"] == ex.target.value and ex.target.value.startswith("p04_")
    name = ex.ds.targets.set_index("target_id").loc[ex.target.value, "name_zh"]
    assert ex.chart_svg == E.chart_svg(ex.chart) and ex.chart.description.startswith(name)
    ex.part.value = 11  # no target with a series: no chart
    assert ex.chart is None and ex.chart_svg == "" and len(ex.output.outputs) == 0


def test_explorer_leaves_altairs_renderer_alone():
    before = alt.renderers.active
    try:
        charts.enable()
        Explorer(paths.DATA_DIR)
        assert alt.renderers.active == "planbook"
    finally:
        alt.renderers.enable(before)


def test_explorer_uses_the_books_assessment_and_no_chapter_code(monkeypatch):
    tree = ast.parse(Path(E.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {"planbook.chapter", "planbook.plan", "planbook.book", "planbook.report"} & imported
    calls = []
    real = A.assess
    monkeypatch.setattr(A, "assess", lambda ds, t, as_of: calls.append(t if isinstance(t, str) else t["target_id"])
                        or real(ds, t, as_of))
    ex = Explorer(paths.DATA_DIR, 2025)
    ex.target.value = "m07"
    assert calls[-1] == "m07"
    calls.clear()
    ch = Chapter.open(Reads(part=5), 2025, paths.DATA_DIR)
    ids = set(ch.assessments["target_id"])
    assert ids and set(calls) == ids


def test_notebook_is_a_clean_template():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert [c["id"] for c in nb.cells] == [f"explorer-{i:02d}" for i in range(len(nb.cells))]
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    assert 'data_dir = "../data"' in params[0].source and "as_of_year = 2025" in params[0].source
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    assert "charts.enable" not in "".join(c.source for c in nb.cells)


def strings(node):
    """Every string in a JSON-like structure (an output, a widget's state)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


# What a page needs the network for: a script or style from a CDN, a module import, a remote font or image.
NETWORK_LOADS = re.compile(
    r"cdn\.jsdelivr|https?://cdn|unpkg\.com|esm\.sh|cdnjs|googleapis|require\.config|<script\b|<link\b|<iframe\b"
    r"|<img\b|@import|url\(\s*['\"]?https?:|\b(?:src|srcset|data)\s*=\s*['\"]?https?:|import\s*\(?\s*['\"]https?:",
    re.I)
ANCHOR = re.compile(r'<a href="([^"]*)"[^>]*>[^<]*</a>')
NAMESPACE = re.compile(r'xmlns(?::\w+)?="http://www\.w3\.org/[^"]*"')


def network_references(text: str, cited: set[str]) -> list[str]:
    """What in ``text`` refers to the network, apart from links to cited sources and XML namespaces."""
    found = [m.group(0) for m in NETWORK_LOADS.finditer(text)]
    rest = NAMESPACE.sub("", ANCHOR.sub(lambda m: "" if htmlmod.unescape(m.group(1)) in cited else m.group(0), text))
    return found + re.findall(r"https?://\S+", rest)


def test_network_reference_scan_catches_cdn_scripts():
    cited = {"https://example.org/a?x=1&y=2"}
    assert network_references('<a href="https://example.org/a?x=1&amp;y=2" target="_blank">x</a>', cited) == []
    for bad in ('<script src="https://cdn.jsdelivr.net/npm/vega@6"></script>',
                'import vegaEmbed from "https://esm.sh/vega-embed@7";',
                "requirejs.config({paths: {vega: 'https://cdn.jsdelivr.net/npm/vega@6?noext'}});",
                '<img src="http://example.org/chart.png">', '<a href="https://unknown.example/">x</a>',
                "@import url('https://fonts.googleapis.com/css');"):
        assert network_references(bad, cited), bad


def test_notebook_executes_headless_and_loads_nothing_from_the_network(tmp_path, ds):
    import papermill as pm  # slow to import; only this test needs it

    out = tmp_path / "explorer.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), cwd=str(NOTEBOOK.parent), kernel_name="python3",
                        progress_bar=False, log_output=False)
    nb = nbformat.read(out, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any(o.get("output_type") == "error" for c in code for o in c.get("outputs", []))
    shown = code[-1]["outputs"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in shown)
    # Every output, and the state of every widget (the Output areas hold the chart and the tables).
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    texts = [s for c in code for o in c.get("outputs", []) for s in strings(o)] + list(strings(state))
    cited = set(ds.sources["url"])
    assert not [r for t in texts for r in network_references(t, cited)]
    # the scan saw the chart and the linked sources
    assert any("<svg" in t and "<title>" in t for t in texts)
    assert any(ANCHOR.search(t) for t in texts)


def test_inferred_years_are_marked(ex, ds):
    o = ds.observations
    row = o[o["year_inferred"] & (o["series_id"] == "doctors_per_1000")].iloc[-1]
    ex.target.value = "m11"
    ex.years.value = (2020, int(row["year"]))
    assert ex.state["latest_year"] == int(row["year"])
    assert f"<td>{int(row['year'])}（推断）</td>" in ex.html
    assert "年份系据发布时间推断" in ex.html


def test_make_lab_installs_pinned_jupyterlab_and_is_documented():
    root = paths.REPO_ROOT
    section = (root / "README.md").read_text(encoding="utf-8").split("### Open the explorer")[1].split("\n### ")[0]
    assert "make lab" in section and "offline" in section
    make = (root / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lab: lab-install$", make, re.M)
    assert re.search(r"^\t\$\(PY\) -m pip install --quiet -r requirements-lab\.txt$", make, re.M)
    assert "jupyter lab" in make and "notebooks/explorer.ipynb" in make

    def pins(name):
        lines = (root / name).read_text(encoding="utf-8").splitlines()
        out = {}
        for line in lines:
            if line and not line.startswith(("#", "-c ")):
                assert re.fullmatch(r"[A-Za-z0-9_.-]+==\d[^=\s]*", line), line  # exact pins only
                pkg, version = line.split("==")
                out[pkg.lower().replace("_", "-")] = version
        return out

    lab, main = pins("requirements-lab.txt"), pins("requirements.txt")
    assert "-c requirements.txt" in (root / "requirements-lab.txt").read_text(encoding="utf-8")
    assert not set(lab) & set(main)  # the shared packages keep the main pins
    extra = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert extra["lab"] == [f"jupyterlab=={lab['jupyterlab']}"] and lab["jupyterlab"].startswith("4.")
