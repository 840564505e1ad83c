# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format sandbox bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		(echo "Python 3.11 or newer is required (set PYTHON=python3.11)"; exit 1)
	$(PYTHON) -m venv $(VENV) || (apt-get update && apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV))
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

test: $(STAMP)
	$(BIN)/ruff check bot tests
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests

format: $(STAMP)
	$(BIN)/ruff check --fix bot tests
	$(BIN)/ruff format bot tests

sandbox: $(STAMP)
	$(BIN)/python -m bot.connectors.ashby.emulator --port 3100

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
