# The two commands of the README:
#   make reproduce [CORES=2] [ARGS='--config tier=smoke']   set up .venv, run the pipeline
#   make test                                              set up .venv, run the test suite
#   make docs       regenerate the key tables and README.md's articles table (a test checks them)
#   make compare    compare results/ with the committed results (numbers, verdicts; timings apart)
#   make format     format (ruff, snakefmt) and fix what ruff can fix; make check: the CI checks only
PYTHON ?= $(shell command -v python3.11 || command -v python3)
CORES ?= 2
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup reproduce test lint format check docs compare clean-smoke

setup: $(STAMP)

# torch first, pinned: an unpinned torch (or one pulled in by a dependency) is the CUDA build
$(STAMP): requirements.txt requirements-nodeps.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed (set PYTHON=...)"'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet torch==2.13.0
	$(VENV)/bin/pip install --quiet -r requirements.txt
	$(VENV)/bin/pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $(STAMP)

reproduce: $(STAMP)
	$(VENV)/bin/snakemake --cores $(CORES) $(ARGS)

test: $(STAMP)
	$(VENV)/bin/python -m pytest $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/snakemake --lint

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/snakefmt .

# what CI runs before the tests: an unformatted or lint-failing file is named here
check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/snakefmt --check .

docs: $(STAMP)
	$(VENV)/bin/python -m kexue.docs

compare: $(STAMP)
	$(VENV)/bin/python -m kexue.compare git:HEAD results $(ARGS)

clean-smoke:
	rm -rf results-smoke work/smoke
