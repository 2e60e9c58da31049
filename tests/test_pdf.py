"""The PDF edition, printed from the built HTML by headless Chromium (select with `pytest -m pdf`).

Needs Debian's chromium, fonts-noto-cjk and poppler-utils (pdftotext, pdffonts, pdfimages): `make system-deps`.
"""

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planbook import paths
from planbook.cli import app
from planbook.fmt import PART_TITLES, zh_number
from planbook.pdf import MARGIN_MM, PdfError, build_pdf, chapters

pytestmark = pytest.mark.pdf
PT_PER_MM = 72 / 25.4


def _poppler(*args: str) -> str:
    if shutil.which(args[0]) is None:
        pytest.fail(f"{args[0]} not found: run `make system-deps` (Debian package poppler-utils)")
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.fixture(scope="module")
def printed(html_dir, tmp_path_factory):
    """The PDF, made by `planbook pdf -o FILE` from the built book (not a terminal: plain progress lines)."""
    out = tmp_path_factory.mktemp("pdf") / "planbook.pdf"
    r = CliRunner().invoke(app, ["pdf", "--output", str(out)])
    assert r.exit_code == 0, r.output
    return out, r.output


@pytest.fixture(scope="module")
def pdf(printed) -> Path:
    return printed[0]


@pytest.fixture(scope="module")
def n_pages(pdf) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(pdf)).pages)


@pytest.fixture(scope="module")
def text(pdf) -> str:
    return _poppler("pdftotext", "-enc", "UTF-8", str(pdf), "-")


def test_progress_is_one_plain_line_per_step_outside_a_terminal(printed):
    out = printed[1]
    for phase in ("assembling", "fonts", "drawing charts", "checking widths", "printing"):
        assert sum(line.strip().startswith(phase + " …") for line in out.splitlines()) == 1, out
    assert "\r" not in out and "\x1b[" not in out
    assert re.search(r"\d+ pages, [\d.]+ MB, 15 chapters", out), out


def test_every_chapter_title_and_main_indicator_is_searchable_text(text):
    flat = _squeeze(text)
    for part, title in PART_TITLES.items():
        assert _squeeze(f"第{zh_number(part)}篇 {title}") in flat, title
    with open(paths.DATA_DIR / "targets.csv", encoding="utf-8", newline="") as f:
        main = [r["name_zh"] for r in csv.DictReader(f) if re.fullmatch(r"m\d\d", r["target_id"])]
    assert len(main) == 25
    missing = [name for name in main if _squeeze(name) not in flat]
    assert missing == []
    for title in ("方法说明", "数据与来源", "如何核验本书数字"):
        assert title in flat


def test_chinese_is_set_in_an_embedded_truetype_cjk_font(pdf):
    rows = [line.split() for line in _poppler("pdffonts", str(pdf)).splitlines()[2:]]
    cjk = [r for r in rows if "NotoSansCJK" in r[0]]
    assert cjk, rows
    # name, type, encoding, emb, sub, uni: embedded, subset, with a Unicode map (selectable, searchable)
    assert all(r[-5:-2] == ["yes", "yes", "yes"] for r in cjk), cjk
    assert not [r for r in rows if "Type" in r and "3" in r], "Type 3 (glyph procedure) fonts in the PDF"
    assert all(r[-5] == "yes" for r in rows), "a font is not embedded"


def test_bookmarks_and_table_of_contents_point_at_each_chapter(pdf, text):
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    marks = {_squeeze(m.title): reader.get_destination_page_number(m) + 1
             for m in reader.outline if not isinstance(m, list)}
    toc_page = _squeeze(_poppler("pdftotext", "-f", "2", "-l", "2", "-enc", "UTF-8", str(pdf), "-"))
    assert toc_page.startswith("目录") or "目录" in toc_page[:40]
    titles = [f"第{zh_number(p)}篇 {t}" for p, t in PART_TITLES.items()]
    titles += ["方法说明", "数据与来源", "如何核验本书数字"]
    for title in titles:
        page = marks.get(_squeeze(title))
        assert page, f"no bookmark for {title}: {list(marks)}"
        assert f"{_squeeze(title)}{page}" in toc_page, f"table of contents does not give page {page} for {title}"
        start = _squeeze(_poppler("pdftotext", "-f", str(page), "-l", str(page), "-enc", "UTF-8", str(pdf), "-"))
        assert _squeeze(title) in start[:200], f"{title} does not start page {page}"


def test_every_page_has_its_number(pdf, n_pages):
    assert n_pages > 40
    for i in range(2, n_pages + 1):
        page = _poppler("pdftotext", "-f", str(i), "-l", str(i), "-layout", str(pdf), "-")
        assert re.search(rf"\b{i}\s*/\s*{n_pages}\b", page), f"page {i} has no page number"


def test_every_word_lies_within_the_text_column(pdf):
    html = _poppler("pdftotext", "-bbox", str(pdf), "-")
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S)
    assert pages
    left = MARGIN_MM * PT_PER_MM
    outside = []
    for n, (w, h, body) in enumerate(pages, 1):
        right = float(w) - MARGIN_MM * PT_PER_MM
        for x0, y0, x1, y1, word in re.findall(
                r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', body):
            if float(x0) < left - 1 or float(x1) > right + 1 or float(y0) < 0 or float(y1) > float(h):
                outside.append(f"page {n}: {word} ({float(x0):.0f}–{float(x1):.0f} pt of {float(w):.0f})")
    assert outside == [], outside[:10]


def test_charts_are_vector_graphics_not_images(pdf, text):
    images = _poppler("pdfimages", "-list", str(pdf)).splitlines()[2:]
    assert images == [], f"{len(images)} raster image(s) in the PDF"
    assert "规划目标" in text and "暂无数据" in text  # chart legends and labels are text


def test_title_page_states_data_as_of_vintage_and_source_date(pdf):
    first = _squeeze(_poppler("pdftotext", "-f", "1", "-l", "1", "-enc", "UTF-8", str(pdf), "-"))
    assert "西藏“十四五”规划实施评估" in first
    assert "数据截至2025年" in first
    with open(paths.DATA_DIR / "sources.csv", encoding="utf-8", newline="") as f:
        vintage = max(r["published"] for r in csv.DictReader(f))
    assert vintage in first
    assert re.search(r"本版日期\d{4}-\d\d-\d\d", first), first


def test_a_table_wider_than_the_page_stops_the_pdf_and_is_named(html_dir, tmp_path):
    html = tmp_path / "html"
    shutil.copytree(html_dir, html, ignore=shutil.ignore_patterns("_downloads"))
    page = html / "book" / "parts" / "part02.html"
    wide = ('<div class="pb-table-wrap"><table class="pb-table"><caption>一张过宽的表</caption><tr>'
            + "".join(f'<td style="white-space:nowrap">第{i}列的很长很长很长的内容</td>' for i in range(12))
            + "</tr></table></div>")
    article = '<article class="bd-article">'
    page.write_text(page.read_text(encoding="utf-8").replace(article, article + wide, 1), encoding="utf-8")
    out = tmp_path / "out" / "planbook.pdf"
    with pytest.raises(PdfError) as err:
        build_pdf(html, out, paths.REPO_ROOT)
    msg = str(err.value)
    assert "第二篇" in msg and "一张过宽的表" in msg, msg
    assert list(out.parent.iterdir()) == [], "a failed print left files behind"


def test_print_document_keeps_every_page_in_toc_order():
    names = [c.docname for c in chapters(paths.REPO_ROOT)]
    assert names[0] == "book/intro"
    assert names[1:12] == [f"book/parts/part{i:02d}" for i in range(1, 12)]
    assert names[12:] == ["book/method", "book/data", "book/verify"]


def test_the_book_links_the_pdf_or_says_how_to_make_it(html_dir):
    from bs4 import BeautifulSoup

    intro = html_dir / "book" / "intro.html"
    note = BeautifulSoup(intro.read_text(encoding="utf-8"), "html.parser").select_one("p.pb-pdf-link")
    assert note is not None
    link = note.find("a")
    if link is None:
        assert "make pdf" in note.get_text()
    else:
        assert link["href"].endswith("planbook.pdf")
        target = (intro.parent / link["href"]).resolve()
        assert target.is_file() and target.read_bytes()[:5] == b"%PDF-"
