# Each target sets up its own virtual environment on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test report-check lint typecheck format bench check install-check docs clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,plot,dev,docs]'
	touch $(STAMP)

run: $(STAMP)  ## the main job: the experiments report, written to results/
	$(BIN)/python -m experiments --out results

test: $(STAMP)  ## the test suite (doctests included), on two workers
	$(BIN)/python -m pytest -n 2 --dist worksteal -m "not exclusive"

report-check: $(STAMP)  ## the whole quick report must pass, alone (it times things); .ci/run runs it
	$(BIN)/python -m pytest -m exclusive

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)  ## mypy over a program that uses the public API as a user would
	$(BIN)/mypy tests/typecheck_public_api.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(STAMP)  ## the derivative checker's report for the whole catalog, ulp audit included
	$(BIN)/python -m jaxact.check

install-check:  ## pip install . into a fresh venv outside the checkout; README snippets run
	PY=$(PY) ci/install_check.sh

docs: $(STAMP)  ## the documentation site, built strictly into docs/_build/html; links checked
	$(BIN)/python -m sphinx -b html -W --keep-going -n -q -d docs/_build/doctrees docs docs/_build/html
	$(BIN)/python docs/check_links.py docs/_build/html
	@echo "open docs/_build/html/index.html"

bench: $(STAMP)
	$(BIN)/python benchmarks/activations.py
	$(BIN)/python benchmarks/sweep.py
	$(BIN)/python benchmarks/reference.py
	$(BIN)/python benchmarks/cost_growth.py --figure benchmarks/cost_growth.png

clean:
	rm -rf $(VENV) results build *.egg-info docs/_build docs/activations docs/api docs/experiments
