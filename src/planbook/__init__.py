"""planbook: a reproducible report book tracking Tibet's 14th Five-Year Plan (2021-2025)."""

from planbook.data import DataError, Dataset, load
from planbook.paths import DATA_DIR, REPO_ROOT

__version__ = "0.1.0"

__all__ = ["DATA_DIR", "REPO_ROOT", "DataError", "Dataset", "load", "__version__"]
