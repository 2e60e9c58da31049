"""The built book (_build/html): 11 chapters with their charts, nothing loaded from a network."""

import re

from bs4 import BeautifulSoup

from planbook.charts import SELECT_THRESHOLD
from planbook.data import MAIN, PART
from planbook.fmt import PART_TITLES, zh_number
from planbook.outlook import PAIRS


def _soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_index_and_eleven_chapters(html_dir):
    assert (html_dir / "index.html").exists()
    for part in range(1, 12):
        page = html_dir / "book" / "parts" / f"part{part:02d}.html"
        assert page.exists(), page
        h1 = _soup(page).find("h1")
        assert h1 and f"第{zh_number(part)}篇" in h1.get_text() and PART_TITLES[part].split()[0] in h1.get_text()


def test_chapters_have_their_charts(html_dir, ds):
    for part in range(1, 12):
        t = ds.group(MAIN, PART)
        t = t[(t["part"] == part) & (t["series_id"] != "")]
        soup = _soup(html_dir / "book" / "parts" / f"part{part:02d}.html")
        charts = soup.select("div.planbook-chart")
        extra = len(PAIRS) if part == 1 else 0  # the 2035 outlook charts
        if part == 1:  # main indicators and the part's other targets are charted separately
            groups = [t[t["group"] == MAIN], t[t["group"] == PART]]
        else:
            groups = [t]
        expected = sum(len(g) if len(g) <= SELECT_THRESHOLD else 1 for g in groups)
        assert len(charts) == expected + extra, part
        for g in groups:
            if len(g) > SELECT_THRESHOLD:  # one chart with a drop-down listing every target
                spec = next(str(c.find_next("script")) for c in charts if "下拉菜单" in c.get("aria-label", "")
                            and all(tid in str(c.find_next("script")) for tid in g["target_id"]))
                assert "binding_select" not in spec and '"input":"select"' in spec
        for c in charts:
            assert c.get("aria-label"), "every chart carries a text alternative"


def test_part1_scorecard_lists_the_25_main_indicators(html_dir):
    soup = _soup(html_dir / "book" / "parts" / "part01.html")
    card = soup.select("table.pb-scorecard")[0]
    ids = [tr.find_all("td")[1].get_text() for tr in card.select("tbody tr")]
    assert ids == [f"m{i:02d}" for i in range(1, 26)]


def test_no_page_loads_anything_from_a_network(html_dir):
    remote = re.compile(r"^(https?:)?//")
    for page in html_dir.rglob("*.html"):
        soup = _soup(page)
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
            for el in soup.find_all(tag):
                assert not remote.match(el.get(attr) or ""), f"{page}: {tag} {el.get(attr)}"
    for css in html_dir.rglob("*.css"):
        assert not re.search(r"url\((['\"]?)https?://", css.read_text(encoding="utf-8", errors="replace")), css


def test_vega_bundle_is_shipped_once(html_dir):
    bundle = html_dir / "_static" / "planbook-vega.js"
    assert bundle.exists() and bundle.stat().st_size > 500_000
    page = (html_dir / "book" / "parts" / "part01.html").read_text(encoding="utf-8")
    assert page.count("planbook-vega.js") == 1
    assert "vegaEmbed(" not in page  # the bundle is loaded by URL, never inlined


def test_scorecard_says_what_the_assessment_says(html_dir, ds):
    from planbook.assess import assess_all

    a = assess_all(ds, 2025).set_index("target_id")
    soup = _soup(html_dir / "book" / "parts" / "part01.html")
    card = soup.select("table.pb-scorecard")[0]
    for tr in card.select("tbody tr"):
        cells = tr.find_all("td")
        tid = cells[1].get_text()
        assert a.loc[tid, "status_zh"] in cells[0].get_text(), tid
        latest = a.loc[tid, "latest_year"]
        if latest == latest:  # not NaN
            shown = cells[4].get_text()
            assert f"（{int(latest)}年" in shown, tid
            assert ("年份推断" in shown) == bool(a.loc[tid, "latest_year_inferred"]), tid
            if a.loc[tid, "latest_qualifier"]:  # the word printed with the figure, e.g. 5%以内
                assert shown.split("（")[0].endswith(a.loc[tid, "latest_qualifier"]), tid


def test_every_chapter_offers_its_data_as_csv(html_dir, ds):
    import csv
    import io

    for part in range(1, 12):
        soup = _soup(html_dir / "book" / "parts" / f"part{part:02d}.html")
        link = soup.select_one("a.download")
        assert link and link["href"].endswith(f"part{part:02d}.csv"), part
        path = (html_dir / "book" / "parts" / link["href"]).resolve()
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        ids = {r["target_id"] for r in rows}
        t = ds.plan_targets
        expected = set(t[t["part"] == part]["target_id"])
        assert ids == expected, part
        for r in rows:
            if r["year"]:
                assert r["source_url"].startswith("http") and r["source_title"], (part, r["target_id"])


def test_chapter_pages_weigh_at_most_300_kb(html_dir):
    for page in sorted((html_dir / "book").rglob("*.html")):
        assert page.stat().st_size <= 300 * 1024, f"{page.name}: {page.stat().st_size} bytes"
