"""HTML pieces the book and the explorer share: escaping, tables, status badges, and a block of outputs.

Text from data/ always passes through :func:`esc`, so markup in a field is shown as text and never run.
"""

from __future__ import annotations

import html

from IPython.display import HTML, Markdown, display

from planbook import assess as A
from planbook.data import GRADES
from planbook.fmt import missing


def esc(x) -> str:
    """Text from data, escaped so markup in a field is shown as text and never run."""
    if missing(x):
        return ""
    return html.escape(str(x))


def status_badge(status: str, label: str | None = None) -> str:
    label = label or A.STATUS_ZH[status]
    return (f'<span class="pb-status pb-{status}" style="border-color:{A.STATUS_COLOR[status]}">'
            f'<span aria-hidden="true">{A.STATUS_SYMBOL[status]}</span> {esc(label)}</span>')


def table(rows: list[dict], columns: list[str], caption: str = "", cls: str = "pb-table") -> str:
    """A plain HTML table in a box that scrolls on narrow screens; cells are pre-escaped HTML fragments.

    The box can be reached and scrolled from the keyboard (``tabindex``) and is named by the caption.
    """
    head = "".join(f"<th scope=\"col\">{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{r.get(c, '')}</td>" for c in columns) + "</tr>" for r in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    label = f' aria-label="{esc(caption)}"' if caption else ' aria-label="表格"'
    return (f'<div class="pb-table-wrap" tabindex="0" role="region"{label}><table class="{cls}">{cap}'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def grade_tag(grade: str) -> str:
    """The evidence grade of a figure, as a small tag whose title says what the grade means."""
    if not grade:
        return ""
    meaning = esc(GRADES[grade])
    return f'<span class="pb-grade pb-grade-{esc(grade)}" title="证据等级{esc(grade)}：{meaning}">{esc(grade)}</span>'


def cite(src: dict) -> str:
    """A source as the book cites it: the original publisher, title, date and link first; for a reprint the
    copy it was read from second ("所见转载页"), with a warning when that page carries spam."""
    if not src:
        return ""
    date = esc(src.get("published", ""))
    title = esc(src.get("title", ""))
    url = esc(src.get("url", ""))
    if src.get("original") != "转载":
        return f'<a href="{url}">{esc(src.get("publisher", ""))}《{title}》</a>（{date}）'
    who = esc(src.get("original_publisher") or src.get("publisher", ""))
    if src.get("original_url"):
        first = f'<a href="{esc(src["original_url"])}">{who}《{title}》</a>（{date}）'
    else:
        first = f"{who}《{title}》（{date}；原发页面未找到）"
    warn = src.get("url_warning") or ""
    if warn:
        copy = (f'<a class="pb-copy pb-warn" href="{url}" title="{esc(warn)}">所见转载页⚠</a>'
                f'<span class="pb-warning">（注意：{esc(warn)}）</span>')
    else:
        copy = f'<a class="pb-copy" href="{url}">所见转载页</a>'
    return f"{first}；{copy}"


def sources_table(sources: list[dict], caption: str) -> str:
    """Sources as a table: id, the citation (:func:`cite`), the evidence grade and the kind of source."""
    rows = [{"编号": esc(s["source_id"]), "来源（原发布者、标题、日期）": cite(s), "等级": grade_tag(s["grade"]),
             "类型": esc(s["kind"])} for s in sources]
    columns = ["编号", "来源（原发布者、标题、日期）", "等级", "类型"]
    return table(rows, columns, caption=caption, cls="pb-table pb-sources")


class Glue:
    """A value for the prose ({glue:text}`name`), glued with myst-nb when displayed."""

    def __init__(self, name: str, value):
        self.name, self.value = name, value

    def _ipython_display_(self) -> None:
        from myst_nb import glue  # myst-nb imports Sphinx; only notebooks that display need it

        glue(self.name, self.value, display=False)


class Block:
    """What a section returns: its outputs in order (HTML, Markdown, charts, glued values).

    Displaying the block displays each output; tests and scripts read ``items`` (or :meth:`html`)
    without a notebook.
    """

    def __init__(self, *items):
        self.items: list = []
        for it in items:
            self.add(it)

    def add(self, item) -> Block:
        if isinstance(item, Block):
            self.items.extend(item.items)
        elif item is not None:
            self.items.append(item)
        return self

    def html(self, fragment: str) -> Block:
        return self.add(HTML(fragment))

    def md(self, text: str) -> Block:
        return self.add(Markdown(text))

    def glue(self, name: str, value) -> Block:
        return self.add(Glue(name, value))

    def glued(self) -> dict:
        return {g.name: g.value for g in self.items if isinstance(g, Glue)}

    def text(self) -> str:
        """Every HTML and Markdown output, joined (for tests)."""
        return "\n".join(getattr(i, "data", "") or "" for i in self.items if isinstance(i, (HTML, Markdown)))

    def _ipython_display_(self) -> None:
        for item in self.items:
            display(item)
