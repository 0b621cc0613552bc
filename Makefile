# The two commands a newcomer needs: `make book` and `make test` (both set up .venv first).
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2
TESTS  ?= tests
RUN_ARGS ?=

.PHONY: venv browser mathjax book test unit nbval lab sync clean distclean help

help:
	@echo "make book   set up .venv, run every notebook (smoke) into executed/, build _build/html"
	@echo "            (reuses executions stamped by make test / an earlier make book; RUN_ARGS=--force re-runs)"
	@echo "make test   set up .venv and Chromium, unit tests + every notebook run through the runner (cached for"
	@echo "            make book), then the book built and opened in headless Chromium (tests/test_book_html.py)"
	@echo "make browser  install Debian's chromium + chromium-driver if missing (make test does it first)"
	@echo "make unit   the unit tests only (no notebooks, no browser)"
	@echo "make nbval  every notebook through nbval (pytest --nbval-lax), as a reader would check them"
	@echo "make lab    JupyterLab with jupytext pairing (.py <-> .ipynb)"
	@echo "make sync   regenerate paired .ipynb files from notebooks/*/*.py"
	@echo "make clean  remove _build/, executed/ and caches (make distclean also removes .venv)"

# The pinned stack; re-installs when requirements, constraints or pyproject change. The
# venv's interpreter is registered as the kernel "python3" (papermill, nbval, lab use it).
$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install -e . --no-deps
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (fundus .venv)"
	touch $@

venv: $(STAMP)

# Headless Chromium for tests/test_book_html.py: Debian's chromium + chromium-driver, installed
# with apt-get when missing (through sudo unless root). Where that is impossible the browser
# test skips, saying why; under CI (CI set) a failed install fails.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
	  echo "make browser: $$(chromium --version 2>/dev/null | head -1) and chromedriver present"; \
	else \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "make browser: installing chromium chromium-driver with $${SUDO:-root} apt-get"; \
	  if $$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; then :; \
	  elif [ -n "$$CI" ]; then echo "make browser: installing Chromium failed" >&2; exit 1; \
	  else echo "make browser: could not install Chromium; tests/test_book_html.py will be skipped" >&2; fi; \
	fi

# MathJax 3.2.2 for offline maths (book/_static/mathjax/PROVENANCE.txt): fetched from the npm
# registry once, checked against the tarball's SHA-256, three paths unpacked; not tracked
# (1.2 MB of minified JavaScript).
MATHJAX     := book/_static/mathjax
MATHJAX_TGZ := mathjax-3.2.2.tgz
MATHJAX_SHA := 1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09

$(MATHJAX)/tex-mml-chtml.js:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cd "$$tmp" && \
	  npm pack mathjax@3.2.2 --silent >/dev/null && \
	  echo "$(MATHJAX_SHA)  $(MATHJAX_TGZ)" | sha256sum -c --quiet && \
	  tar -xzf $(MATHJAX_TGZ) package/LICENSE package/es5/tex-mml-chtml.js package/es5/output/chtml/fonts/woff-v2 && \
	  mkdir -p "$(CURDIR)/$(MATHJAX)/output/chtml/fonts" && \
	  cp -r package/es5/output/chtml/fonts/woff-v2 "$(CURDIR)/$(MATHJAX)/output/chtml/fonts/" && \
	  cp package/LICENSE "$(CURDIR)/$(MATHJAX)/LICENSE" && \
	  cp package/es5/tex-mml-chtml.js "$(CURDIR)/$@"
	@echo "make: MathJax 3.2.2 unpacked into $(MATHJAX)/"

mathjax: $(MATHJAX)/tex-mml-chtml.js

# A failed build leaves _build/.book_build_failed, so tests/test_book_html.py rebuilds instead
# of browser-testing the HTML of a failed build (whose index.html is fresh all the same).
book: $(STAMP) mathjax
	$(BIN)/python -m fundus_utils.run --profile smoke -j $(JOBS) $(RUN_ARGS)
	$(BIN)/jupyter-book build . -W -n --keep-going --all || { mkdir -p _build; touch _build/.book_build_failed; exit 1; }
	@rm -f _build/.book_build_failed
	@echo "The book: file://$(CURDIR)/_build/html/index.html"

# `make test` runs the notebooks through the runner (tests/test_notebooks.py), not nbval: one
# execution, stamped into executed/, serves both the tests and `make book` (see README).
# pytest exit status 5 means "no tests collected": never expected here, so it fails loudly.
PYTEST = set +e; TQDM_DISABLE=1 FUNDUS_PROGRESS=0 BOOK_JOBS=$(JOBS) $(BIN)/python -m pytest
NO_TESTS = rc=$$?; if [ $$rc -eq 5 ]; then echo "make $@: pytest collected no tests (exit 5): there must always be tests; failing."; exit 1; fi; exit $$rc

# tests/test_book_html.py (marker `book`) runs last: it builds the book from the notebooks just
# executed and checks every page in headless Chromium (screenshots in _build/screenshots/).
test: $(STAMP) browser mathjax
	@$(PYTEST) $(TESTS) --durations=25; $(NO_TESTS)

unit: $(STAMP)
	@$(PYTEST) tests -m "not notebooks and not book" --durations=25; $(NO_TESTS)

nbval: $(STAMP)
	@$(PYTEST) notebooks --nbval-lax --nbval-current-env --durations=25; $(NO_TESTS)

lab: $(STAMP)
	$(BIN)/jupyter lab

sync: $(STAMP)
	@files="$(wildcard notebooks/*/*.py)"; if [ -n "$$files" ]; then $(BIN)/jupytext --sync $$files; else echo "no notebooks/*/*.py to sync"; fi

clean:
	rm -rf _build executed .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
