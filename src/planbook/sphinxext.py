"""A small Sphinx extension for the book.

* Keep pages free of scripts that reach the network: Jupyter Book always loads sphinx-thebe, which
  adds (sometimes twice, an error in the browser) an inline script pointing at a CDN and a loader for
  it.  The book never launches live kernels, so those scripts are dropped from every page.
* The ``pdf-link`` directive: where the reader finds the PDF edition.  The HTML build names a PDF
  printed from this very HTML in ``PLANBOOK_PDF`` (see ``pipeline.build_book``); Sphinx then copies it
  into ``_downloads/`` and the page links it.  Without one, the page says how to make it: no link is
  ever broken.
"""

from __future__ import annotations

import os

from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

from planbook.pdf import PDF_ENV


def _is_thebe(js) -> bool:
    filename = getattr(js, "filename", None) or str(js)
    body = (getattr(js, "attributes", None) or {}).get("body", "")
    return "thebe" in (filename or "") or "THEBE_JS_URL" in body


def _strip(app, pagename, templatename, context, doctree) -> None:
    files = context.get("script_files")
    if files:
        seen = set()
        kept = []
        for js in files:
            if _is_thebe(js):
                continue
            key = (getattr(js, "filename", None), (getattr(js, "attributes", None) or {}).get("body"))
            if key in seen:
                continue
            seen.add(key)
            kept.append(js)
        context["script_files"] = kept


class PdfLink(SphinxDirective):
    """A paragraph linking the PDF edition when the build has a current one, else saying how to make it."""

    def run(self):
        target = os.environ.get(PDF_ENV, "")
        para = nodes.paragraph(classes=["pb-pdf-link"])
        if target:
            para += nodes.Text("本书另有 PDF 版（全书一个文件，含目录、书签和页码，可离线阅读和打印）：")
            ref = addnodes.download_reference("", "", reftarget=target, refdoc=self.env.docname, refexplicit=True,
                                              reftype="download", refdomain="")
            ref += nodes.inline(text="下载 planbook.pdf")
            para += ref
            para += nodes.Text("。")
        else:
            para += nodes.Text("PDF 版：本次构建没有与网页版一致的 PDF。在仓库根目录运行 ")
            para += nodes.literal(text="make pdf")
            para += nodes.Text(" 即生成全书 PDF（_build/pdf/planbook.pdf），本页随之给出下载链接。")
        return [para]


def setup(app):
    app.connect("html-page-context", _strip, priority=900)
    app.add_directive("pdf-link", PdfLink)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
