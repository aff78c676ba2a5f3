# dxlab: every target creates .venv (with this machine's python3) if missing and installs
# dxlab into it; no conda and no kernel registration needed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.dxlab-installed
JOBS   ?=
# JupyterLab refuses to start as root (containers) unless told it may
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root --no-browser --ip=127.0.0.1)

.PHONY: reports test lab lint bench clean distclean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## reports: build every report in notebooks/reports.toml into reports/ (the main job);
## unchanged reports are served from cache; JOBS=N limits parallel reports (default: CPUs)
reports: $(STAMP)
	$(BIN)/dxlab run $(if $(JOBS),--jobs $(JOBS))

## test: run the test suite (what CI runs)
test: $(STAMP)
	$(BIN)/python -m pytest

## lab: JupyterLab on the notebooks (as root: --allow-root, no browser; open the printed URL)
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

## lint: ruff
lint: $(STAMP)
	$(BIN)/ruff check dxlab tests benchmarks

## bench: speed benchmarks (figures printed beside their baselines)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_estat_csv.py
	$(BIN)/python benchmarks/bench_batch.py

## clean: remove built reports and the processed-data cache (both rebuildable)
clean:
	rm -rf reports/*.html reports/*.ipynb reports/*.key.json reports/index.json \
	  reports/.staging-* reports/.dxlab-run.lock
	rm -f data/processed/*.parquet

## distclean: clean, and remove the virtual environment
distclean: clean
	rm -rf $(VENV)
