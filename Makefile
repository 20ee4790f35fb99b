# Partner Portal. `make run` serves the portal with demo data; `make test` runs lint and the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The local SMTP server that captures `make run`'s e-mail, and where the database and the mail are kept.
SMTP_PORT ?= 1025
INSTANCE ?= instance
# Links in e-mails and calendar files come from PUBLIC_URL only: the web process and the worker share it.
PUBLIC_URL ?= http://127.0.0.1:$(PORT)
FLASK_DEV := PORTAL_ENV=development PUBLIC_URL=$(PUBLIC_URL) MAIL_SERVER=127.0.0.1 MAIL_PORT=$(SMTP_PORT) \
	DATABASE_URL=sqlite:///$(abspath $(INSTANCE))/portal.db $(BIN)/flask --app portal
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup assets run db test lint fmt bench clean

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s "$$(printf '\t')"

$(BIN)/flask: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

static/dist/portal.css: node_modules/.package-lock.json build-assets.mjs $(wildcard static/src/*)
	node build-assets.mjs

setup: $(BIN)/flask static/dist/portal.css ## Create the virtual environment and build the front-end assets

assets: static/dist/portal.css ## Build the front-end assets

db: setup ## Migrate the development database (SQLite in instance/) and load the demo data
	@mkdir -p $(INSTANCE)
	$(FLASK_DEV) db upgrade
	$(FLASK_DEV) seed demo

run: db ## Serve the portal on http://127.0.0.1:5000 (PORT overrides) with the outbox worker beside it
	@mkdir -p $(INSTANCE)/mail/tmp $(INSTANCE)/mail/new $(INSTANCE)/mail/cur
	@echo "Serving on $(PUBLIC_URL)"
	@echo "E-mails are captured, not sent: a local SMTP server on 127.0.0.1:$(SMTP_PORT) keeps each one as a file in"
	@echo "$(INSTANCE)/mail/new/ (a maildir). Read the newest: $(BIN)/python -m portal.app.mailbox $(INSTANCE)/mail"
	@trap 'kill 0' EXIT; \
	  $(BIN)/python -m aiosmtpd -n -l 127.0.0.1:$(SMTP_PORT) -c aiosmtpd.handlers.Mailbox $(INSTANCE)/mail & \
	  $(FLASK_DEV) outbox work & \
	  $(FLASK_DEV) run --host 127.0.0.1 --port $(PORT)

lint: setup ## ruff, mypy, import-linter, bandit and pip-audit (which says so and passes when offline)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/bandit -q -c pyproject.toml -r portal seeds tools
	$(BIN)/python tools/audit_dependencies.py

fmt: setup ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint ## Lint, then the whole suite (unit, integration on SQLite and PostgreSQL, browser)
	$(BIN)/pytest -n 2 --dist loadgroup --durations=25

bench: setup ## Run the benchmarks and write their figures to bench/results/
	$(BIN)/python -m bench.directory_search
	$(BIN)/python -m bench.requests_queue
	$(BIN)/python -m bench.dashboards
	$(BIN)/python -m bench.throughput

clean: ## Remove the virtual environment, node modules and built assets
	rm -rf $(VENV) node_modules static/dist
