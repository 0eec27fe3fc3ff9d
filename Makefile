# make run   — set up, then compare the bundled scenarios on the default town
# make test  — set up, then run the whole test suite (slow tests included)
# make workshop — start the workshop page for trainers (研修モード) on http://127.0.0.1:8766
# make dashboard — start the planner dashboard on http://127.0.0.1:8765 (PORT=… to change)
# make baseline — recompute the golden baseline (tests/baseline.json) on purpose and print what moved
# make mesa-viz — the model in Mesa's own SolaraViz (dashboards/mesa_app.py)
# make lint, make typecheck — ruff and mypy, as CI runs them
# make bench — time the city profile for 10 years (household-weeks/s, peak memory)
# make bench-experiment — time 1,000 neighbourhood runs of 10 years with 2 workers

PYTHON ?= $(shell command -v python3.12 2>/dev/null || echo python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test test-fast typecheck baseline mesa-viz bench bench-experiment lint format docs clean workshop dashboard

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Python 3.12+ is needed (found " + sys.version.split()[0] + ")"'
	@echo "== Creating $(VENV) and installing community-sim with its dependencies: about 120 packages,"
	@echo "== 1.3 GB on disk; 1 to 3 minutes once downloaded, longer on a first install over the internet"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -e ".[dev]"
	$(BIN)/python -m dashboards.offline_assets
	@touch $(STAMP)
	@echo "== Ready: run commands as $(BIN)/community-sim …, or after 'source $(BIN)/activate' as community-sim …"

setup: $(STAMP)

run: setup
	$(BIN)/community-sim experiment experiments/main.toml --out out/main --fresh

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

workshop: setup
	$(BIN)/community-sim workshop

dashboard: setup
	$(BIN)/community-sim dashboard --port $(or $(PORT),8765)

mesa-viz: setup
	$(BIN)/solara run dashboards/mesa_app.py --host 127.0.0.1 --no-open

baseline: setup
	$(BIN)/python tests/golden.py

bench: setup
	$(BIN)/python -m sim.bench

bench-experiment: setup
	$(BIN)/python -m sim.bench --experiment experiments/benchmark_1000_runs.toml --workers 2

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

docs: setup
	$(BIN)/python -m sim.docs docs/parameters.md

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
