# Kontaktfilter: every setup step a fresh machine needs lives here.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PIP     := $(BIN)/python -m pip

.PHONY: run test lint typecheck unit system-deps model corpus evaluate bench clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) install -q --upgrade pip==26.3
	$(PIP) install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## System packages the test suite's real servers need (Redis, PostgreSQL).
system-deps:
	bash scripts/install-system-deps.sh

## Import the demo LinkedIn export into the embedded SQLite (user data dir; idempotent) and start the web app.
run: $(STAMP)
	$(BIN)/kontaktfilter import demo/linkedin-export
	$(BIN)/kontaktfilter serve

## The whole suite: lint, types, tests (starting the real servers they need).
test: $(STAMP) system-deps lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

## Rebuild the corpus splits from data/raw (deterministic).
corpus: $(STAMP)
	$(BIN)/python scripts/build_corpus.py

## Retrain the shipped models from the corpus (seeded, reproducible).
model: $(STAMP)
	$(BIN)/python scripts/train.py

## Regenerate docs/evaluation.md from the held-out test split.
evaluate: $(STAMP)
	$(BIN)/python scripts/evaluation_report.py

bench: $(STAMP)
	$(BIN)/python benchmarks/screen.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
