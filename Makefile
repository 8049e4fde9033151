# obs-as-code: `make build` sets up .venv and compiles the shipped definitions;
# `make test` runs the test suite. `make help` lists every target.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Modules compiled with mypyc (obs_as_code/_native.py's COMPILED; a test keeps
# the two lists equal).
NATIVE_SRC := obs_as_code/_yaml_fast.py obs_as_code/dashboards/render.py obs_as_code/lint/files.py obs_as_code/lint/rules/_dashboards.py \
	obs_as_code/lint/rules/oac301_panel_rate_unaggregated.py obs_as_code/lint/rules/oac303_duplicate_panel.py \
	obs_as_code/lint/rules/oac304_grid_overlap.py obs_as_code/lint/rules/oac306_template_variables.py \
	obs_as_code/lint/rules/oac307_undeclared_datasource.py obs_as_code/lint/rules/oac506_undefined_recording_rule.py
NATIVE := .mypyc-build/done

.DEFAULT_GOAL := build
.PHONY: help setup native build check validate test lint e2e bench bench-count schema clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Again whenever a compiled module's source changes (~40 s). A failed compilation
# leaves pure Python in place (setup.py says why) and is not retried until a
# source changes: it never stops a build or a test.
$(NATIVE): $(STAMP) $(NATIVE_SRC) obs_as_code/_native.py setup.py
	OAC_NATIVE=1 $(BIN)/python setup.py -q build_ext --inplace --build-lib .mypyc-build/lib --build-temp .mypyc-build/temp \
		|| echo "obs-as-code: compiling with mypyc failed; running as Python"
	@touch $@

setup: $(STAMP) $(NATIVE) ## Create .venv, install the package with its dev tools, compile the hot modules

native: $(NATIVE) ## Compile the modules listed in obs_as_code/_native.py with mypyc (make setup does)

build: setup ## Compile the shipped definitions into build/
	$(BIN)/oac build

check: setup ## Fail when build/ is stale (what CI runs)
	$(BIN)/oac build --check --no-cache

validate: $(STAMP) ## Run promtool/amtool/schema over build/
	$(BIN)/oac validate

test: setup ## Run the test suite (needs promtool and amtool: apt-get install prometheus prometheus-alertmanager)
	$(BIN)/python -m pytest -q -n 2
	$(BIN)/oac test

lint: $(STAMP) ## ruff and mypy --strict
	$(BIN)/ruff check $(wildcard obs_as_code tests benchmarks alerts scrape slos dashboards datasources catalog scenarios)
	$(BIN)/mypy

e2e: $(STAMP) ## Run the shipped scenarios on real Prometheus and Alertmanager (loopback only)
	$(BIN)/oac e2e

bench: setup ## Benchmarks: ratios against baselines measured in the same run
	$(BIN)/python benchmarks/run.py

bench-count: setup ## Issue 4's dashboard benchmark as valgrind instruction counts (stable; ~2 min, needs valgrind)
	$(BIN)/python benchmarks/count_dashboards.py

schema: ## Regenerate the Grafana dashboard JSON schema from @grafana/schema (needs node and npm)
	./scripts/gen-dashboard-schema.sh

clean: ## Remove caches (not build/, which is committed)
	rm -rf .oac-cache .pytest_cache .mypy_cache .ruff_cache .mypyc-build
