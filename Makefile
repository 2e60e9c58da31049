# planbook — two commands do everything on a fresh clone:
#   make book   build the whole book from the bundled data into _build/html
#   make test   install what the tests need and run all of them
# and:
#   make pdf    the whole book in one PDF, _build/pdf/planbook.pdf (linked from the book's front page)
#   make lab    install JupyterLab (pinned) and open the analysts' explorer notebook
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
LAB_STAMP := $(VENV)/.installed-lab
AS_OF   ?= 2025

.PHONY: book test lint install system-deps html pdf check clean lab lab-install

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

$(LAB_STAMP): $(STAMP) requirements-lab.txt
	$(PY) -m pip install --quiet -r requirements-lab.txt
	touch $(LAB_STAMP)

## JupyterLab, the `lab` extra, with the exact pins of requirements-lab.txt.
lab-install: $(LAB_STAMP)

## Open the analysts' explorer in JupyterLab (charts are drawn locally: no network needed). Not run by CI.
## LAB_ARGS passes options to jupyter lab (e.g. LAB_ARGS=--no-browser); as root (containers) it adds --allow-root.
lab: lab-install
	$(VENV)/bin/jupyter lab $$([ "$$(id -u)" = "0" ] && echo --allow-root) $(LAB_ARGS) notebooks/explorer.ipynb

## Validate data/, execute the 11 part notebooks (and the data and method pages) into book/, build _build/html.
book: install
	$(VENV)/bin/planbook build --as-of $(AS_OF)

## Chromium and a CJK font for the browser tests and the PDF, poppler-utils for the PDF tests
## (Debian packages; installed when missing, as root).
SYSTEM_PACKAGES := chromium fonts-noto-cjk poppler-utils
system-deps:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
	    && command -v pdftotext >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1; then \
	  echo "$(SYSTEM_PACKAGES) are present"; \
	elif [ "$$(id -u)" = "0" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	else \
	  echo "the browser and PDF steps need Debian's $(SYSTEM_PACKAGES): sudo apt-get install $(SYSTEM_PACKAGES)"; exit 1; \
	fi

## The HTML from the published notebooks in book/ (no re-execution).
html: install
	$(VENV)/bin/planbook build --skip-run

## The PDF edition: the built HTML printed by headless Chromium into _build/pdf/planbook.pdf; the book links it.
pdf: install system-deps html
	$(VENV)/bin/planbook pdf

## axe-core for the accessibility check of every page (npm registry; pinned in tests/js/package-lock.json).
AXE := tests/js/node_modules/axe-core/axe.min.js
$(AXE): tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund --silent
	touch $(AXE)

## The project's conventions (ruff: pyflakes, pycodestyle, isort, bugbear, pyupgrade; see pyproject.toml).
lint: install
	$(VENV)/bin/ruff check src tests bench notebooks

## All tests: lint, package, data, pipeline, nbval re-execution of book/, built HTML, browser (axe-core), PDF.
test: install system-deps html $(AXE) lint
	$(VENV)/bin/pytest --nbval tests book

check: install
	$(VENV)/bin/planbook check

clean:
	rm -rf _build book/.run-* test-artifacts
