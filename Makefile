# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format sandbox bench clean system-deps

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		(echo "Python 3.11 or newer is required (set PYTHON=python3.11)"; exit 1)
	$(PYTHON) -m venv $(VENV) || (apt-get update && apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV))
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

system-deps:
	@scripts/install-system-deps

# The suite runs twice: on SQLite (the default) and on a throwaway PostgreSQL server.
test: $(STAMP) system-deps
	$(BIN)/ruff check bot sandbox tests
	$(BIN)/pytest
	TEST_DB=postgres $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check bot sandbox tests
	$(BIN)/ruff format --check bot sandbox tests

format: $(STAMP)
	$(BIN)/ruff check --fix bot sandbox tests
	$(BIN)/ruff format bot sandbox tests

# The whole product on 127.0.0.1 without Slack or a CRM account: the app (port 3000), the five
# CRM emulators (3100-3104), a Slack stand-in and a console that plays Slack (3200). Ctrl-C
# stops everything. `python -m sandbox serve all` serves the emulators alone.
sandbox: $(STAMP)
	$(BIN)/python -m sandbox console

# Ingest throughput (one and four posters, SQLite and PostgreSQL) against the no-HTTP cost of
# the same work, measured in the same run; tables as in docs/benchmarks.md. A few minutes.
bench: $(STAMP) system-deps
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
