# PulseRx — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP ?= $(VENV)/.installed

.PHONY: run test test-tools lint typecheck bench faults install clean messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## make run: migrate, create the demo patient, start Redis (embedded), web and worker.
run: $(STAMP)
	$(BIN)/python -m pulserx.devserver

# The single sign-on tests' OpenID Connect provider (node): installed from its lock file, again
# whenever the lock file is newer than the last install. The tests themselves download nothing.
PROVIDER_DIR := tests/sso/provider
PROVIDER_STAMP := $(PROVIDER_DIR)/node_modules/.installed

$(PROVIDER_STAMP): $(PROVIDER_DIR)/package-lock.json $(PROVIDER_DIR)/package.json
	cd $(PROVIDER_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## make test: lint, type-check, and the whole suite (SQLite; PostgreSQL with DATABASE_URL).
## TEST_VAR: the folder the run keeps its files in (test database, embedded Redis, caches);
## two runs side by side each need their own.
TEST_VAR ?= var/test
test: $(STAMP) $(PROVIDER_STAMP)
	RUFF_CACHE_DIR=$(TEST_VAR)/ruff-cache $(BIN)/ruff check .
	MYPY_CACHE_DIR=$(TEST_VAR)/mypy-cache $(BIN)/mypy pulserx
	PULSERX_VAR_DIR=$(TEST_VAR) $(BIN)/python -m pytest -o cache_dir=$(TEST_VAR)/pytest-cache \
		$(PYTEST_ARGS)

## make test-tools: what `make test` installs first (the venv, the OpenID Connect provider).
test-tools: $(STAMP) $(PROVIDER_STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .

BENCH_STAMP ?= $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

## make bench: every benchmark, writing docs/benchmarks.md and docs/scaling.md's figures.
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench

## make faults: kill, restart and cut things under real workers (private PostgreSQL and Redis)
## and count from the database what reached the inbox. FAULTS_SCALE=small for the short CI run.
FAULTS_SCALE ?= full
faults: $(STAMP)
	$(BIN)/python -m bench.faults --scale $(FAULTS_SCALE)

## make messages: extract every marked string into locale/<lang>/LC_MESSAGES/*.po for the
## translators (needs GNU gettext's xgettext); catalogs compile themselves at start-up.
LOCALES := es de fr pt_BR it ar
MESSAGES_ARGS := $(addprefix -l ,$(LOCALES)) --no-obsolete --add-location file \
	-i ".venv/*" -i "tests/*" -i "bench/*" -i "var/*" -i "docs/*" -i "*/vendor/*" -i "build/*"
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -d django $(MESSAGES_ARGS)
	$(BIN)/python manage.py makemessages -d djangojs $(MESSAGES_ARGS)

clean:
	rm -rf var/test var/test-* var/static
