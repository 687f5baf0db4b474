# The two commands of the README:
#   make reproduce [CORES=2] [ARGS='--config tier=smoke']   set up .venv, run the pipeline
#   make test                                              set up .venv, run the test suite
#   make docs       regenerate the key tables and README.md's articles table (a test checks them)
#   make compare    compare results/ with the committed results (numbers, verdicts; timings apart)
#   make lock       regenerate requirements.lock and requirements-nodeps.lock after a requirement changes
#   make format     format (ruff, snakefmt) and fix what ruff can fix; make check: the CI checks only
PYTHON ?= $(shell command -v python3.11 || command -v python3)
CORES ?= 2
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup system-data reproduce test lint format check docs compare lock clean-smoke

setup: $(STAMP) system-data

# What only Debian ships, installed when we are root with apt: Fashion-MNIST (no PyPI package has it),
# Chromium (a test opens the HTML report in it) and g++ (Lion's fused step, kexue/lion/fused.py, compiles at
# run time). Otherwise a one-line note: Fashion-MNIST then comes from mirrors.fashion_mnist or its public home,
# the report test says it cannot run, and the fused Lion's rows say "unsupported".
DEBIAN_PACKAGES := dataset-fashion-mnist chromium g++
system-data:
	@if [ -d /usr/share/datasets/fashion-mnist ] && command -v chromium > /dev/null && command -v g++ > /dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEBIAN_PACKAGES) > /dev/null 2>&1 \
	  || { apt-get update -q > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEBIAN_PACKAGES) > /dev/null; }; \
	else echo "note: Debian's $(DEBIAN_PACKAGES) are not all installed (needs root and apt-get)"; fi

# Exactly the locked set (kexue/lock.py): every package at its locked version, each file checked against
# its hash, nothing resolved, so no dependency can pull another torch build; torch (the CPU build) first.
$(STAMP): requirements.lock requirements-nodeps.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed (set PYTHON=...)"'
	$(PYTHON) -m kexue.lock --check
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(PYTHON) -m kexue.lock --extract torch > $(VENV)/torch.lock
	$(VENV)/bin/pip install --quiet --require-hashes --no-deps -r $(VENV)/torch.lock
	$(VENV)/bin/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(VENV)/bin/pip install --quiet --require-hashes --no-deps -r requirements-nodeps.lock
	touch $(STAMP)

reproduce: setup
	$(VENV)/bin/snakemake --cores $(CORES) $(ARGS)

test: setup
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

lock:
	$(PYTHON) -m kexue.lock

docs: $(STAMP)
	$(VENV)/bin/python -m kexue.docs

compare: $(STAMP)
	$(VENV)/bin/python -m kexue.compare git:HEAD results $(ARGS)

clean-smoke:
	rm -rf results-smoke work/smoke
