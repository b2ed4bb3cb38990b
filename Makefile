# zicht: the one task runner. Every target creates the environment it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test services lint typecheck env clean screenshot bench-hotspots national bench-join bench-publish

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

# The synthetic national address set (about 8.8 million points, one GeoParquet file per
# province) in data/national/ (gitignored); regenerated when the generator changes.
national: data/national/manifest.json

data/national/manifest.json: src/zicht/national.py geodata/cbs/wijken_gemeenten_2022.gpkg | $(STAMP)
	$(BIN)/python -m zicht.national data/national --workers 2

# zicht's national join against a plain geopandas sjoin + h3 loop; last line is RESULT ...
bench-join: national
	$(BIN)/python benchmarks/bench_join.py --data data/national

# The whole country at H3 res 9 merged into publishable regions; last line is RESULT ...
bench-publish: national
	$(BIN)/python benchmarks/bench_publish.py --data data/national

# The README's picture: the demo map opened offline in headless Chromium.
screenshot: demo
	$(BIN)/python -c "from zicht.maps import screenshot_map; screenshot_map('out/demo/risk_map.html', 'docs/img/risk_map.png', width=1280, height=860)"

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
