# Developer shortcuts. The README's two commands are the supported way in.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: help install test test-fast check bench bench-100k bench-pipeline bench-report bench-pg bench-mcp bench-bulk bench-rules bench-sync ci

help:  ## List the targets
	@grep -E '^[a-z0-9-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

install:  ## Create the virtual environment with the test extras
	python3 -m venv $(VENV) && $(VENV)/bin/pip install -e '.[test]'

test:  ## Run the test suite
	$(VENV)/bin/pytest -q

# The scratch databases go to /dev/shm where it can be written (unless TMPDIR says where):
# on a disk, SQLite's sync at every commit is a quarter of the fast lane's time.
test-fast:  ## The suite less its slow, TUI, PostgreSQL and subprocess tests (under 30 s)
	TMPDIR="$${TMPDIR:-$$(test -w /dev/shm && echo /dev/shm || echo /tmp)}" \
	  $(VENV)/bin/pytest -q -m "not slow and not tui and not pg and not subprocess"

check:  ## Lint, format check, type check and import contracts
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench:  ## Hot commands against the Typer floor, 10,000 contacts
	$(PY) bench/hot.py

bench-100k:  ## Hot commands on 100,000 contacts and 1,000,000 interactions
	$(PY) bench/hot.py --contacts 100000

bench-mcp:  ## crm mcp through the SDK's client (stdio and HTTP) on 100,000 contacts
	$(PY) bench/assistant.py

bench-bulk:  ## a bulk edit of 10,000 contacts on 100,000 (issue #24: under 10 s)
	$(PY) bench/bulk.py

bench-rules:  ## a move firing 5 rules vs none (1.2x); crm today with 20 rules (hot budget)
	$(PY) bench/rules.py

bench-sync:  ## crm sync mail: 5,000-message Maildir first sync (30 s), nothing new (1.5x floor)
	$(PY) bench/sync.py

bench-pipeline:  ## pipeline, deal list and forecast on 5,000 open deals
	$(PY) bench/pipeline.py

bench-report:  ## crm report on 100,000 contacts, 1,000,000 interactions, 20,000 deals
	$(PY) bench/report.py

bench-pg:  ## Hot commands and concurrent writers on the local PostgreSQL too
	$(PY) bench/hot.py --pg postgresql://postgres@127.0.0.1/postgres
	$(PY) bench/concurrency.py --pg postgresql://postgres@127.0.0.1/postgres

ci:  ## What CI runs
	bash .ci/run
