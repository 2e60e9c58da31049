"""The built book in headless Chromium with every request outside the book blocked."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PLANBOOK_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make system-deps` (Debian package chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, url, width=1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    blocked, errors = [], []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, blocked, errors


def _pages(html_dir):
    return sorted(p for p in html_dir.rglob("*.html") if "_static" not in p.parts)


def test_every_page_loads_offline_without_errors_and_renders_its_charts(browser, html_dir):
    for path in _pages(html_dir):
        page, blocked, errors = _open(browser, path.as_uri())
        n = page.locator("div.planbook-chart").count()
        if n:
            page.wait_for_function(
                "() => [...document.querySelectorAll('div.planbook-chart')].every(d => d.querySelector('svg, canvas'))",
                timeout=30_000)
        assert blocked == [], f"{path}: requests outside the book {blocked[:3]}"
        assert errors == [], f"{path}: console errors {errors[:3]}"
        page.close()


def test_part1_scorecard_shows_25_indicators(browser, html_dir):
    page, _, _ = _open(browser, (html_dir / "book" / "parts" / "part01.html").as_uri())
    rows = page.locator("table.pb-scorecard").first.locator("tbody tr")
    assert rows.count() == 25
    assert "m25" in rows.nth(24).inner_text()
    page.close()


def test_every_chapter_fits_a_390_pixel_screen(browser, html_dir):
    for path in sorted((html_dir / "book").rglob("*.html")):
        page, _, _ = _open(browser, path.as_uri(), width=390)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 391, f"{path.name} scrolls horizontally at 390 px ({width} px wide)"
        page.close()


def test_narrow_screen_screenshot(browser, html_dir):
    ARTIFACTS.mkdir(exist_ok=True)
    page, _, errors = _open(browser, (html_dir / "book" / "parts" / "part01.html").as_uri(), width=390)
    page.wait_for_function("() => document.querySelector('div.planbook-chart svg')", timeout=30_000)
    out = ARTIFACTS / "part01-390px.png"
    page.screenshot(path=str(out), full_page=False)
    assert out.stat().st_size > 10_000
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"page scrolls horizontally at 390 px ({width} px wide)"
    assert errors == []
    page.close()


def test_chinese_search_finds_the_right_chapter(browser, html_dir):
    page, blocked, errors = _open(browser, (html_dir / "search.html").as_uri() + "?q=青稞")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length > 0", timeout=30_000)
    hits = page.locator("#search-results li a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert any("part01" in h for h in hits), hits  # 青稞产量 is main indicator m24
    assert any("part04" in h for h in hits), hits  # 青稞 bases and varieties of part 4
    assert blocked == [] and errors == []
    page.close()


def test_selection_switches_the_chart(browser, html_dir):
    page, _, errors = _open(browser, (html_dir / "book" / "parts" / "part01.html").as_uri())
    chart = page.locator("div.planbook-chart", has=page.locator("select")).first
    chart.locator("svg").wait_for()
    before = chart.locator("svg").inner_html()
    options = chart.locator("select option").count()
    assert options == 25
    chart.locator("select").select_option(index=6)
    page.wait_for_timeout(500)
    assert chart.locator("svg").inner_html() != before
    assert errors == []
    page.close()
