# zicht: the one task runner. Every target creates the environment it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast services lint typecheck env clean docs notebook screenshot screenshot-parks bench-hotspots bench-start bench-maps national national-run bench-national bench-join bench-distributed bench-publish bench-loss bench-cellkey bench-density \
	examples gallery example-holiday_parks example-real_estate example-drugs example-care_providers example-youth example-years

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

# The suite to run while you work: no end-to-end example runs, no browser, no database,
# on both cores (pytest-xdist, one test file per worker: about 50 s on two cores, 77 s on one);
# `make test` runs everything, in one process.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not slow and not browser and not postgis"

# Debian packages the tests need (Chromium for the browser tests); no-op when present.
services:
	bash scripts/ensure-test-services.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts examples
	$(BIN)/ruff format --check src tests benchmarks scripts examples

typecheck: $(STAMP)
	$(BIN)/mypy

# The generated pages of docs/ (configuration reference, indicator catalogue, API reference).
docs: $(STAMP)
	$(BIN)/python scripts/generate_docs.py

# Run the walkthrough notebook from top to bottom in the repository root (its release goes to
# out/notebook/); the executed copy, with its outputs, is out/demo_walkthrough.ipynb. The
# committed notebook is left as it is (no outputs).
notebook: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --stdin --output-dir out \
		--output demo_walkthrough < notebooks/demo_walkthrough.ipynb

bench-hotspots: $(STAMP)
	$(BIN)/python benchmarks/bench_hotspots.py

# How long `zicht --help` and a config error take (median of 5 fresh runs); last line RESULT ...
bench-start: $(STAMP)
	$(BIN)/python benchmarks/bench_start.py

# The six shipped maps (demo + examples) opened in headless Chromium: time to ready, JS heap,
# Leaflet layers built and file size; last line RESULT ...
bench-maps: $(STAMP) services
	$(BIN)/python benchmarks/bench_maps.py

# Kernel density at 3 million SYNTHETIC units, chunked and all at once (fresh process each);
# last line RESULT ...
bench-density: $(STAMP)
	$(BIN)/python benchmarks/bench_density.py

# The synthetic national address set (about 8.8 million points, one GeoParquet file per
# province) in data/national/ (gitignored); regenerated when the generator changes.
national: data/national/manifest.json

data/national/manifest.json: src/zicht/synthetic/national.py geodata/cbs/wijken_gemeenten_2022.gpkg | $(STAMP)
	$(BIN)/python -m zicht.synthetic.national data/national --workers 2

# The whole country in one `zicht run` (geodata/national.toml, gemeente = "all") on the
# synthetic national set; the release goes to out/national/.
national-run: national
	$(BIN)/zicht run geodata/national.toml --out out/national

# The national run timed stage by stage at 1, 2, 4 and 8.8 million points (each in a fresh
# process); last line is RESULT ... with the targets (90 s, 6 GB). SIZES=all for the country only.
SIZES ?= 1,2,4,all
bench-national: national
	$(BIN)/python benchmarks/bench_national.py --data data/national --sizes $(SIZES)

# zicht's national join (both cores) against geopandas sjoin + vectorised h3 and DuckDB
# spatial (the bench extra), each in its own process; last line is RESULT ...
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,dask,bench]"
	touch $(BENCH_STAMP)

bench-join: national $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench_join.py --data data/national

# The national join in-process against a LocalCluster of two worker processes (docs/scale.md)
bench-distributed: national
	$(BIN)/python benchmarks/bench_distributed.py

# The whole country at H3 res 9 merged into publishable regions; last line is RESULT ...
bench-publish: national
	$(BIN)/python benchmarks/bench_publish.py --data data/national

# The information loss of the demo and every worked example, and what areas that pass the
# threshold keep (issue 17); last line is RESULT ...
bench-loss: $(STAMP)
	$(BIN)/python benchmarks/bench_loss.py

# The demo with rounding and with cell-key perturbation: information loss side by side;
# last line RESULT ...
bench-cellkey: $(STAMP)
	$(BIN)/python benchmarks/bench_cellkey.py

# The README's picture: the demo map opened offline in headless Chromium.
screenshot: demo
	$(BIN)/python -c "from zicht.maps import screenshot_map; screenshot_map('out/demo/risk_map.html', 'docs/img/risk_map.png', width=1280, height=860)"

# The park workflow of docs/parks.md, done in headless Chromium: docs/img/parks/*.png.
screenshot-parks: $(STAMP)
	$(BIN)/python scripts/park_screenshots.py

# The worked examples (examples/<theme>/): each generates its synthetic units, runs its
# config on the shipped boundaries and attacks its own release with `zicht check`.
EXAMPLES := holiday_parks real_estate drugs care_providers youth

examples: $(addprefix example-,$(EXAMPLES))

# Holiday parks: first derive the park boundaries of the seven Veluwe gemeenten (saved as
# version v1 of a fresh park store, so the target can run again).
example-holiday_parks: $(STAMP)
	rm -rf examples/holiday_parks/data/store
	$(BIN)/zicht parks derive --source synthetic --out examples/holiday_parks/data/derive \
		--store examples/holiday_parks/data/store/parks.gpkg
	$(BIN)/python examples/holiday_parks/generate.py
	$(BIN)/zicht run examples/holiday_parks/config.toml --out out/examples/holiday_parks
	$(BIN)/zicht check out/examples/holiday_parks

example-real_estate example-drugs example-care_providers example-youth: example-%: $(STAMP)
	$(BIN)/python examples/$*/generate.py
	$(BIN)/zicht run examples/$*/config.toml --out out/examples/$*
	$(BIN)/zicht check out/examples/$*

# Years (docs/years.md): five yearly releases from one config, each registered in the release
# history against every earlier one; then `zicht check` on each year against the year before.
example-years: $(STAMP)
	$(BIN)/python examples/years/generate.py
	rm -rf out/examples/years
	$(BIN)/zicht run examples/years/config.toml --out out/examples/years
	for y in 2021 2022 2023 2024; do \
		$(BIN)/zicht check out/examples/years/$$y --against out/examples/years/$$((y - 1)) || exit 1; \
	done

# The gallery's pictures (docs/examples.md): every example's map opened offline in Chromium.
gallery: examples services
	$(BIN)/python scripts/gallery.py $(EXAMPLES)

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
