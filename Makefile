# Two commands for a fresh machine with Python 3.11 (see README): `make demo`, `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin
DEMO_ENV = DJANGO_MFA_REQUIRED=false
# Tests run with deployment-like settings; these make plain-HTTP test clients work.
TEST_ENV = DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-test-only-not-a-secret} \
	DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_COOKIES=false

.PHONY: demo test lint install fuzz bench-api

$(BIN)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 ($(PYTHON)) is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

$(BIN)/.installed-fuzz: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[dev,fuzz]'
	touch $@

PATIENTS ?= 3000

demo: $(BIN)/.installed
	$(DEMO_ENV) $(BIN)/python manage.py setup_demo --patients $(PATIENTS)
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(BIN)/.installed
	$(TEST_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(TEST_ENV) $(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .

# Schemathesis against the API served by gunicorn, bounded in time (tests/api_fuzz/run.py).
# On PostgreSQL when DATABASE_URL is set (a scratch database beside it), else SQLite.
FUZZ_TIME ?= 150
FUZZ_EXAMPLES ?= 20
fuzz: $(BIN)/.installed-fuzz
	$(TEST_ENV) $(BIN)/python -m tests.api_fuzz.run --max-time $(FUZZ_TIME) --max-examples $(FUZZ_EXAMPLES)

# 50 care connectors against gunicorn and 250,000 patients (needs DATABASE_URL, PostgreSQL).
bench-api: $(BIN)/.installed
	$(TEST_ENV) $(BIN)/python benchmarks/api_load.py
