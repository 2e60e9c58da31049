"""The built book (_build/html): front page, 11 chapters with their key points, analyses and charts."""

import csv
import io
import json
import re
from datetime import UTC, datetime

import nbformat
from bs4 import BeautifulSoup

from planbook import paths, pipeline
from planbook.assess import assess_all
from planbook.data import CATEGORIES, MAIN, PART
from planbook.fmt import PART_TITLES, zh_number

PARTS = range(1, 12)


def _soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _part(html_dir, part):
    return _soup(html_dir / "book" / "parts" / f"part{part:02d}.html")


def _specs(soup):
    out = []
    for c in soup.select("div.planbook-chart"):
        m = re.search(r"var spec=(\{.*?\});function draw", str(c.find_next("script")), re.S)
        out.append((c, json.loads(m.group(1).replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&"))))
    return out


def test_index_and_eleven_chapters(html_dir):
    assert (html_dir / "index.html").exists()
    for part in PARTS:
        h1 = _part(html_dir, part).find("h1")
        assert h1 and f"第{zh_number(part)}篇" in h1.get_text() and PART_TITLES[part].split()[0] in h1.get_text()


# ---- the front page --------------------------------------------------------------------------------
def test_front_page_gives_the_verdict_and_the_25_tiles(html_dir, ds):
    soup = _soup(html_dir / "book" / "intro.html")
    a = assess_all(ds, 2025).set_index("target_id")
    main = ds.group(MAIN)
    verdict = " ".join(p.get_text() for p in soup.select("p.pb-verdict"))
    met, missed = int((a.loc[main["target_id"], "final_2025"] == "met").sum()), \
        int((a.loc[main["target_id"], "final_2025"] == "not_met").sum())
    assert f"已完成 {met} 项，未完成 {missed} 项" in verdict
    assert "二〇三五年远景" in verdict and "尚不知道的" in soup.get_text()
    groups = soup.select("section.pb-grid-group")
    assert [g.find("h3").get_text() for g in groups] == list(CATEGORIES)
    tiles = soup.select("li.pb-tile")
    assert len(tiles) == 25
    home = ds.main_indicators.set_index("target_id")["part"]
    cats = ds.main_indicators.set_index("target_id")["category"]
    for tile, tid in zip(tiles, sorted(main["target_id"], key=lambda t: (CATEGORIES.index(cats[t]), t)), strict=True):
        link = tile.find("a")["href"]
        assert link == f"parts/part{int(home[tid]):02d}.html#pb-t-{tid}", (tid, link)
        assert a.loc[tid, "status_zh"] in tile.select_one(".pb-tile-status").get_text(), tid
        assert tile.select_one(".pb-tile-status span[aria-hidden]"), "a symbol besides the word"
    assert soup.find("a", href="method.html"), "the method is one click away"


def test_front_page_links_reach_the_indicators(html_dir, ds):
    soup = _soup(html_dir / "book" / "intro.html")
    for tile in soup.select("li.pb-tile"):
        page, anchor = tile.find("a")["href"].split("#")
        if "暂无公开数据" in tile.get_text():
            continue  # no figures: the indicator is listed among the targets without data
        assert _soup(html_dir / "book" / page).find(id=anchor), tile.find("a")["href"]


# ---- every chapter -----------------------------------------------------------------------------------
def test_every_chapter_opens_with_its_key_points(html_dir):
    for part in PARTS:
        soup = _part(html_dir, part)
        first = soup.select_one("article h2")
        assert first and first.get_text().strip().startswith("本篇要点"), part
        items = soup.select("ul.pb-keypoints li")
        assert 3 <= len(items) <= 5, (part, len(items))
        for li in items:  # each finding links to its detail, on this page or another
            for a in li.find_all("a"):
                page, _, anchor = a["href"].partition("#")
                target = soup if not page else _soup((html_dir / "book" / "parts" / page).resolve())
                assert not anchor or target.find(id=anchor), (part, a["href"])


def test_main_indicators_are_analysed_in_their_parts(html_dir, ds):
    placed = ds.main_indicators.set_index("target_id")
    for tid, row in placed.iterrows():
        soup = _part(html_dir, int(row["part"]))
        obs = ds.observed(ds.targets.set_index("target_id").loc[tid, "series_id"], 2025) \
            if ds.targets.set_index("target_id").loc[tid, "series_id"] else []
        if len(obs) and (obs["year"] > 2020).any():
            assert soup.find(id=f"pb-t-{tid}"), (tid, int(row["part"]))
        else:
            assert tid in soup.get_text(), (tid, "listed among the targets without data")


def test_analysis_sections_are_each_chapters_own(html_dir):
    common = {"本篇要点", "本篇的主要指标", "本篇其他目标", "重大工程与里程碑", "数据来源", "下载本章数据",
              "主要指标详情"}
    headings = {}
    for part in PARTS:
        soup = _part(html_dir, part)
        headings[part] = {h.get_text().strip().rstrip("#").strip() for h in soup.select("h2, h3")
                          if h.get_text().strip().rstrip("#").strip() not in common}
    own = {p for p in PARTS if any(all(h not in headings[q] for q in PARTS if q != p) for h in headings[p]
                                   if not h.startswith("量化目标"))}
    assert len(own) >= 8, own


def test_no_part_notebook_is_a_copy_of_another():
    cells = {}
    for p in sorted((paths.REPO_ROOT / "notebooks").glob("part*.ipynb")):
        nb = nbformat.read(p, as_version=4)
        cells[p.stem] = {c.source for c in nb.cells if c.source.strip()}
    names = sorted(cells)
    own = {n: cells[n] - set().union(*(cells[m] for m in names if m != n)) for n in names}
    for n in names:
        assert len(own[n]) >= 3, (n, "needs text and analysis of its own")
    with_code = [n for n in names for s in own[n] if "pb.analysis" in s or "import altair" in s]
    assert len(set(with_code)) >= 8, set(with_code)


def test_targets_with_figures_have_a_chart_against_the_required_path(html_dir, ds):
    a = assess_all(ds, 2025).set_index("target_id")
    for part in PARTS:
        soup = _part(html_dir, part)
        specs = _specs(soup)
        assert all(c.get("aria-label") for c, _ in specs), "every chart carries a text alternative"
        for anchor in soup.select("div.pb-anchor[id^=pb-t-]"):
            tid = anchor["id"][5:]
            chart = anchor.find_next("div", class_="planbook-chart")
            spec = next(s for c, s in specs if c is chart)
            layers = json.dumps(spec, ensure_ascii=False)
            assert "实际值" in layers, tid  # the actual series is labelled in the legend
            kind = ds.targets.set_index("target_id").loc[tid, "kind"]
            if a.loc[tid, "method"] in ("growth_ratio", "distance_share", "cagr_of_levels", "mean_of_rates",
                                        "benchmark_trend"):
                assert "规划要求路径" in layers, tid
            if kind in ("ceiling", "floor") and a.loc[tid, "target_value"] == a.loc[tid, "target_value"]:
                assert "达标区间" in layers and '"mark": {"opacity": 0.12, "type": "rect"}' in layers, tid
            unit = ds.series_by_id[ds.targets.set_index("target_id").loc[tid, "series_id"]]["unit"]
            assert f"（{unit}）" in layers, (tid, "unit on the axis")


# ---- correctness defects a reader found ------------------------------------------------------------
def test_a_scorecard_row_never_contradicts_itself(html_dir):
    for part in PARTS:
        for tr in _part(html_dir, part).select("table.pb-scorecard tbody tr"):
            status = tr.find("td").get_text()
            assert not (any(w in status for w in ("已实现", "提前实现", "已完成")) and "未完成" in status), status
            goal_year = re.search(r"（(\d{4})年）$", tr.find_all("td")[5].get_text()).group(1)
            if f"（{goal_year}年" in tr.find_all("td")[3].get_text():  # the target year's figure is out: final
                assert "已完成" in status or "未完成" in status, (part, tr.get_text())


def test_gdp_growth_wears_its_final_verdict_with_the_gap(html_dir):
    soup = _part(html_dir, 1)
    row = next(tr for tr in soup.select("table.pb-scorecard tbody tr") if "m01" in tr.get_text())
    status = row.find("td").get_text()
    assert "未完成" in status and "需加快" not in status and "个百分点" in status


def test_benchmark_targets_change_in_percent_a_year(html_dir, ds):
    for tr in _part(html_dir, 1).select("table.pb-scorecard tbody tr"):
        tid = tr.select_one(".pb-id").get_text().split()[0]
        if tid in ("p01_001", "p01_002", "p01_006", "p01_007"):
            rate = tr.find_all("td")[4].get_text()
            assert rate.endswith("%/年") and "元" not in rate, (tid, rate)


def test_the_baseline_column_shows_the_plans_baseline_first(html_dir):
    rows = {}
    for part in PARTS:
        for tr in _part(html_dir, part).select("table.pb-scorecard tbody tr"):
            rows[tr.select_one(".pb-id").get_text().split()[0]] = tr.find_all("td")[2].get_text()
    assert rows["m24"].startswith("80万吨（规划") and "83" in rows["m24"]  # 青稞: plan 80, published 83
    assert rows["m02"].startswith("32%（规划") and "35.73" in rows["m02"]  # urbanization, census basis
    for tid, plan in (("m20", "47%"), ("m22", "75.4%"), ("m23", "96.76%")):
        assert rows[tid].startswith(f"{plan}（规划"), (tid, rows[tid])


def test_urbanization_is_read_both_ways(html_dir):
    text = _part(html_dir, 2).get_text()
    assert "另一读法" in text and "43.73" in text and "两种读法" in text


def test_page_footer_carries_the_data_vintage(html_dir):
    vintage = pipeline.data_vintage(paths.DATA_DIR)
    day = datetime.strptime(vintage, "%Y-%m-%d").replace(tzinfo=UTC)
    shown = f"{day.year} 年 {day.month:02d} 月 {day.day:02d} 日"
    for page in ("book/intro.html", "book/parts/part05.html"):
        text = (html_dir / page).read_text(encoding="utf-8")
        assert f"最后更新于 {shown}" in text, page
        assert "2026 年 01 月 01 日" not in text or vintage == "2026-01-01"


# ---- evidence ----------------------------------------------------------------------------------------
def test_sources_cite_the_original_first_and_warn_about_spam(html_dir, ds):
    src = ds.sources.set_index("source_id")
    soup = _soup(html_dir / "book" / "data.html")
    table = soup.select_one("table.pb-sources")
    seen_warn = seen_orig = 0
    for tr in table.select("tbody tr"):
        sid = tr.find("td").get_text()
        cell = tr.find_all("td")[1]
        links = cell.find_all("a")
        s = src.loc[sid]
        if s["original"] == "转载":
            assert "所见转载页" in cell.get_text(), sid
            assert cell.get_text().startswith(s["original_publisher"]), sid
            if s["original_url"]:
                assert links[0]["href"] == s["original_url"], sid
                seen_orig += 1
            if s["url_warning"]:
                assert "⚠" in cell.get_text() and s["url_warning"] in cell.get_text(), sid
                seen_warn += 1
        assert tr.find_all("td")[2].get_text() == s["grade"], sid
    assert seen_orig and seen_warn


def test_data_page_counts_grades_conflicts_and_undertakings(html_dir, ds):
    soup = _soup(html_dir / "book" / "data.html")
    grades = next(t for t in soup.select("table") if t.caption and "证据等级" in t.caption.get_text())
    counts = {tr.find_all("td")[0].get_text(): int(tr.find_all("td")[2].get_text()) for tr in grades.select("tbody tr")}
    assert counts == {g: int((ds.observations["grade"] == g).sum()) for g in "ABCD"}
    assert sum(counts.values()) == len(ds.observations)
    text = soup.get_text()
    assert "已知冲突与处理" in text and "具名工程的进展证据：按篇" in text and "具名工程的进展证据：按工程类别" in text
    for c in ds.conflicts["title_zh"]:
        assert c in text


# ---- offline, weight, downloads ---------------------------------------------------------------------
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


def test_part1_scorecard_lists_the_25_main_indicators_by_category(html_dir):
    soup = _part(html_dir, 1)
    cards = soup.select("table.pb-scorecard")[:5]
    ids = [tr.select_one(".pb-id").get_text().split()[0] for card in cards for tr in card.select("tbody tr")]
    assert sorted(ids) == [f"m{i:02d}" for i in range(1, 26)]


def test_scorecard_says_what_the_assessment_says(html_dir, ds):
    a = assess_all(ds, 2025).set_index("target_id")
    for part in PARTS:
        for tr in _part(html_dir, part).select("table.pb-scorecard tbody tr"):
            cells = tr.find_all("td")
            tid = cells[1].select_one(".pb-id").get_text().split()[0]
            assert a.loc[tid, "status_zh"] in cells[0].get_text(), tid
            latest = a.loc[tid, "latest_year"]
            if latest == latest:  # not NaN
                shown = cells[3].get_text()
                assert f"（{int(latest)}年" in shown, tid
                assert ("年份推断" in shown) == bool(a.loc[tid, "latest_year_inferred"]), tid
                if a.loc[tid, "latest_qualifier"]:  # the word printed with the figure, e.g. 5%以内
                    assert shown.split("（")[0].endswith(a.loc[tid, "latest_qualifier"]), tid


def test_every_chapter_offers_its_data_as_csv(html_dir, ds):
    for part in PARTS:
        soup = _part(html_dir, part)
        link = soup.select_one("a.download")
        assert link and link["href"].endswith(f"part{part:02d}.csv"), part
        path = (html_dir / "book" / "parts" / link["href"]).resolve()
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        ids = {r["target_id"] for r in rows}
        t = ds.plan_targets
        placed = ds.main_indicators[ds.main_indicators["part"] == part]["target_id"]
        expected = set(t[t["part"] == part]["target_id"]) | set(placed)
        assert ids == expected, part
        for r in rows:
            if r["year"]:
                assert r["source_url"].startswith("http") and r["source_title"] and r["grade"] in "ABCD", \
                    (part, r["target_id"])


def test_chapter_pages_weigh_at_most_300_kb(html_dir):
    for page in sorted((html_dir / "book").rglob("*.html")):
        assert page.stat().st_size <= 300 * 1024, f"{page.name}: {page.stat().st_size} bytes"


def test_every_part_target_group_is_shown(html_dir, ds):
    """Every numeric target of a part appears on its page: in a scorecard, a chart or the no-data list."""
    for part in PARTS:
        text = _part(html_dir, part).get_text()
        t = ds.group(PART)
        for tid in t[t["part"] == part]["target_id"]:
            assert tid in text, (part, tid)
