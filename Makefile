# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench screenshots readme clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installed with the project only; `make test` adds the test extras.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $(VENV)/.installed-test $@

demo: $(VENV)/.installed
	$(BIN)/empower assign examples/signups.csv --lock examples/locks.csv --out rosters --force

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# The README's tables of options and exit codes, rewritten from the CLI (tests/test_readme.py
# fails when they differ). Run after adding or changing an option or an exit code.
readme: $(VENV)/.installed
	$(BIN)/python -m empower_cli.readme README.md

# The issue 6 benchmark: five sizes (100,000 is issue 13's), 5 runs each, two baselines, the targets; writes
# benchmarks/RESULTS.md. Under 10 minutes (--budget caps repeat runs). Then issue 10's cohorts
# (Gender, M-Home house, a facilitator rule, last year's groups) at 300, 5,000 and 20,000:
# benchmarks/RESULTS-families.md, under 8 minutes. Then issue 13's small groups (300 in 60 groups,
# 1,000 in 250, five seeds, with and without the rules): benchmarks/RESULTS-small.md, about
# 5 minutes; and re-runs after withdrawals and late sign-ups (5,000 and 20,000):
# benchmarks/RESULTS-rerun.md, about 3 minutes. Reduced run, e.g.:
#   make bench BENCH_ARGS='--size 300:19 --runs 1'
BENCH_ARGS ?=
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py --markdown benchmarks/RESULTS.md $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench.py --families --size 300:19 --size 5000:300 --size 20000:1250 \
		--runs 3 --budget 420 --markdown benchmarks/RESULTS-families.md $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_small.py --markdown benchmarks/RESULTS-small.md
	$(BIN)/python benchmarks/bench_rerun.py --runs 3 --markdown benchmarks/RESULTS-rerun.md

# The README's pictures of report.html and rosters.xlsx (headless Chromium and LibreOffice).
screenshots: $(VENV)/.installed
	bash docs/screenshots.sh

clean:
	rm -rf $(VENV) rosters .pytest_cache .mypy_cache .ruff_cache
