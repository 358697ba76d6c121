# The two set-up commands: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
CHROMIUM ?= /usr/bin/chromium

# Translation catalogs: the .po files are the source, the .mo files are compiled here (never committed).
CATALOGS := $(wildcard reader/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test lint system-packages demo bench clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel --quiet compile --statistics -i $< -o $@

# After changing a page's or a view's words: new strings go into every .po (to translate there).
messages: $(STAMP)
	$(PY) -m reader.catalogs update

run: $(STAMP) $(COMPILED)
	$(VENV)/bin/reader init
	$(VENV)/bin/reader demo
	$(VENV)/bin/reader serve --host 127.0.0.1 --port 8000

# The suite in TEST_WORKERS processes (pytest-xdist; each has its own PostgreSQL cluster, Chromium
# and ports): a test mostly waits (PostgreSQL, Chromium, subprocesses, limits), so more processes
# than the 2 cores overlap the waits (figures in BENCHMARKS.md). TEST_WORKERS=0: one process.
# Tests are handed out at most 8 at a time, so a run of slow ones (the push fan-out's) spreads.
TEST_WORKERS ?= 4
test: lint $(COMPILED) system-packages
	$(PY) -m pytest -n $(TEST_WORKERS) --maxschedchunk 8

# ruff and mypy, with the rules written down in pyproject.toml; `make test` runs them first.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Browser tests drive Debian's Chromium through Playwright (downloading a browser does not work
# here); the store tests start a throwaway PostgreSQL cluster from Debian's binaries.
system-packages:
	@missing=""; \
	test -x $(CHROMIUM) || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian's$$missing (needed by the tests)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# the demo newsroom alone (`make run` loads it too, then serves it)
demo: $(STAMP)
	$(VENV)/bin/reader init
	$(VENV)/bin/reader demo

bench: $(STAMP)
	$(PY) benchmarks/extract_bench.py

clean:
	rm -rf $(VENV) instance build dist *.egg-info $(COMPILED)
