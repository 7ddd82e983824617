# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MANAGE := $(BIN)/python manage.py
DEMO_DEALS ?= 3000
# Root installs system packages directly; anyone else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install chromium messages run test check pytest demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) chromium

# The browser tests (tests/e2e) drive Debian's Chromium; Playwright never downloads a browser of its own.
# GNU gettext extracts and compiles the translations (`make messages`, tests/test_translations.py).
chromium:
	@(command -v chromium && command -v msgfmt) >/dev/null 2>&1 || ($(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium gettext)

# Extract new messages into every Persian catalogue, then (after translating them) compile: run it twice.
messages: export DJANGO_SETTINGS_MODULE := config.settings.test
messages: $(STAMP)
	$(MANAGE) makemessages --locale fa --no-obsolete --ignore 'tests/*' --ignore 'bench/*'
	$(MANAGE) compilemessages --locale fa --ignore '.venv'

# Development server with a demo business: migrate, load demo data once, roll up KPIs, print logins.
run: export DJANGO_DEBUG ?= 1
run: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) setup_demo --deals $(DEMO_DEALS)
	$(MANAGE) runserver 127.0.0.1:8000

demo: export DJANGO_DEBUG ?= 1
demo: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) setup_demo --deals $(DEMO_DEALS)

# Lint, import layers (lint-imports: no cycle, no import of a higher layer), migration check, deployment check of the production settings, then the whole suite (SQLite unless DATABASE_URL says otherwise).
test: install check pytest

check: export DJANGO_SETTINGS_MODULE := config.settings.test
check: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		$(MANAGE) check --deploy --fail-level WARNING

pytest: install
	$(BIN)/pytest

clean:
	rm -rf $(VENV) db.sqlite3* .pytest_cache .ruff_cache
