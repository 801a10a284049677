# tinhso: the two commands that matter are `make run` and `make test`.
# Both create the virtual environment in .venv and fetch front-end assets when absent.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test test-only lint format bench reliability soak install assets schema messages check-tools clean help

help:
	@echo "make run      set everything up and serve the demo portal on http://$(HOST):$(PORT)/"
	@echo "make test     set everything up and run the whole gate (lint, migrations, schema, tests)"
	@echo "make bench    run the benchmarks under bench/"
	@echo "make reliability  crash safety (SIGKILL x10, SQLite + PostgreSQL) and the long checks"
	@echo "make soak     30 minutes of steady load: errors and memory of each worker (not in CI)"
	@echo "make lint     ruff check + ruff format --check"
	@echo "make schema   regenerate docs/openapi.json after an API change"
	@echo "make messages regenerate and compile the translation catalogues"

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "tinhso needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

assets: install
	$(BIN)/python scripts/build_assets.py

run: install assets
	@mkdir -p var
	$(BIN)/tinhso migrate --noinput -v0
	$(BIN)/tinhso collectstatic --noinput -v0
	$(BIN)/tinhso demo
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C stops the server and the worker)"
	@TINHSO_INSECURE_HTTP=1 TINHSO_SSL_REDIRECT=0 ALLOWED_HOSTS="$(HOST),localhost,127.0.0.1" \
	  sh -c '$(BIN)/tinhso worker >var/worker.log 2>&1 & worker=$$!; \
	         (while sleep 600; do $(BIN)/tinhso tick; done) >var/tick.log 2>&1 & ticker=$$!; \
	         trap "kill $$worker $$ticker 2>/dev/null" EXIT INT TERM; \
	         $(BIN)/gunicorn tinhso.wsgi -b $(HOST):$(PORT) -w 2 --access-logfile - --error-logfile -'

# The Debian tools the tests drive for real: a browser, the independent PDF-signature verifier,
# the text-to-speech engine, and Pango for WeasyPrint. Missing ones are named, not skipped.
check-tools:
	@missing=""; \
	 test -x /usr/bin/chromium || missing="$$missing chromium"; \
	 command -v pdfsig >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	 command -v espeak-ng >/dev/null 2>&1 || missing="$$missing espeak-ng"; \
	 ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	 if [ -n "$$missing" ]; then \
	   echo "make test: the tests need Debian packages that are missing:$$missing"; \
	   echo "           Install them with:  apt-get install -y$$missing   (.ci/run does this itself)"; \
	   exit 1; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The whole gate: lint, migrations in step with models, the committed API schema (a test),
# and every test, browser tests included.
test: install assets check-tools lint test-only

test-only:
	$(BIN)/tinhso makemigrations --check --dry-run -v0 || { echo "Models and migrations disagree: run 'tinhso makemigrations'."; exit 1; }
	$(BIN)/pytest -q -n 2 $(PYTEST_ARGS)

schema: install
	$(BIN)/tinhso openapi --output docs/openapi.json

messages: install
	cd tinhso && ../$(BIN)/tinhso makemessages -l vi -l en --no-obsolete --no-location
	cd tinhso && ../$(BIN)/tinhso compilemessages -v0

# Every benchmark under bench/ (bench_*.py), then bench/results/SUMMARY.md. BENCH_ARGS goes to
# each one (e.g. BENCH_ARGS=--quick for a small data set); BENCH=name runs one.
BENCH ?= *
BENCH_ARGS ?=
bench: install assets
	@mkdir -p bench/results
	@for b in bench/bench_$(BENCH).py; do echo "== $$b"; $(BIN)/python $$b $(BENCH_ARGS) || exit 1; done
	$(BIN)/python bench/harness.py

# The long reliability checks, one step after another (append steps here). Crash safety: the
# production server killed with SIGKILL at random moments (CRASH_ARGS, e.g. --kills 20) on a
# fresh SQLite file and on the PostgreSQL database tinhso_crash; docs/reliability.md.
CRASH_ARGS ?=
# API fuzzing, longer than in make test: FUZZ_EXAMPLES examples per operation, caller and mode,
# on 4 real records each, on SQLite and on PostgreSQL (FUZZ_DATABASE_URL); docs/fuzzing.md.
FUZZ_EXAMPLES ?= 25
FUZZ_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tinhso_fuzz
reliability: install assets
	$(BIN)/python reliability/crash.py --db both --kills 10 --seconds 100 $(CRASH_ARGS)
	TINHSO_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) TINHSO_FUZZ_RECORDS=4 \
	  $(BIN)/pytest -q -n 3 -p no:cacheprovider tinhso/portal/tests/test_api_fuzz.py
	DATABASE_URL=$(FUZZ_DATABASE_URL) TINHSO_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) TINHSO_FUZZ_RECORDS=4 \
	  $(BIN)/pytest -q -n 3 -p no:cacheprovider tinhso/portal/tests/test_api_fuzz.py

# Not part of CI: 30 minutes of mixed reads and submissions at a fixed rate against gunicorn,
# errors and the memory of each worker over time (SOAK_ARGS, e.g. --minutes 3 --db postgres).
SOAK_ARGS ?=
soak: install assets
	$(BIN)/python reliability/soak.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) build node_modules
