"""HTML pieces the book and the explorer share: escaping, tables, status badges, and a block of outputs.

Text from data/ always passes through :func:`esc`, so markup in a field is shown as text and never run.
"""

from __future__ import annotations

import html

from IPython.display import HTML, Markdown, display

from planbook import assess as A
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
    """A plain HTML table in a scrolling box; cells are pre-escaped HTML fragments."""
    head = "".join(f"<th scope=\"col\">{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{r.get(c, '')}</td>" for c in columns) + "</tr>" for r in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f'<div class="pb-table-wrap"><table class="{cls}">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


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
