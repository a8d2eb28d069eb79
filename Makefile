# The two commands of the README: `make run` and `make test`.
# Every step leaves a stamp, so a second run skips what is already done.

# A failed command in a pipe fails the recipe (pip's output is filtered below).
SHELL := bash
.SHELLFLAGS := -o pipefail -c

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
MANAGE := $(PY) manage.py
STAMPS := $(VENV)/.stamps
HOST ?= 127.0.0.1
PORT ?= 8000
# Links inside emails point at the address the site is served on.
export ECMP_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test test-deps lint format check-migrations vendor messages clean help screenshots bench lock

help:
	@echo "make run   - install, migrate, load demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test  - install the dev dependencies and run the whole test suite"
	@echo "make lock  - regenerate requirements/ (the locked dependencies) from pyproject.toml"

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# This machine's pip configuration names an index folder that may not exist: its
# warning is dropped, while pip's own exit status still decides (pipefail).
QUIET_PIP_WARNINGS := { grep -v "is ignored: it is neither" || true; }

# Dependencies come from the lock (requirements/, exact versions and hashes, made
# by `make lock` from pyproject.toml); the project itself is installed without them.
# A stamp is written only once every step has succeeded.
$(STAMPS)/runtime: requirements/runtime.txt pyproject.toml | $(PY)
	@mkdir -p $(STAMPS)
	$(PIP) install --require-hashes -r requirements/runtime.txt 2>&1 | $(QUIET_PIP_WARNINGS)
	$(PIP) install --no-deps -e . 2>&1 | $(QUIET_PIP_WARNINGS)
	@$(PY) -c "import django, django_tasks_db, axes"
	@touch $@

$(STAMPS)/dev: requirements/dev.txt $(STAMPS)/runtime
	$(PIP) install --require-hashes -r requirements/dev.txt 2>&1 | $(QUIET_PIP_WARNINGS)
	@$(PY) -c "import pytest, pytest_django, polib"
	@touch $@

# Regenerate the lock after changing dependencies in pyproject.toml, and commit
# requirements/. Pins already there are kept; LOCK_ARGS=--upgrade (or
# "--upgrade-package NAME") moves them. pip-tools lives in a venv of its own so
# that neither it nor the pip it needs enter the project's environment.
LOCK_TOOLS := $(VENV)/lock-tools
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

$(LOCK_TOOLS)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip --disable-pip-version-check -q install "pip-tools==7.7.0" \
		2>&1 | $(QUIET_PIP_WARNINGS)

lock: $(LOCK_TOOLS)/bin/pip-compile
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile $(LOCK_FLAGS) \
		-o requirements/runtime.txt pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile $(LOCK_FLAGS) \
		--extra dev -c requirements/runtime.txt -o requirements/dev.txt pyproject.toml

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Libraries are served by us, never by a CDN: the portal must work on a closed network.
static/vendor/.stamp: node_modules/.stamp
	rm -rf static/vendor
	mkdir -p static/vendor/bootstrap static/vendor/bootstrap-icons static/vendor/htmx static/vendor/chart.js
	cp node_modules/bootstrap/dist/css/bootstrap.min.css* static/vendor/bootstrap/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* static/vendor/bootstrap/
	cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css static/vendor/bootstrap-icons/
	cp -r node_modules/bootstrap-icons/font/fonts static/vendor/bootstrap-icons/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cp node_modules/chart.js/dist/chart.umd.min.js* static/vendor/chart.js/
	@touch $@

vendor: static/vendor/.stamp

run: $(STAMPS)/runtime vendor
	$(MANAGE) migrate --no-input -v 0
	$(MANAGE) collectstatic --no-input -v 0
	$(MANAGE) seed_demo
	$(MANAGE) serve --host $(HOST) --port $(PORT)

# What the tests need installed; CI makes it once before its suites share it.
test-deps: $(STAMPS)/dev vendor

test: test-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# Screenshots of the main pages, taken by the browser journeys, for the README.
screenshots: $(STAMPS)/dev vendor
	rm -rf docs/screenshots
	ECMP_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q tests/browser

# Benchmarks (not tests): results as JSON, recorded in docs/performance.md.
bench: $(STAMPS)/dev vendor
	$(PY) bench/pages.py --tickets 10000 --requests 200
	$(PY) bench/ingest.py --messages 1000
	$(PY) bench/ingest.py --messages 1000 --backlog

lint: $(STAMPS)/dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	# The layers (pyproject.toml, [tool.importlinter]): a cycle between apps fails here.
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy  # types: [tool.mypy] in pyproject.toml (strict for services, selectors, tasks)

format: $(STAMPS)/dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-migrations: $(STAMPS)/runtime
	$(MANAGE) makemigrations --check --dry-run

# Refresh the French catalog after changing strings, then translate and compile.
messages: $(STAMPS)/dev
	$(MANAGE) makemessages -l fr --no-location --ignore=.venv --ignore=node_modules --ignore=var \
		--ignore=tests --ignore=static/vendor --ignore=scripts --ignore=bench
	$(MANAGE) compilemessages -l fr --ignore=.venv

clean:
	rm -rf $(VENV) node_modules static/vendor
