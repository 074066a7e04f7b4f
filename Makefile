# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DB ?= demo/orderview-demo.db

.PHONY: demo test wheel-smoke lint format bench bench-quick bench-bandwidth bench-serve bench-desk bench-scale clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test,postgres]'
	touch $@

demo: $(VENV)/.installed
	@mkdir -p $(dir $(DEMO_DB))
	@# Built under another name and renamed when complete: an interrupted run leaves no half database.
	@test -f $(DEMO_DB) || { rm -f $(DEMO_DB).part*; \
		$(BIN)/orderview demo --db $(DEMO_DB).part && mv $(DEMO_DB).part $(DEMO_DB); }
	$(BIN)/orderview --db $(DEMO_DB)

# The smoke test first, so that pytest's summary is the last line.
test: $(VENV)/.installed
	$(BIN)/ruff format --check orderview screens widgets tests benchmarks scripts
	$(BIN)/ruff check orderview screens widgets tests benchmarks scripts
	$(BIN)/python scripts/typecheck.py
	$(BIN)/python scripts/wheel_smoke.py
	$(BIN)/python -m pytest -q

# The built wheel, installed without extras into fresh virtualenvs on Python 3.11, 3.12 and
# 3.13 (PYTHON311=… PYTHON312=… PYTHON313=… choose the interpreters; else pyenv or PATH):
# --version, demo, search, show, and the app in a pseudo-terminal. Under CI=true a missing
# interpreter fails it.
wheel-smoke: $(VENV)/.installed
	$(BIN)/python scripts/wheel_smoke.py

# The formatter's check, ruff, then mypy at zero errors (strict core, standard screens/widgets:
# pyproject.toml; scripts/typecheck.py names screens/ and widgets/ as installed,
# orderview.screens/.widgets). `make format` formats the tree.
lint: $(VENV)/.installed
	$(BIN)/ruff format --check orderview screens widgets tests benchmarks scripts
	$(BIN)/ruff check orderview screens widgets tests benchmarks scripts
	$(BIN)/python scripts/typecheck.py

format: $(VENV)/.installed
	$(BIN)/ruff format orderview screens widgets tests benchmarks scripts
	$(BIN)/ruff check --fix orderview screens widgets tests benchmarks scripts

# The suite on a cached 100,000-order database (generated once); rewrites docs/benchmarks.md.
bench: $(VENV)/.installed
	$(BIN)/python -m benchmarks.run_all

# A smoke test of the suite: fewer runs, prints only.
bench-quick: $(VENV)/.installed
	$(BIN)/python -m benchmarks.run_all --quick --no-write --no-bandwidth

bench-bandwidth: $(VENV)/.installed
	$(BIN)/python -m benchmarks.bandwidth

# N operators at once on one `orderview serve` (N = 1, 10, 20); rewrites its block of
# docs/benchmarks.md.
bench-serve: $(VENV)/.installed
	$(BIN)/python -m benchmarks.serve

# A busy desk (issue 22): 10, 25, 50 operators on a copy of the PostgreSQL bench database, then
# 1–32 concurrent writers on a copy of the SQLite one (~7 min); rewrites its block of
# docs/benchmarks.md.
bench-desk: $(VENV)/.installed
	$(BIN)/python -m benchmarks.desk

# The suite at 1,000,000 orders (≈10M licenses), SQLite and PostgreSQL, against issue 22's
# targets; the large databases are generated and cached once (tens of minutes the first time).
# Not part of `make test` or `make bench`; rewrites its own block of docs/benchmarks.md.
bench-scale: $(VENV)/.installed
	$(BIN)/python -m benchmarks.scale

clean:
	rm -rf $(VENV) build *.egg-info
