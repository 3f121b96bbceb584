# Two commands for a fresh machine: `make run` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PORT ?= 8501
# The loopback address unless told otherwise: serve the school's network behind its own
# TLS proxy (see the README), never bare.
HOST ?= 127.0.0.1

.PHONY: run test test-future soak bench lint format chromium faketime nginx

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

# Debian's libfaketime moves the machine's clock for `make test-future`.
faketime:
	@command -v faketime >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq faketime >/dev/null; }

# Debian's nginx (and openssl, for its certificate) serves the app over TLS in one browser
# journey, through deploy/nginx-site.conf, as a process of the test's own. Installing nginx
# starts Debian's own service on port 80: where systemd runs, it is stopped and disabled.
nginx:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null && command -v openssl >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nginx openssl >/dev/null && \
		if [ -d /run/systemd/system ]; then $$SUDO systemctl disable --now nginx >/dev/null 2>&1; fi; \
		test -x /usr/sbin/nginx && command -v openssl >/dev/null; }

# Every test but the soak runs (about five minutes of pytest on two cores): four workers,
# since the browser tests mostly wait on their own pages and servers. Then the fast ones run
# again with the clock years ahead (about four more).
test: $(INSTALLED) chromium nginx
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n 4
	$(MAKE) --no-print-directory test-future

# The fast tests (all but the browser and soak tests) with the machine's clock moved to a
# leap day years ahead, and running on from there: DuckDB's own clock and the command line
# the tests start see 2032, while the tests' pinned clock stays in 2026, so a rule that
# reads a clock instead of being given the day fails here. The monotonic clock stays real
# (faked, a timed wait on a lock never ends), child processes go on from the parent's
# moved clock instead of starting it again, and tests/faketime/sitecustomize.py mends
# Python's sleep for that setting.
test-future: $(INSTALLED) faketime
	FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_DONT_RESET=1 \
	PYTHONPATH=$(CURDIR)/tests/faketime$${PYTHONPATH:+:$$PYTHONPATH} \
		faketime -f '@2032-02-29 12:00:00' $(PY) -m pytest -n 4 -m "not browser and not soak"

# The long versions: eight browser sessions of fifty cases each, a writer killed ten times.
soak: $(INSTALLED) chromium
	$(PY) -m pytest -n 2 -m soak

# Benchmarks at 1,000, 100,000 and 1,000,000 cases; writes docs/benchmarks.md (a few minutes).
bench: $(INSTALLED)
	$(PY) bench/run.py

format: $(INSTALLED)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .
