# zicht: the one task runner. Every target creates the environment it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test services lint typecheck env clean bench-hotspots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,dask]"
	touch $(STAMP)

env: $(STAMP)

demo: $(STAMP)
	$(BIN)/zicht demo --out out/demo

test: $(STAMP) services
	$(BIN)/python -m pytest -q

# Debian packages the tests need (Chromium for the browser tests); no-op when present.
services:
	bash scripts/ensure-test-services.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

bench-hotspots: $(STAMP)
	$(BIN)/python benchmarks/bench_hotspots.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
