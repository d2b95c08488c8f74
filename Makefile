# Thin wrappers; the logic lives in the `leadledger` CLI and in pytest.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
export LEADLEDGER_WAREHOUSE ?= $(CURDIR)/warehouse/leadledger.duckdb
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: setup demo run test lint format dev bench clean

setup:  ## install uv if missing, then the locked environment
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@# --compile-bytecode: write every package's .pyc once here (~20 s the first time, ~1 s
	@# after). Without it, on a machine that does not write bytecode (PYTHONDONTWRITEBYTECODE,
	@# read-only caches) every dbt, Dagster and Great Expectations process compiles its imports
	@# again: ~25 s of a pipeline run.
	@$(UV) sync --frozen --quiet --compile-bytecode

demo: setup  ## sample extracts -> whole pipeline -> the campaign answer
	$(UV) run leadledger demo

run: setup  ## the pipeline on LEADLEDGER_LANDING
	$(UV) run leadledger run

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run python -m ingestion.dbt_sources --check
	mkdir -p warehouse
	cd dbt_project && LEADLEDGER_WAREHOUSE=$(CURDIR)/warehouse/lint.duckdb $(UV) run dbt parse --quiet
	cd dbt_project && LEADLEDGER_WAREHOUSE=$(CURDIR)/warehouse/lint.duckdb $(UV) run mf validate-configs --skip-dw
	LEADLEDGER_WAREHOUSE=$(CURDIR)/warehouse/lint.duckdb $(UV) run sqlfluff lint dbt_project/models dbt_project/macros --processes 2

format: setup
	$(UV) run ruff format .
	$(UV) run ruff check --fix .
	LEADLEDGER_WAREHOUSE=$(CURDIR)/warehouse/lint.duckdb $(UV) run sqlfluff fix dbt_project/models --processes 2

test: lint  ## lint + every test (installs Debian's chromium and Java for the browser and Spark tests if missing)
	bash scripts/ensure_debian_package.sh chromium chromium  # the report's browser test
	bash scripts/ensure_debian_package.sh java openjdk-17-jre-headless  # PySpark
	$(UV) run pytest

BENCH_SCALES ?= 1 10 100
bench: setup  ## generation, ingestion, build, checks, publish at scales 1, 10, 100 -> benchmarks/RESULTS.md
	$(UV) run python -m benchmarks.bench $(BENCH_SCALES)

dev: setup  ## Dagster UI on http://127.0.0.1:3000
	$(UV) run leadledger ui

clean:
	rm -rf warehouse data .dagster_home dbt_project/target
