# Two commands for a fresh machine: `make run` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PORT ?= 8501
# The loopback address unless told otherwise: serve the school's network behind its own
# TLS proxy (see the README), never bare.
HOST ?= 127.0.0.1

.PHONY: run test soak bench lint format chromium

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (DuckDB 2)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

run: $(INSTALLED)
	$(PY) -m streamlit run app.py --server.address=$(HOST) --server.port=$(PORT)

# Debian's Chromium drives the browser journeys; Playwright never downloads a browser here.
chromium:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Every test but the soak runs, within five minutes on two cores: four workers, since the
# browser tests mostly wait on their own pages and servers.
test: $(INSTALLED) chromium
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n 4

# The long versions: eight browser sessions of fifty cases each, a writer killed ten times.
soak: $(INSTALLED) chromium
	$(PY) -m pytest -n 2 -m soak

# Benchmarks at 1,000, 100,000 and 1,000,000 cases; writes docs/benchmarks.md (a few minutes).
bench: $(INSTALLED)
	$(PY) bench/run.py

format: $(INSTALLED)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .
