# Followthrough: every set-up step lives here, so a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run worker bench bench-quick bench-mail test test-crash lint typecheck pytest chromium dovecot migrate demo lock clean help

help:
	@echo "make run    - install, migrate, load demo data on first run, serve http://$(HOST):$(PORT)"
	@echo "make worker - run the background worker and the scheduler: deadlines, mail (beside make run)"
	@echo "make bench-quick - pages, search, lookup and writes at 20,000 cases beside django-helpdesk (~5 min)"
	@echo "make bench      - the same at 100,000 and 1,000,000 cases (about 45 minutes); bench/results/scale.md"
	@echo "make bench-mail - measure mail intake; writes bench/results/mail-ingest.md"
	@echo "make test   - install, then lint, type-check and run the whole test suite"
	@echo "make test-crash - the mail crash test at full size (1,000 deliveries) on SQLite and PostgreSQL"
	@echo "make lock   - re-resolve requirements/*.in into the locked requirements/*.txt"
	@echo "make clean  - remove the virtual environment and local data under var/"

# The virtual environment, rebuilt whenever the locked requirements or the project metadata change.
$(STAMP): requirements/dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

var:
	mkdir -p var

migrate: $(STAMP) var
	$(BIN)/followthrough migrate --no-input

run: migrate
	$(BIN)/followthrough demo-data --if-empty
	$(BIN)/followthrough runserver $(HOST):$(PORT)

# Background work for a local desk: the scheduler enqueues deadline scans and mail polls, the
# worker runs them (and mail sending, webhook deliveries). Ctrl+C stops both.
worker: migrate
	$(BIN)/followthrough scheduler & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null' INT TERM EXIT; \
	$(BIN)/followthrough worker --no-reload

# What the benchmarks add to the environment: matplotlib for their chart.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) requirements/bench.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/bench.txt
	touch $(BENCH_STAMP)

# Pages, API, search and lookup through gunicorn at realistic sizes, beside django-helpdesk
# (installed by the bench into its own environment under var/bench/). See bench/README.md.
bench-quick: $(BENCH_STAMP) var
	$(BIN)/python -m bench.scale --profile quick

bench: $(BENCH_STAMP) var
	$(BIN)/python -m bench.scale --profile full

# Mail intake: messages stored and processed per second, peak memory for a 50 MB message.
bench-mail: $(STAMP) var
	$(BIN)/python -m bench.mail_ingest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy followthrough

chromium:
	scripts/ensure-chromium

# Mail tests talk to a real IMAP server: Debian's dovecot, started by the tests themselves.
dovecot:
	scripts/ensure-dovecot

pytest: $(STAMP) var chromium dovecot
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# The mail crash test at full size (1,000 deliveries; make test runs it with 500), on SQLite and
# on PostgreSQL (DATABASE_URL of the PostgreSQL server's test database, as .ci/run sets it).
CRASH_PG ?= postgres://postgres@127.0.0.1:5432/followthrough_ci
test-crash: $(STAMP) var dovecot
	FOLLOWTHROUGH_CRASH_DELIVERIES=1000 $(BIN)/pytest followthrough/intake/tests/test_mail_crash.py
	FOLLOWTHROUGH_CRASH_DELIVERIES=1000 DATABASE_URL=$(CRASH_PG) $(BIN)/pytest --create-db followthrough/intake/tests/test_mail_crash.py

# Re-resolve the dependency lock (needs the package registry); commit the changed requirements/*.txt.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 --no-header requirements/base.in -o requirements/base.txt
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 --no-header requirements/dev.in -o requirements/dev.txt
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 --no-header requirements/bench.in -o requirements/bench.txt

clean:
	rm -rf $(VENV) var
