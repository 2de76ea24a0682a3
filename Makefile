# The two set-up commands are `make run` and `make test`; everything else is a helper for them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test install lint messages messages-update clean node_modules

# The stamp is newer than the lock file once the environment matches it, so a second run is fast.
$(VENV)/.installed: uv.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --frozen --inexact --quiet
	touch $@

install: $(VENV)/.installed

# Build steps run with the production settings, which need these (they are never used here).
BUILD_ENV := DJANGO_SECRET_KEY=build-only DJANGO_SITE_URL=https://build.invalid EMAIL_URL=dummymail://

# Compiled catalogues are build output: made from the committed .po files when those change
# (with gettext's msgfmt, or polib where gettext is not installed).
messages: install
	$(BUILD_ENV) $(BIN)/python manage.py compile_translations -v 0

# After changing strings: refresh locale/*.po, fill the Finnish one, list what needs translating.
messages-update: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py update_translations

run: messages
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --no-input -v 0
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py ensure_local_admin
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py runserver 127.0.0.1:8000

# Tests run with the production settings, which serve hashed static files from a manifest.
STATIC_SOURCES := $(shell find static -type f 2>/dev/null)
staticfiles/staticfiles.json: $(STATIC_SOURCES) $(VENV)/.installed
	$(BUILD_ENV) $(BIN)/python manage.py collectstatic --no-input -v 0
	touch $@

# The checkers the tests run (axe-core, vnu-jar, Lighthouse), exactly as package-lock.json pins
# them; install scripts are skipped since vnu.jar runs with the machine's Java.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

node_modules: node_modules/.installed

# pytest-xdist: one worker per core (PYTEST_WORKERS=0 runs in this process); a test file stays on
# one worker, so its module fixtures (servers, a scratch database) start once. The files go out in
# the order tests/conftest.py gives them (the long ones first), not by their number of tests.
# Python's bytecode caches (__pycache__, ignored by git) are written even where the environment
# sets PYTHONDONTWRITEBYTECODE: without them each worker, and each server or command a test
# starts, compiles Django and the site anew (collecting the tests alone took 6.3 s instead of 2.7).
PYTEST_WORKERS ?= auto
test: messages staticfiles/staticfiles.json node_modules/.installed
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/lint-imports --no-cache
	$(BIN)/hadolint --failure-threshold warning Dockerfile

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .coverage node_modules
