# Two commands on a fresh machine: `make run` and `make test`. The venv is built on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run sandbox test lint demo bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check ".[dev]"
	touch $(STAMP)

run: $(STAMP) ## run the bot (needs BOT_TOKEN; says how to get one otherwise)
	$(BIN)/python -m bot run

sandbox: $(STAMP) ## chat with the bot in this terminal, against the local fake Bot API
	$(BIN)/python -m bot sandbox

demo: $(STAMP) ## load the demo campaigns into DATABASE_URL
	$(BIN)/python -m bot demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(STAMP) lint ## lint (ruff, mypy), then the test suite (on PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest

bench: $(STAMP) ## the benchmarks (about 10 minutes); each prints its figures as JSON on its last line
	$(BIN)/python bench/nearby.py
	$(BIN)/python bench/updates.py
	$(BIN)/python bench/alert_scan.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/sync.py
	$(BIN)/python bench/webhook.py
	$(BIN)/python bench/announce.py
	$(BIN)/python bench/scoreboard.py
	$(BIN)/python bench/news.py
	$(BIN)/python bench/priority.py
	$(BIN)/python bench/delivery.py --paid
	$(BIN)/python bench/delivery.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
