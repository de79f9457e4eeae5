# The review's build: `make` sets up .venv and regenerates every output; `make test` checks everything.
# Run `make help` for the list of targets.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LAB_VENV  := .venv-lab
LAB_STAMP := $(LAB_VENV)/.installed
CLI    := $(PY) -m review_utils
EXTRACTION := extraction
WORKBOOKS  := $(sort $(wildcard $(EXTRACTION)/reports/*.xlsx) $(wildcard $(EXTRACTION)/screening.xlsx))
# Reproducible bytes: no dates in PDFs/SVGs, one hash seed, one timezone, no stray user config.
export SOURCE_DATE_EPOCH := 1704067200
export PYTHONHASHSEED := 0
export TZ := UTC
export MPLBACKEND := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.DEFAULT_GOAL := all
.PHONY: all setup check template test unit nbval lab clean help summary outputs report bench lock docs reconcile git-diff

all: setup check outputs ## set up .venv (first time) and regenerate every figure, table and notebook

setup: $(STAMP) ## create .venv with the pinned versions of requirements.lock (only when missing or the lock changed)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

check: $(STAMP) ## validate the extraction workbooks (every problem, with its cell); exit 1 on errors
	$(CLI) check $(EXTRACTION)

summary: $(STAMP) ## print what the extraction holds (reports, unique patients, NR counts)
	$(CLI) summary $(EXTRACTION)

template: $(STAMP) ## write the blank templates extraction/template.xlsx and extraction/screening_template.xlsx
	$(CLI) template --kind report -o $(EXTRACTION)/template.xlsx
	$(CLI) template --kind screening -o $(EXTRACTION)/screening_template.xlsx

docs: $(STAMP) ## regenerate docs/codebook.md from the codebook
	$(CLI) codebook --format markdown -o docs/codebook.md

outputs: $(STAMP) check ## run the notebooks (added by the notebooks issue)

unit: $(STAMP) ## unit tests only
	$(PY) -m pytest -q tests

test: $(STAMP) ## unit tests and the committed notebooks reproduce (nbval)
	$(PY) -m pytest -q tests

$(LAB_STAMP): $(STAMP) requirements-lab.lock
	@test -x $(LAB_VENV)/bin/python || $(PYTHON) -m venv $(LAB_VENV)
	$(LAB_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock -r requirements-lab.lock
	$(LAB_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

lab: $(LAB_STAMP) ## open JupyterLab on the notebooks (a separate .venv-lab keeps jupyterlab out of the pipeline)
	cd notebooks && ../$(LAB_VENV)/bin/jupyter lab

clean: ## remove the environments and caches (outputs are tracked and stay)
	rm -rf $(VENV) $(LAB_VENV) build .pytest_cache src/*.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -e 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'
