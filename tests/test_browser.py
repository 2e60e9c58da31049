"""The built book in headless Chromium with every request outside the book blocked."""

from pathlib import Path

import pytest

from planbook.pdf import CHROMIUM, CHROMIUM_ARGS, offline_guard

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make system-deps` (Debian package chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser, url, width=1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    blocked, errors = offline_guard(page)
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
    rows = sum(page.locator("table.pb-scorecard").nth(i).locator("tbody tr").count() for i in range(5))
    assert rows == 25
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
    # Sphinx adds the results one by one: wait until the list stops growing
    page.wait_for_function("""() => { const n = document.querySelectorAll('#search-results li').length;
        const same = window.__pbLast === n; window.__pbLast = n; return same; }""", polling=1000, timeout=30_000)
    hits = page.locator("#search-results li a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert any("part01" in h for h in hits), hits  # 青稞产量 is main indicator m24
    assert any("part04" in h for h in hits), hits  # 青稞 bases and varieties of part 4
    assert blocked == [] and errors == []
    page.close()


AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"


def test_no_wcag_violation_on_any_page(browser, html_dir):
    """axe-core's WCAG 2 A and AA rules, run offline on every page of the book."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test` (it installs axe-core from tests/js/package-lock.json)")
    found = {}
    for path in _pages(html_dir):
        if 'http-equiv="Refresh"' in path.read_text(encoding="utf-8"):
            continue  # index.html only redirects to the front page
        page, _, _ = _open(browser, path.as_uri())
        if page.locator("div.planbook-chart").count():
            page.wait_for_function(
                "() => [...document.querySelectorAll('div.planbook-chart')].every(d => d.querySelector('svg'))",
                timeout=30_000)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})
                                  .then(r => r.violations.map(v => [v.id, v.nodes.length,
                                                                    v.nodes[0].target.join(' ')]))""")
        if result:
            found[str(path.relative_to(html_dir))] = result
        page.close()
    assert found == {}, found


def test_no_table_is_wider_than_its_column_at_1280_px(browser, html_dir):
    """Tables fit the text column (no sideways scrolling on a desktop) and names are not cut into 2-character lines."""
    for path in sorted((html_dir / "book").rglob("*.html")):
        page, _, _ = _open(browser, path.as_uri(), width=1280)
        wide = page.evaluate("""() => [...document.querySelectorAll('table')].filter(t => t.closest('article'))
            .map(t => [t.caption ? t.caption.innerText : t.innerText.slice(0, 30), t.getBoundingClientRect().width,
                       t.closest('.pb-table-wrap, .bd-article, article').parentElement.getBoundingClientRect().width])
            .filter(([_, w, col]) => w > col + 1)""")
        assert wide == [], f"{path.name}: tables wider than the column {wide[:3]}"
        # a name must not be broken into lines of two characters: count the lines of its first text
        narrow = page.evaluate("""() => [...document.querySelectorAll(
                'table.pb-scorecard td:nth-child(2) a, table.pb-milestones td:first-child')].map(e => {
            const text = [...e.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
            if (!text) return null;
            const r = document.createRange(); r.selectNodeContents(text);
            const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top))).size;
            return lines > 1 && text.textContent.trim().length / lines <= 2.5 ? text.textContent.trim() : null;
        }).filter(x => x)""")
        assert narrow == [], f"{path.name}: names squeezed into a narrow column {narrow[:3]}"
        page.close()


def test_scrolling_table_boxes_are_reachable_from_the_keyboard(browser, html_dir):
    page, _, _ = _open(browser, (html_dir / "book" / "parts" / "part05.html").as_uri(), width=390)
    boxes = page.locator(".pb-table-wrap")
    assert boxes.count() > 3
    scrolling = page.evaluate("""() => [...document.querySelectorAll('.pb-table-wrap')]
        .filter(b => b.scrollWidth > b.clientWidth).map(b => b.getAttribute('tabindex'))""")
    assert scrolling and all(t == "0" for t in scrolling)
    index = page.evaluate("""() => [...document.querySelectorAll('.pb-table-wrap')]
        .findIndex(b => b.scrollWidth > b.clientWidth)""")
    box = boxes.nth(index)
    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(200)
    assert box.evaluate("b => b.scrollLeft") > 0, "the focused box scrolls with the arrow keys"
    page.close()


def test_front_page_at_390_and_1280(browser, html_dir):
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page, _, errors = _open(browser, (html_dir / "book" / "intro.html").as_uri(), width=width)
        assert page.locator("li.pb-tile").count() == 25
        page.screenshot(path=str(ARTIFACTS / f"intro-{width}px.png"), full_page=False)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1
        assert errors == []
        page.close()
