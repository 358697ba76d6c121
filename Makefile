# The two set-up commands: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test chromium demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/reader init
	$(VENV)/bin/reader demo
	$(VENV)/bin/reader serve --host 127.0.0.1 --port 8000

test: $(STAMP) chromium
	$(PY) -m pytest

# Browser tests drive Debian's Chromium through Playwright (downloading a browser does not work here).
chromium:
	@test -x $(CHROMIUM) || { \
	  echo "installing Debian's chromium (needed by the browser tests)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

bench: $(STAMP)
	$(PY) benchmarks/extract_bench.py

clean:
	rm -rf $(VENV) instance build dist *.egg-info
