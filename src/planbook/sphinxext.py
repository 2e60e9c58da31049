"""A small Sphinx extension for the book: keep pages free of scripts that reach the network.

Jupyter Book always loads sphinx-thebe, which adds (sometimes twice, an error in the browser) an
inline script pointing at a CDN and a loader for it.  The book never launches live kernels, so
those scripts are dropped from every page.
"""

from __future__ import annotations


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


def setup(app):
    app.connect("html-page-context", _strip, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
