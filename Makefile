# vbptrack — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_PACKAGES := fonts-noto-cjk libharfbuzz-subset0
TEST_PACKAGES := $(RUN_PACKAGES) poppler-utils chromium
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev system-packages-run system-packages-test lint \
	bench translations clean

# Installs missing Debian packages as root, or says which to install and goes on.
define ensure_packages
	@missing=""; \
	for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "vbptrack needs these (Debian names):$$missing — install them with your package manager"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "vbptrack needs:$$missing"; echo "  sudo apt-get install$$missing"; \
	fi
endef

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

system-packages-run:
	$(call ensure_packages,$(RUN_PACKAGES))

system-packages-test:
	$(call ensure_packages,$(TEST_PACKAGES))

run: install system-packages-run
	$(BIN)/vbptrack db upgrade
	$(BIN)/vbptrack demo setup
	$(BIN)/vbptrack serve --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check vbptrack tests bench migrations/env.py
	$(BIN)/ruff format --check vbptrack tests bench
	$(BIN)/mypy

test: install-dev system-packages-test lint
	$(BIN)/python -m pytest -n 2 --dist loadfile -p no:cacheprovider

bench: install-dev
	$(BIN)/python -m bench

translations: install-dev
	$(BIN)/pybabel extract -F vbptrack/translations/babel.cfg -k _l -k lazy_gettext -k translate \
	  -k N_ -k lazy_pgettext:1c,2 --no-wrap --project vbptrack -o vbptrack/translations/messages.pot .
	$(BIN)/pybabel update -i vbptrack/translations/messages.pot -d vbptrack/translations -l zh \
	  --no-wrap --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d vbptrack/translations --statistics

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .mypy_cache
