# The two commands a newcomer needs: `make book` and `make test` (both set up .venv first).
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2
TESTS  ?= tests
RUN_ARGS ?=

.PHONY: venv book test unit nbval lab sync clean distclean help

help:
	@echo "make book   set up .venv, run every notebook (smoke) into executed/, build _build/html"
	@echo "            (reuses executions stamped by make test / an earlier make book; RUN_ARGS=--force re-runs)"
	@echo "make test   set up .venv, unit tests + every notebook run through the runner (cached for make book)"
	@echo "make unit   the unit tests only (no notebooks)"
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

book: $(STAMP)
	$(BIN)/python -m fundus_utils.run --profile smoke -j $(JOBS) $(RUN_ARGS)
	$(BIN)/jupyter-book build . -W -n --keep-going --all
	@echo "The book: file://$(CURDIR)/_build/html/index.html"

# `make test` runs the notebooks through the runner (tests/test_notebooks.py), not nbval: one
# execution, stamped into executed/, serves both the tests and `make book` (see README).
# pytest exit status 5 means "no tests collected": never expected here, so it fails loudly.
PYTEST = set +e; TQDM_DISABLE=1 FUNDUS_PROGRESS=0 BOOK_JOBS=$(JOBS) $(BIN)/python -m pytest
NO_TESTS = rc=$$?; if [ $$rc -eq 5 ]; then echo "make $@: pytest collected no tests (exit 5): there must always be tests; failing."; exit 1; fi; exit $$rc

test: $(STAMP)
	@$(PYTEST) $(TESTS) --durations=25; $(NO_TESTS)

unit: $(STAMP)
	@$(PYTEST) tests -m "not notebooks" --durations=25; $(NO_TESTS)

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
