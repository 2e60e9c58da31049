import shutil
from pathlib import Path

import pytest

from planbook import data, paths

ROOT = paths.REPO_ROOT
HTML = ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def ds():
    return data.load(paths.DATA_DIR)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of data/ for tests that break it on purpose."""
    dst = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, dst)
    return dst


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML / "index.html").exists():
        pytest.fail("the built book is missing: run `make html` (or `make book`) before the tests")
    return HTML


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's notebooks, data and published book, for tests that change one of them."""
    root = tmp_path / "proj"
    for d in ("notebooks", "data", "book"):
        shutil.copytree(paths.REPO_ROOT / d, root / d, ignore=shutil.ignore_patterns(".run-*", "_static"))
    return root
