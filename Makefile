# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MANAGE := $(BIN)/python manage.py
DEMO_DEALS ?= 3000
# The contracts the code cites are kept in docs/ (and the sample business in tests/data/) as copies of
# a folder shared beside the checkout; `make docs-sync` copies them again, `make docs-check` compares.
SHARED ?= ../shared
SHARED_COPIES := KPI_SPEC.md:docs/KPI_SPEC.md DATASET_FORMAT.md:docs/DATASET_FORMAT.md \
	STYLE.md:docs/STYLE.md KPI_ENGINE_NOTES.md:docs/KPI_ENGINE_NOTES.md \
	samples/business.jsonl:tests/data/sample_business.jsonl \
	samples/expected_kpis.json:tests/data/sample_expected_kpis.json
# Root installs system packages directly; anyone else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install chromium dovecot messages run test check pytest demo clean docs-sync docs-check

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) chromium dovecot

# The browser tests (tests/e2e) drive Debian's Chromium; Playwright never downloads a browser of its own.
# GNU gettext extracts and compiles the translations (`make messages`, tests/test_translations.py).
chromium:
	@(command -v chromium && command -v msgfmt) >/dev/null 2>&1 || ($(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium gettext)

# The inbound mail tests (tests/support/test_inbound_mail.py) fetch from a private Dovecot IMAP server.
dovecot:
	@test -x /usr/sbin/dovecot || ($(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y dovecot-imapd)

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

# Copy the shared contracts into docs/ (and the sample into tests/data/) again; nothing to do without $(SHARED).
docs-sync:
	@if [ ! -d "$(SHARED)" ]; then echo "docs-sync: $(SHARED) not found; docs/ left as it is"; exit 0; fi; \
	for pair in $(SHARED_COPIES); do \
		src="$(SHARED)/$${pair%%:*}"; dst="$${pair#*:}"; \
		mkdir -p "$$(dirname "$$dst")" && cp "$$src" "$$dst" && echo "$$src -> $$dst" || exit 1; \
	done

# Fail when a copy differs from $(SHARED) (showing the difference); only a message without $(SHARED).
docs-check:
	@if [ ! -d "$(SHARED)" ]; then echo "docs-check: $(SHARED) not found; nothing to compare docs/ with"; exit 0; fi; \
	status=0; \
	for pair in $(SHARED_COPIES); do \
		diff -u "$(SHARED)/$${pair%%:*}" "$${pair#*:}" || status=1; \
	done; \
	if [ $$status -ne 0 ]; then echo "docs-check: copies differ from $(SHARED); run make docs-sync"; exit 1; fi; \
	echo "docs-check: docs/ and tests/data/ match $(SHARED)"
