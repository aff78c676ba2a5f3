# dxlab: every target creates .venv (with this machine's python3) if missing and installs
# dxlab into it; no conda and no kernel registration needed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.dxlab-installed
JOBS   ?= 2

.PHONY: reports test lab lint bench clean distclean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## reports: execute every notebook in notebooks/reports.toml into reports/ (the main job)
reports: $(STAMP)
	$(BIN)/dxlab run --jobs $(JOBS)

## test: run the test suite (what CI runs)
test: $(STAMP)
	$(BIN)/python -m pytest

## lab: JupyterLab on the notebooks
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

## lint: ruff
lint: $(STAMP)
	$(BIN)/ruff check dxlab tests benchmarks

## bench: speed benchmarks (figures printed beside their baselines)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_estat_csv.py

## clean: remove built reports and the processed-data cache (both rebuildable)
clean:
	rm -rf reports/*.html reports/*.ipynb reports/index.json reports/.staging-*
	rm -f data/processed/*.parquet

## distclean: clean, and remove the virtual environment
distclean: clean
	rm -rf $(VENV)
