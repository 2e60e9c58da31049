"""Benchmark of the build, printed as a table (run: .venv/bin/python bench/bench.py).

Works in a temporary copy of the project, so the real book/ and _build/ are untouched:

1. full build from a clean book/ (every notebook executed, in parallel, then the HTML),
2. the HTML alone (Jupyter Book from the executed notebooks) and, next to it, the PDF edition
   (``planbook pdf``: the HTML printed by headless Chromium, then the HTML rebuilt to link the PDF),
3. rebuild with nothing changed,
4. rebuild after one observation changed (only the notebooks that read that series run),
5. the naive baseline: every notebook executed one after the other with papermill, then a full
   Jupyter Book build — what a build without incremental runs and parallelism costs.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def copy_project(dst: Path) -> None:
    for name in ("data", "notebooks", "book"):
        shutil.copytree(ROOT / name, dst / name, ignore=shutil.ignore_patterns(".run-*", "planbook-vega.js"))
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, dst / name)


def planbook(root: Path, *args: str) -> tuple[float, str]:
    env = {**os.environ, "PLANBOOK_ROOT": str(root)}
    t = time.perf_counter()
    p = subprocess.run([str(BIN / "planbook"), *args], cwd=root, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"planbook {' '.join(args)} failed:\n{p.stdout}\n{p.stderr}")
    return dt, p.stdout + p.stderr


def executed(log: str) -> list[str]:
    return sorted(line.split("•")[1].split(":")[0].strip() for line in log.splitlines() if "•" in line)


def change_one_observation(root: Path, series_id: str) -> None:
    path = root / "data" / "observations.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    row = next(r for r in rows if r["series_id"] == series_id)
    row["value"] = f"{float(row['value']) + 0.01:.2f}"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def pdf_note(log: str) -> str:
    m = re.search(r"(\d+) pages, ([\d.]+) MB, \d+ chapters \(printed in (\d+) s", log)
    if not m:
        return "?"
    return f"{m[1]} pages, {m[2]} MB; printing {m[3]} s, then the HTML rebuilt to link the PDF"


def naive(root: Path) -> float:
    """Sequential papermill of every notebook, then a full Jupyter Book build."""
    import papermill as pm

    sys.path.insert(0, str(ROOT / "src"))
    from planbook import charts, pipeline

    t = time.perf_counter()
    for job in pipeline.jobs_for(None, root=root):
        pm.execute_notebook(str(job.template), str(job.output), parameters=job.parameters, cwd=str(job.cwd),
                            kernel_name="python3", progress_bar=False)
    charts.write_bundle(root / "book" / "_static")
    subprocess.run([str(BIN / "jupyter-book"), "build", str(root), "--path-output", str(root / "_naive")],
                   check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    series = sys.argv[1] if len(sys.argv) > 1 else "highland_barley_output"
    with tempfile.TemporaryDirectory(prefix="planbook-bench-") as tmp:
        root = Path(tmp)
        copy_project(root)
        for nb in list((root / "book").rglob("*.ipynb")):
            nb.unlink()
        full, log_full = planbook(root, "build")
        html, _ = planbook(root, "build", "--skip-run", "--force")
        pdf, log_pdf = planbook(root, "pdf", "--force")
        none, log_none = planbook(root, "build")
        change_one_observation(root, series)
        one, log_one = planbook(root, "build")
        base = naive(root)
    rows = [
        ("full build from a clean book/", full, f"{len(executed(log_full))} notebooks executed"),
        ("HTML only (planbook build --skip-run --force)", html, "Jupyter Book from the executed notebooks"),
        ("PDF edition (planbook pdf --force)", pdf, pdf_note(log_pdf)),
        ("rebuild, nothing changed", none, f"{len(executed(log_none))} notebooks executed, HTML skipped"),
        (f"rebuild after one '{series}' observation changed", one, "executed: " + ", ".join(executed(log_one))),
        ("naive: sequential papermill + full jupyter-book build", base, "every notebook, one at a time"),
    ]
    print(f"planbook build benchmark ({os.cpu_count()} cores)\n")
    width = max(len(name) for name, _, _ in rows)
    print(f"{'step':{width}} {'seconds':>8}  notes")
    for name, secs, note in rows:
        print(f"{name:{width}} {secs:8.1f}  {note}")
    print()
    print(f"full build / no-change rebuild:       {full / none:5.1f}x")
    print(f"full build / one-observation rebuild: {full / one:5.1f}x")
    print(f"naive baseline / full build:          {base / full:5.1f}x")
    print(f"PDF edition / HTML build:             {pdf / html:5.1f}x")


if __name__ == "__main__":
    main()
