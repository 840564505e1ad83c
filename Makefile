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

# Debian packages the test suite drives (the browser test uses the distribution's Chromium,
# never a downloaded browser build). Installed only when missing and only as root; append
# further packages to SYSTEM_PACKAGES with the binary that shows each is present.
SYSTEM_PACKAGES := chromium:/usr/bin/chromium

system-deps:
	@missing=""; \
	for entry in $(SYSTEM_PACKAGES); do \
		pkg=$${entry%%:*}; probe=$${entry#*:}; \
		[ -e "$$probe" ] || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then echo "system packages present"; \
	elif [ "$$(id -u)" != 0 ]; then echo "missing system packages:$$missing (run as root to install)"; \
	else apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; fi

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
