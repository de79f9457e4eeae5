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
# Reproducible bytes: no dates in PDFs/SVGs, one hash seed, one timezone, no stray user config.
export SOURCE_DATE_EPOCH := 1704067200
export PYTHONHASHSEED := 0
export TZ := UTC
export MPLBACKEND := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

# Notebooks: main runs (parameters: params/default.yaml) and sensitivity runs (params/<name>.yaml, through
# the outcome notebook only). A stamp in .build/ records a successful run; make reruns a notebook only
# when its inputs changed: the notebook, the parameters, the library, or the workbooks it reads.
# A run whose inputs changed is queued (its stamp removed until it succeeds); one runner then executes the
# queue on as many kernels as `make -jN` allows, each kernel reused run after run (notebook_run.py says how).
BUILD      := .build
REPORT_NOTEBOOKS := 02_characteristics 03_outcomes 04_sensitivity 05_appraisal
SENSITIVITY := $(basename $(notdir $(filter-out params/default.yaml,$(wildcard params/*.yaml))))
LIBRARY    := $(shell find src/review_utils -name '*.py' -o -name '*.yaml' -o -name '*.mplstyle' | sort)
REPORTS    := $(sort $(wildcard $(EXTRACTION)/reports/*.xlsx))
SCREENING  := $(wildcard $(EXTRACTION)/screening.xlsx)
SENS_STAMPS := $(SENSITIVITY:%=$(BUILD)/03_outcomes.%.stamp)
QUEUE      := $(BUILD)/queue
QUEUE_RUN   = @rm -f $@ && echo $(notdir $(basename $@)) >> $(QUEUE)

.DEFAULT_GOAL := all
.PHONY: all setup check template test unit nbval lab clean help summary outputs report bench lock docs reconcile git-diff

all: setup outputs ## set up .venv (first time) and regenerate every figure, table and notebook

setup: $(STAMP) ## create .venv with the pinned versions of requirements.lock (only when missing or the lock changed)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

check: $(STAMP) ## validate the extraction workbooks (every problem, with its cell); exit 1 on errors
	$(CLI) check $(EXTRACTION)

# The pipeline's own validation step: reruns only when a workbook changed; errors stop make before any output.
$(BUILD)/check.stamp: $(STAMP) $(REPORTS) $(SCREENING) $(LIBRARY)
	@mkdir -p $(BUILD)
	$(CLI) check $(EXTRACTION) --errors-only
	@touch $@

summary: $(STAMP) ## print what the extraction holds (reports, unique patients, NR counts)
	$(CLI) summary $(EXTRACTION)

template: $(STAMP) ## write the blank templates extraction/template.xlsx and extraction/screening_template.xlsx
	$(CLI) template --kind report -o $(EXTRACTION)/template.xlsx
	$(CLI) template --kind screening -o $(EXTRACTION)/screening_template.xlsx

docs: $(STAMP) ## regenerate docs/codebook.md from the codebook
	$(CLI) codebook --format markdown -o docs/codebook.md

outputs: $(BUILD)/runs.stamp figures/captions.md report/index.html ## run the notebooks that need it (papermill), publish figures/, tables/, captions and the HTML report

figures/captions.md: $(BUILD)/runs.stamp
	$(PY) -m review_utils.captions_index figures

report/index.html: $(BUILD)/runs.stamp src/review_utils/report.py params/default.yaml
	$(PY) -m review_utils.report -o $@

# The queued runs, the longest first (03 and 04 are listed first for a first build, when no duration is known).
$(BUILD)/runs.stamp: $(BUILD)/03_outcomes.default.stamp $(BUILD)/04_sensitivity.default.stamp $(SENS_STAMPS) \
		$(BUILD)/02_characteristics.default.stamp $(BUILD)/01_screening.default.stamp $(BUILD)/05_appraisal.default.stamp
	$(PY) -m review_utils.notebook_run --queue $(QUEUE) --stamps $(BUILD)
	@touch $@

# The validation runs first (order-only: a workbook change reruns only the notebooks that read it).
# 01 reads the screening log (and counts studies from the reports); 02-05 read the report workbooks.
$(BUILD)/01_screening.default.stamp: notebooks/01_screening.ipynb params/default.yaml $(SCREENING) $(REPORTS) $(LIBRARY) | $(BUILD)/check.stamp
	$(QUEUE_RUN)
$(REPORT_NOTEBOOKS:%=$(BUILD)/%.default.stamp): $(BUILD)/%.default.stamp: notebooks/%.ipynb params/default.yaml $(REPORTS) $(LIBRARY) | $(BUILD)/check.stamp
	$(QUEUE_RUN)
# Sensitivity runs execute the outcome notebook's code, which the main run does not change (it rewrites the
# outputs, atomically), so they run side by side with it. They depend on the code, kept in .build/*.code:
# rewritten only when the cells' sources change (make then sees its date unchanged after a main run).
$(BUILD)/03_outcomes.%.stamp: $(BUILD)/03_outcomes.code params/default.yaml params/%.yaml $(REPORTS) $(LIBRARY) | $(BUILD)/check.stamp
	$(QUEUE_RUN)
$(BUILD)/03_outcomes.code: $(BUILD)/03_outcomes.code.stamp ;
$(BUILD)/03_outcomes.code.stamp: notebooks/03_outcomes.ipynb $(STAMP)
	@mkdir -p $(BUILD)
	@$(PY) -m review_utils.notebook_code $< $(BUILD)/03_outcomes.code
	@touch $@

report: report/index.html ## a static HTML page of the executed notebooks without code, with the figures and a methods section

reconcile: $(STAMP) ## for every pair <id>.A.xlsx + <id>.B.xlsx in extraction/reports, write the draft <id>.consensus.xlsx (never overwritten)
	@set -e; for a in $(EXTRACTION)/reports/*.A.xlsx; do \
	  [ -e "$$a" ] || continue; \
	  id="$${a%.A.xlsx}"; b="$$id.B.xlsx"; out="$$id.consensus.xlsx"; \
	  if [ ! -e "$$b" ]; then echo "skipped $$a: no $$b yet"; continue; fi; \
	  if [ -e "$$id.xlsx" ]; then echo "skipped $$id: already reconciled into $$id.xlsx"; continue; fi; \
	  if [ -e "$$out" ]; then echo "skipped $$id: $$out exists (delete it to draft again)"; continue; fi; \
	  $(CLI) reconcile "$$a" "$$b" -o "$$out"; \
	done

git-diff: $(STAMP) ## show workbook changes as text in git diff and git log -p (configures this clone once)
	git config diff.xlsx.textconv "$(abspath $(VENV))/bin/review-utils textconv"
	@grep -qxF '*.xlsx diff=xlsx' .gitattributes 2>/dev/null || echo "note: add the line '*.xlsx diff=xlsx' to .gitattributes"

bench: $(STAMP) ## time setup, full and no-op make, make test, check on 500 workbooks, GLMM on 500 reports (and R metafor when installed)
	$(PY) benchmarks/run_all.py

unit: $(STAMP) ## unit tests only
	$(PY) -m pytest -q tests

nbval: $(STAMP) ## the committed notebooks reproduce their stored outputs, and their figures and tables byte for byte
	@out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
	REVIEW_OUTPUT_ROOT=$$out $(PY) -m pytest -q --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg notebooks tests/test_outputs_reproduce.py

test: unit nbval ## unit tests, then nbval on the committed notebooks

$(LAB_STAMP): $(STAMP) requirements-lab.lock
	@test -x $(LAB_VENV)/bin/python || $(PYTHON) -m venv $(LAB_VENV)
	$(LAB_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock -r requirements-lab.lock
	$(LAB_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

lab: $(LAB_STAMP) ## open JupyterLab on the notebooks (a separate .venv-lab keeps jupyterlab out of the pipeline)
	cd notebooks && ../$(LAB_VENV)/bin/jupyter lab

lock: $(STAMP) ## re-resolve the newest versions pyproject.toml allows into requirements.lock and environment.yml (review the diff)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --disable-pip-version-check setuptools '.[test]'
	.lock-venv/bin/pip freeze --all --exclude pip --exclude review-utils > .lock-venv/freeze.txt
	$(PY) -m review_utils.lockfile .lock-venv/freeze.txt
	rm -rf .lock-venv

clean: ## remove the environments, build stamps and caches (outputs are tracked and stay)
	rm -rf $(VENV) $(LAB_VENV) $(BUILD) build .pytest_cache src/*.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -e 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'
