"""The PDF edition: the whole built book in one PDF, printed by headless Chromium.

The built HTML pages are assembled, in ``_toc.yml`` order, into one print document: a title page
(data as of, data vintage, source date), a table of contents, then each page's article (the theme's
navigation, search and footer left out; ids made unique across pages, links between pages turned into
links inside the PDF).  Chromium renders every chart with the book's own Vega bundle (as SVG, so the
charts stay vector graphics), checks that nothing is wider than the page, and prints twice: once to
read from the PDF outline on which page each chapter starts, once with those numbers in the table of
contents.

Chromium embeds TrueType fonts as fonts but turns CFF-flavoured OpenType fonts (Debian's Noto CJK)
into Type 3 glyph procedures; the print document therefore loads a TrueType subset of Noto Sans CJK
SC, made with fontTools from the installed font and holding only the characters the book uses.
"""

# The Sphinx extension and the pipeline import this module for PDF_ENV and the stamp functions at every
# HTML build; the heavy libraries of printing (Playwright, fontTools, pypdf, Beautiful Soup) are imported
# in the functions that print, so that an HTML build does not load them.
from __future__ import annotations

import csv
import hashlib
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from planbook import paths

PDF_NAME = "planbook.pdf"
PDF_STAMP = ".planbook-pdf-inputs"
PDF_ENV = "PLANBOOK_PDF"  # tells the HTML build (sphinxext) the PDF to link: its path from the root, with a leading "/"
CHROMIUM = os.environ.get("PLANBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
# The page box of templates/print.css (A4, 16 mm left and right): the content is at most this wide.
PAGE_WIDTH_MM = 210.0
MARGIN_MM = 16.0
CONTENT_WIDTH_PX = (PAGE_WIDTH_MM - 2 * MARGIN_MM) / 25.4 * 96
FONT_FAMILY = "Noto Sans CJK SC"
ROOT_TITLE = "导言"  # the front page's heading repeats the book title, which the title page already shows
PRINT_CSS = Path(__file__).with_name("templates") / "print.css"
# Always in the font subset: what Vega and the page furniture may print besides the book's own text.
EXTRA_CHARS = ("".join(chr(c) for c in range(0x20, 0x7F)) + "\u00a0\u00b7\u2012\u2013\u2014\u2018\u2019\u201c\u201d"
               "\u2026\u2212\u00d7\u3000\u3001\u3002\u300a\u300b\uff08\uff09\uff0c\uff1a\uff1b")
CHART_SCRIPT = "planbookEmbed"


class PdfError(Exception):
    """The PDF could not be made (missing browser or font, a chart that did not render, a table too wide …)."""


@dataclass(frozen=True)
class Chapter:
    docname: str  # book/parts/part01
    key: str  # part01: prefix of the chapter's ids in the print document
    caption: str  # the _toc.yml part caption ("" for the root page)

    @property
    def anchor(self) -> str:
        return f"ch-{self.key}"


@dataclass(frozen=True)
class Facts:
    title: str
    as_of: int
    vintage: str  # latest publication date among the sources
    source_date: str  # date of the sources the book was built from (SOURCE_DATE_EPOCH or the commit)
    commit: str
    changed: bool = False  # book/, data/ or the configuration differ from the commit


@dataclass
class Result:
    path: Path
    pages: int
    size: int
    seconds: float
    chapters: list[tuple[str, int]] = field(default_factory=list)  # (title, first page)


Progress = Callable[[str, str, int, int], None]  # (phase, detail, done, total)


def offline_guard(page) -> tuple[list[str], list[str]]:
    """Let a Playwright page load local files only; return the lists it fills with the
    blocked URLs and with its console and script errors."""
    blocked: list[str] = []
    errors: list[str] = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return blocked, errors


def _quiet(phase: str, detail: str, done: int, total: int) -> None:
    return None


# ---- what goes into the book ------------------------------------------------------------------
def chapters(root: Path) -> list[Chapter]:
    """The pages of the book in _toc.yml order: the root page, then every part's chapters."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    out = [Chapter(toc["root"], _key(toc["root"]), "")]
    for part in toc.get("parts", []):
        for ch in part.get("chapters", []):
            out.append(Chapter(ch["file"], _key(ch["file"]), part.get("caption", "")))
    for ch in toc.get("chapters", []):
        out.append(Chapter(ch["file"], _key(ch["file"]), ""))
    return out


def _key(docname: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", Path(docname).name)


def _git(root: Path, *args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def facts(root: Path) -> Facts:
    """What the title page states; all of it comes from the sources, none from the clock."""
    import nbformat
    import yaml

    title = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")).get("title", "planbook")
    as_of = set()
    for nb in sorted((root / "book").rglob("*.ipynb")):
        if any(p.startswith(".run-") for p in nb.relative_to(root).parts):
            continue
        params = nbformat.read(nb, as_version=4).metadata.get("planbook", {}).get("parameters", {})
        if "as_of_year" in params:
            as_of.add(int(params["as_of_year"]))
    if len(as_of) != 1:
        raise PdfError(f"the published notebooks in book/ were executed for different years {sorted(as_of)}; "
                       "run `planbook run` so that they agree" if as_of else "no published notebook in book/")
    with open(root / "data" / "sources.csv", encoding="utf-8", newline="") as f:
        vintage = max((r["published"] for r in csv.DictReader(f) if r.get("published")), default="")
    commit = _git(root, "rev-parse", "--short=12", "HEAD")
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        source_date = datetime.fromtimestamp(int(epoch), tz=UTC).date().isoformat()
    else:
        committed = _git(root, "log", "-1", "--format=%cI", "HEAD")
        source_date = committed[:10] if committed else vintage
    changed = bool(commit and _git(root, "status", "--porcelain", "--", "book", "data", "_toc.yml", "_config.yml"))
    return Facts(title, as_of.pop(), vintage, source_date, commit, changed)


# ---- one print document -----------------------------------------------------------------------
def _is_chart_script(tag) -> bool:
    return CHART_SCRIPT in (tag.string or "")


def extract(html_file: Path, chapter: Chapter, pages: dict[Path, Chapter], front: bool = False) -> tuple[str, str]:
    """The article of one built page, ready for the print document: (heading text, HTML).

    Ids get the chapter's key as prefix; a link to another page of the book becomes a link inside the
    document; a link to a file of the HTML book (a CSV download) keeps its text but no address, since
    the PDF travels without those files; only the chart scripts are kept; ``<details>`` are opened.  The
    front page's heading, the book's title, becomes ``ROOT_TITLE``.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article.bd-article") or soup.select_one("main")
    if article is None:
        raise PdfError(f"{html_file}: no article element; is this a page built by Jupyter Book?")
    for tag in article.select("a.headerlink, .pb-pdf-link, .toctree-wrapper, .d-print-none"):
        tag.decompose()
    for tag in article.find_all("script"):
        if not _is_chart_script(tag):
            tag.decompose()
    prefix = f"{chapter.key}--"
    ids = {}
    for tag in article.find_all(id=True):
        ids[tag["id"]] = prefix + tag["id"]
        tag["id"] = ids[tag["id"]]
    for attr in ("for", "aria-labelledby", "aria-describedby", "headers"):
        for tag in article.find_all(attrs={attr: True}):
            tag[attr] = " ".join(ids.get(t, t) for t in str(tag[attr]).split())
    for tag in article.find_all("script"):
        tag.string = re.sub(r'getElementById\("([^"]+)"\)',
                            lambda m: f'getElementById("{ids.get(m.group(1), m.group(1))}")', tag.string)
    for tag in article.find_all("details"):
        tag["open"] = ""
    for tag in article.find_all(["img", "source"], src=True):
        parts = urlsplit(tag["src"])
        if not parts.scheme:
            tag["src"] = (html_file.parent / unquote(parts.path)).resolve().as_uri()
    for a in article.find_all("a", href=True):
        a["href"] = _link(a["href"], html_file, chapter, pages, ids)
        if not a["href"]:
            del a["href"]
            a.attrs.pop("download", None)
    heading = article.find("h1")
    if heading is None:
        raise PdfError(f"{html_file}: the page has no heading (h1)")
    if front:
        heading.string = ROOT_TITLE
    title = " ".join(heading.get_text(" ", strip=True).split())
    body = "".join(str(c) for c in article.contents)
    return title, f'<section class="pb-chapter" id="{chapter.anchor}">\n{body}\n</section>'


def _link(href: str, html_file: Path, chapter: Chapter, pages: dict[Path, Chapter], ids: dict[str, str]) -> str:
    parts = urlsplit(href)
    if parts.scheme or href.startswith("//"):
        return href  # a source on the web, mailto: …
    if not parts.path:
        return f"#{ids.get(parts.fragment, chapter.key + '--' + parts.fragment)}" if parts.fragment else ""
    target = (html_file.parent / unquote(parts.path)).resolve()
    other = pages.get(target)
    if other is None:
        return ""  # a file of the HTML book (a download): not in the PDF
    return f"#{other.key}--{parts.fragment}" if parts.fragment else f"#{other.anchor}"


FOOTNOTE = ("本 PDF 由网页版全书生成：文字、表格和图表与网页版相同；带下拉菜单的图表印出的是默认选项，"
            "各指标的数据见每张图下的“图表数据（文字版）”。每个数字的来源见各章“数据来源”和“数据与来源”。")


def cover(f: Facts) -> str:
    commit = f"（提交 {escape(f.commit)}{'，另有未提交的改动' if f.changed else ''}）" if f.commit else ""
    return f"""<section class="pb-cover">
<div class="pb-cover-title">{escape(f.title)}</div>
<p class="pb-cover-sub">逐篇跟踪《西藏自治区国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要》\
的目标完成情况</p>
<dl>
<dt>评估口径</dt><dd>数据截至 {f.as_of} 年</dd>
<dt>数据版本</dt><dd>所引来源最晚发布于 {escape(f.vintage)}</dd>
<dt>本版日期</dt><dd>{escape(f.source_date)}{commit}</dd>
</dl>
<p class="pb-cover-foot">{FOOTNOTE}</p>
</section>"""


def toc(entries: list[tuple[Chapter, str]]) -> str:
    """The table of contents, its page numbers to be filled in once the chapters' pages are known."""
    rows, caption = [], None
    for ch, title in entries:
        if ch.caption and ch.caption != caption:
            rows.append(f'<div class="pb-toc-group">{escape(ch.caption)}</div>')
        caption = ch.caption
        rows.append(f'<a class="pb-toc-entry" href="#{ch.anchor}"><span class="pb-toc-title">{escape(title)}</span>'
                    f'<span class="pb-toc-leader"></span><span class="pb-toc-page" id="toc-{ch.key}">000</span></a>')
    return '<nav class="pb-toc"><h1 id="pb-toc">目录</h1>\n' + "\n".join(rows) + "\n</nav>"


def _css_string(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def document(f: Facts, entries: list[tuple[Chapter, str]], bodies: list[str], html_dir: Path, font_css: str) -> str:
    static = html_dir / "_static"
    links = "\n".join(f'<link rel="stylesheet" href="{(static / name).as_uri()}">'
                      for name in ("pygments.css", "planbook.css") if (static / name).exists())
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{escape(f.title)}</title>
{links}
<style>{font_css}</style>
<style>{PRINT_CSS.read_text(encoding="utf-8")}
@page {{ @top-right {{ content: "{_css_string(f.title)}"; }} }}
@page :first {{ @top-right {{ content: none; }} }}</style>
<script src="{(static / "planbook-vega.js").as_uri()}"></script>
</head><body>
{cover(f)}
{toc(entries)}
{chr(10).join(bodies)}
</body></html>
"""


# ---- fonts --------------------------------------------------------------------------------------
def _installed_font(bold: bool) -> tuple[Path, int]:
    style = "Bold" if bold else "Regular"
    try:
        out = subprocess.run(["fc-match", "-f", "%{family}\n%{file}\n%{index}", f"{FONT_FAMILY}:style={style}"],
                             capture_output=True, text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        out = []
    if len(out) >= 3 and FONT_FAMILY in out[0] and Path(out[1]).exists():
        return Path(out[1]), int(out[2] or 0)
    raise PdfError(f"the PDF needs the font {FONT_FAMILY} {style} (Debian's fonts-noto-cjk): run `make system-deps`")


def truetype_subset(src: Path, index: int, text: str, dst: Path) -> None:
    """Write the glyphs ``text`` needs from an OpenType font as a TrueType (glyf) font."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(str(src), fontNumber=index)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    if "CFF " in font:
        order = font.getGlyphOrder()
        glyph_set = font.getGlyphSet()
        glyphs = {}
        for name in order:
            pen = TTGlyphPen(None)
            glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
            glyphs[name] = pen.glyph()
        del font["CFF "]
        if "VORG" in font:
            del font["VORG"]
        font["loca"] = newTable("loca")
        glyf = font["glyf"] = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = glyphs
        maxp = font["maxp"] = newTable("maxp")
        maxp.tableVersion = 0x00010000
        for name in ("maxZones",):
            setattr(maxp, name, 1)
        for name in ("maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours", "maxTwilightPoints",
                     "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                     "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
            setattr(maxp, name, 0)
        post = font["post"]
        post.formatType = 2.0
        post.extraNames = []
        post.mapping = {}
        post.glyphOrder = order
        font.sfntVersion = "\x00\x01\x00\x00"
    font.save(str(dst))


def font_faces(text: str, workdir: Path) -> str:
    """@font-face rules for TrueType subsets of the installed Noto Sans CJK SC (regular and bold)."""
    chars = "".join(sorted(set(text) | set(EXTRA_CHARS)))
    rules = []
    for weight, bold in ((400, False), (700, True)):
        src, index = _installed_font(bold)
        dst = workdir / f"NotoSansCJKsc-{weight}.ttf"
        truetype_subset(src, index, chars, dst)
        rules.append(f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; font-style: normal; '
                     f'src: url("{dst.as_uri()}") format("truetype"); }}')
    return "\n".join(rules)


# ---- in the browser -----------------------------------------------------------------------------
CHART_COUNT = "() => [document.querySelectorAll('div.planbook-chart').length, " \
              "document.querySelectorAll('div.planbook-chart svg').length]"

UNDRAWN = """() => [...document.querySelectorAll('div.planbook-chart')].filter(d => !d.querySelector('svg'))
  .map(d => { const ch = d.closest('section.pb-chapter');
              return (ch ? ch.querySelector('h1').textContent : '') + ' #' + d.id; })"""

# A drop-down of a chart (Vega binding) prints as the text of its current choice.
FREEZE_SELECTS = """() => {
  for (const s of document.querySelectorAll('.planbook-chart select')) {
    const choice = document.createElement('span');
    choice.className = 'pb-print-choice';
    choice.textContent = s.options[s.selectedIndex] ? s.options[s.selectedIndex].text : '';
    const note = document.createElement('span');
    note.className = 'pb-print-note';
    note.textContent = '（打印版显示此项；全部指标的数据见下方“图表数据（文字版）”）';
    s.replaceWith(choice, note);
  }
}"""

# Everything wider than the content box, named by chapter and by table caption or nearest heading.
TOO_WIDE = """(width) => {
  const out = [];
  const seen = new Set();
  const label = (el) => {
    const ch = el.closest('section.pb-chapter');
    const h1 = ch ? ch.querySelector('h1') : null;
    const table = el.closest('table');
    let what = '';
    if (table) {
      const cap = table.querySelector('caption');
      what = 'table ' + (cap ? '“' + cap.textContent.trim() + '”' : '(no caption)');
    } else {
      let p = el;
      while (p && !what) {
        let s = p.previousElementSibling;
        while (s && !/^H[1-6]$/.test(s.tagName)) s = s.previousElementSibling;
        if (s) what = 'after heading “' + s.textContent.trim() + '”';
        p = p.parentElement;
      }
      const cls = typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : '';
      what = el.tagName.toLowerCase() + cls + ' ' + what;
    }
    return (h1 ? h1.textContent.trim() : '(front matter)') + ': ' + what;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const clipped = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible';
    if (r.right > width + 0.5 || r.left < -0.5 || clipped) {
      const key = label(el);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(key + ' (' + Math.round(r.width) + ' px of ' + Math.round(width) + ')');
      }
    }
  }
  const doc = document.documentElement.scrollWidth;
  if (doc > Math.ceil(width) + 1) out.push('the document is ' + doc + ' px wide');
  return out;
}"""


def _outline(pdf: Path) -> tuple[list[tuple[str, int]], int]:
    """Top-level bookmarks of a PDF, (title, 1-based page), and its number of pages."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    marks = [(" ".join(item.title.split()), reader.get_destination_page_number(item) + 1)
             for item in reader.outline if not isinstance(item, list)]
    return marks, len(reader.pages)


def _norm(s: str) -> str:
    return "".join(s.split())


def _chapter_pages(pdf: Path, entries: list[tuple[Chapter, str]]) -> tuple[dict[str, int], int]:
    """On which page each chapter starts (from the bookmarks Chromium makes of the h1 headings)."""
    outline, n_pages = _outline(pdf)
    found, i = {}, 0
    for ch, title in entries:
        while i < len(outline) and _norm(outline[i][0]) != _norm(title):
            i += 1
        if i == len(outline):
            raise PdfError(f"the PDF has no bookmark for “{title}” ({ch.docname}); bookmarks: "
                           + "; ".join(t for t, _ in outline))
        found[ch.key] = outline[i][1]
        i += 1
    return found, n_pages


def build_pdf(html_dir: Path, output: Path, root: Path | None = None, progress: Progress | None = None) -> Result:
    """Print the built book in ``html_dir`` into ``output`` (written atomically)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    root = (root or paths.REPO_ROOT).resolve()
    html_dir, output = html_dir.resolve(), output.resolve()
    progress = progress or _quiet
    t0 = time.perf_counter()
    if not (html_dir / "index.html").exists():
        raise PdfError(f"{html_dir} holds no built book: run `make html` first")
    if not Path(CHROMIUM).exists():
        raise PdfError(f"Chromium not found at {CHROMIUM}: run `make system-deps` (Debian package chromium)")
    book = chapters(root)
    pages = {(html_dir / f"{ch.docname}.html").resolve(): ch for ch in book}
    total = len(book) + 6
    step = 0
    f = facts(root)
    entries, bodies = [], []
    for ch in book:
        progress("assembling", ch.docname, step, total)
        path = html_dir / f"{ch.docname}.html"
        if not path.exists():
            raise PdfError(f"{path} is missing: the HTML is not built from this _toc.yml; run `make html`")
        title, body = extract(path, ch, pages, front=ch is book[0])
        entries.append((ch, title))
        bodies.append(body)
        step += 1
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".pdf-", dir=output.parent) as tmp:
        work = Path(tmp)
        progress("fonts", "TrueType subset of Noto Sans CJK SC", step, total)
        text = document(f, entries, bodies, html_dir, "")
        doc = work / "print.html"
        doc.write_text(document(f, entries, bodies, html_dir, font_faces(text, work)), encoding="utf-8")
        step += 1
        blocked, errors = [], []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    page = browser.new_page(viewport={"width": int(CONTENT_WIDTH_PX), "height": 1100})
                    page.emulate_media(media="print")

                    blocked, errors = offline_guard(page)
                    progress("drawing charts", "loading the print document", step, total)
                    page.goto(doc.as_uri(), wait_until="load", timeout=120_000)
                    deadline = time.monotonic() + 120
                    while True:
                        n, drawn = page.evaluate(CHART_COUNT)
                        progress("drawing charts", f"{drawn} of {n} charts", step, total)
                        if drawn >= n or errors or time.monotonic() > deadline:
                            break
                        page.wait_for_timeout(250)
                    if blocked:
                        raise PdfError(f"the print document asked for something outside the book: {blocked[:3]}")
                    if errors or drawn < n:
                        where = page.evaluate(UNDRAWN)
                        raise PdfError(f"{n - drawn} of {n} charts did not render (in: {'; '.join(where[:5])}); "
                                       f"console errors: {errors[:3]}")
                    page.evaluate(FREEZE_SELECTS)
                    family = FONT_FAMILY
                    page.evaluate(f"async () => {{ await document.fonts.load('400 10pt \"{family}\"'); "
                                  f"await document.fonts.load('700 10pt \"{family}\"'); await document.fonts.ready; }}")
                    step += 1
                    progress("checking widths", "every table and chart within the page width", step, total)
                    wide = page.evaluate(TOO_WIDE, CONTENT_WIDTH_PX)
                    if wide:
                        raise PdfError("wider than the page (A4, 178 mm of text), the PDF would clip it:\n  - "
                                       + "\n  - ".join(wide[:20]))
                    step += 1
                    raw = work / "raw.pdf"
                    options = dict(path=str(raw), prefer_css_page_size=True, print_background=True, outline=True,
                                   tagged=True)
                    progress("printing", "first pass (finding the chapters' pages)", step, total)
                    page.pdf(**options)
                    numbers, n_pages = _chapter_pages(raw, entries)
                    step += 1
                    for attempt in range(3):
                        progress("printing", f"with page numbers in the table of contents (pass {attempt + 2})",
                                 step, total)
                        page.evaluate("(nums) => { for (const [k, n] of Object.entries(nums)) "
                                      "document.getElementById('toc-' + k).textContent = n; }", numbers)
                        page.pdf(**options)
                        again, n_pages = _chapter_pages(raw, entries)
                        if again == numbers:
                            break
                        numbers = again
                    else:
                        raise PdfError("the chapters' pages do not settle: the table of contents changes the layout")
                    step += 1
                finally:
                    browser.close()
        except PlaywrightError as exc:
            raise PdfError(f"Chromium failed: {exc}") from None
        progress("writing", str(output), step, total)
        os.replace(raw, output)
        step += 1
    progress("done", str(output), total, total)
    return Result(output, n_pages, output.stat().st_size, time.perf_counter() - t0,
                  [(title, numbers[ch.key]) for ch, title in entries])


# ---- is the PDF current? ------------------------------------------------------------------------
def pdf_path(root: Path) -> Path:
    return root / "_build" / "pdf" / PDF_NAME


def print_inputs_hash(root: Path) -> str:
    """The PDF's own inputs besides the HTML: this module, the print stylesheet and the title page's facts."""
    h = hashlib.sha256()
    for p in (Path(__file__), PRINT_CSS):
        h.update(p.read_bytes())
    h.update(repr(facts(root)).encode())
    return h.hexdigest()


def current_pdf(root: Path, html_hash: str) -> Path | None:
    """The PDF under _build/pdf when it was printed from the HTML with these inputs, else None."""
    pdf, stamp = pdf_path(root), pdf_path(root).with_name(PDF_STAMP)
    if pdf.exists() and stamp.exists() and stamp.read_text().splitlines()[:1] == [html_hash]:
        return pdf
    return None


def is_current(root: Path, html_hash: str, print_hash: str) -> bool:
    """Whether _build/pdf holds the PDF of this HTML, printed by this code with this title page."""
    stamp = pdf_path(root).with_name(PDF_STAMP)
    return current_pdf(root, html_hash) is not None and stamp.read_text().splitlines()[1:2] == [print_hash]


def write_stamp(root: Path, html_hash: str, print_hash: str) -> None:
    stamp = pdf_path(root).with_name(PDF_STAMP)
    tmp = stamp.with_name(stamp.name + ".tmp")
    tmp.write_text(f"{html_hash}\n{print_hash}\n")
    os.replace(tmp, stamp)

