# Health Passport. `make help` lists the targets; a newcomer needs only `make run` and `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# make test spreads the suite over one process per CPU and one more (pytest-xdist; each has its own SQLite
# database, or on PostgreSQL its own database on the server): many tests wait on a browser, a server or a
# subprocess, and the extra process uses that time (on 2 cores: 12.5 → 10 minutes). test-only runs in one
# process unless PYTEST_ARGS says -n.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
HOST ?= 127.0.0.1
export FLASK_APP := wsgi
export PASSPORT_ENV ?= development

NHSUK := node_modules/nhsuk-frontend/dist/nhsuk
LOCALES := cy ar fa ps ti sq vi

.DEFAULT_GOAL := help
.PHONY: help run serve test test-only lint format install install-dev frontend translations \
	extract-messages update-messages migrate migration seed bench clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-18s %s\n", $$1, $$2}'

run: install frontend translations ## Start the app on SQLite with demo data at http://127.0.0.1:5000
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	$(BIN)/flask send-reminders
	$(BIN)/flask run --host $(HOST) --port $(PORT)

serve: install frontend translations ## Run under gunicorn (production-style); set DATABASE_URL, SECRET_KEY
	$(BIN)/flask db upgrade
	$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

test: install-dev frontend translations ## Install what the tests need and run the whole suite
	@scripts/ensure-system-packages
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -q -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-only: ## Run the suite without installing anything (TEST_DATABASE_URL picks the database)
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: install-dev ## ruff (check and format) and bandit
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r passport

format: install-dev ## Format the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

install: $(VENV)/.runtime-installed ## Create the virtualenv and install the app's packages

install-dev: $(VENV)/.dev-installed ## ... and the test tools

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/nhsuk/.built: node_modules/.installed Makefile
	rm -rf static/nhsuk && mkdir -p static/nhsuk
	cp $(NHSUK)/nhsuk-frontend.min.css $(NHSUK)/nhsuk-frontend.min.js static/nhsuk/
	@# Frutiger comes from assets.nhs.uk, a third party our CSP refuses anyway: drop the @font-face rules so
	@# no phone even tries (text falls back to Arial, as it already did).
	sed -i 's/@font-face{[^}]*assets\.nhs\.uk[^}]*}//g' static/nhsuk/nhsuk-frontend.min.css
	@# A mirrored copy for right-to-left languages (Arabic, Farsi, Pashto): radios, borders, chevrons flip.
	node_modules/.bin/rtlcss --silent static/nhsuk/nhsuk-frontend.min.css static/nhsuk/nhsuk-frontend.rtl.min.css
	cp -r $(NHSUK)/assets static/nhsuk/assets
	touch $@

frontend: static/nhsuk/.built ## Build the NHS.UK design system into static/ (from npm, no CDN)

translations: install ## Compile the translation catalogues (.po → .mo)
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile -d translations >/dev/null; fi

extract-messages: install ## Collect every marked string into translations/messages.pot
	PYTHONPATH=. $(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k N_plural:1,2 --no-location --sort-output \
		--project="Health Passport" --msgid-bugs-address="" -o translations/messages.pot . >/dev/null

update-messages: extract-messages ## Merge new strings into every language's catalogue
	@for l in $(LOCALES); do \
		if [ -f translations/$$l/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations -l $$l >/dev/null; \
		else $(BIN)/pybabel init -i translations/messages.pot -d translations -l $$l >/dev/null; fi; \
	done

migrate: install ## Apply database migrations
	$(BIN)/flask db upgrade

migration: install ## Make a migration from model changes: make migration m="what changes"
	@test -n "$(m)" || (echo 'Say what changes: make migration m="add dentist to registrations"'; exit 1)
	$(BIN)/flask db revision --autogenerate -m "$(m)" --rev-id $$(printf '%04d' $$(( $$(ls migrations/versions/*.py | wc -l) + 1 )))

seed: install ## Add the invented demo data (safe to run again)
	$(BIN)/flask seed-demo

bench: install-dev frontend translations ## Run the benchmarks (10k passports) and write bench/RESULTS.md
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| echo "Note: wrk is missing (apt-get install wrk): the throughput and memory figures are skipped"
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean: ## Remove the virtualenv, node_modules, built assets and the local database
	rm -rf $(VENV) node_modules static/nhsuk instance/*.sqlite3*
