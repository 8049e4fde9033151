# obs-as-code: `make build` sets up .venv and compiles the shipped definitions;
# `make test` runs the test suite. `make help` lists every target.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := build
.PHONY: help setup build check validate test lint e2e bench bench-count schema clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv and install the package with its dev tools

build: $(STAMP) ## Compile the shipped definitions into build/
	$(BIN)/oac build

check: $(STAMP) ## Fail when build/ is stale (what CI runs)
	$(BIN)/oac build --check --no-cache

validate: $(STAMP) ## Run promtool/amtool/schema over build/
	$(BIN)/oac validate

test: $(STAMP) ## Run the test suite (needs promtool and amtool: apt-get install prometheus prometheus-alertmanager)
	$(BIN)/python -m pytest -q -n 2
	$(BIN)/oac test

lint: $(STAMP) ## ruff and mypy --strict
	$(BIN)/ruff check $(wildcard obs_as_code tests benchmarks alerts scrape slos dashboards datasources catalog scenarios)
	$(BIN)/mypy

e2e: $(STAMP) ## Run the shipped scenarios on real Prometheus and Alertmanager (loopback only)
	$(BIN)/oac e2e

bench: $(STAMP) ## Benchmarks: ratios against baselines measured in the same run
	$(BIN)/python benchmarks/run.py

bench-count: $(STAMP) ## Issue 4's dashboard benchmark as valgrind instruction counts (stable; ~2 min, needs valgrind)
	$(BIN)/python benchmarks/count_dashboards.py

schema: ## Regenerate the Grafana dashboard JSON schema from @grafana/schema (needs node and npm)
	./scripts/gen-dashboard-schema.sh

clean: ## Remove caches (not build/, which is committed)
	rm -rf .oac-cache .pytest_cache .mypy_cache .ruff_cache
