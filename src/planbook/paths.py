"""Where the project's folders are."""

from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    env = os.environ.get("PLANBOOK_ROOT")
    if env:
        return Path(env).resolve()
    # Source checkout (editable install): src/planbook/paths.py -> repo root
    here = Path(__file__).resolve().parent
    for candidate in (here.parent.parent, Path.cwd(), *Path.cwd().parents):
        if (candidate / "_config.yml").exists() and (candidate / "data").is_dir():
            return candidate
    return here.parent.parent


REPO_ROOT = _find_root()
DATA_DIR = REPO_ROOT / "data"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
BOOK_DIR = REPO_ROOT / "book"
BUILD_DIR = REPO_ROOT / "_build"
