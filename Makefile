# The two commands of the quick start: `make serve` and `make test`. Both set up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install serve test check train shell bench validate eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

serve: install
	$(BIN)/coach serve

test: install check
	$(BIN)/python -m pytest

# data, layers (import-linter), lint (ruff) and types (mypy): each fails `make test` on its own
check: install
	$(BIN)/coach validate
	$(BIN)/lint-imports
	$(BIN)/ruff check bot knowledge actions tests
	$(BIN)/mypy

train: install
	$(BIN)/coach train

shell: install
	$(BIN)/coach shell

bench: install
	$(BIN)/coach bench

validate: install
	$(BIN)/coach validate

# the public sample of the evaluation, against a server started with `make serve`
eval:
	python3 ../shared/eval/run_eval.py --url http://127.0.0.1:5005 --cases ../shared/eval/sample_cases.yaml

clean:
	rm -rf .coach .pytest_cache tests/artifacts
