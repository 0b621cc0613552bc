# The two commands a newcomer needs: `make book` and `make test` (both set up .venv first).
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2
TESTS  ?= tests notebooks

.PHONY: venv book test lab sync clean distclean help

help:
	@echo "make book   set up .venv, run every notebook (smoke) into executed/, build _build/html"
	@echo "make test   set up .venv, unit tests + nbval on every notebook"
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
	$(BIN)/python -m fundus_utils.run --profile smoke -j $(JOBS)
	$(BIN)/jupyter-book build . -W -n --keep-going --all
	@echo "The book: file://$(CURDIR)/_build/html/index.html"

# pytest exit status 5 means "no tests collected": never expected here, so it fails loudly.
test: $(STAMP)
	@set +e; TQDM_DISABLE=1 FUNDUS_PROGRESS=0 $(BIN)/python -m pytest $(TESTS) --nbval-lax --nbval-current-env; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5) - tests/ must never be empty; failing."; exit 1; fi; \
	exit $$rc

lab: $(STAMP)
	$(BIN)/jupyter lab

sync: $(STAMP)
	@files="$(wildcard notebooks/*/*.py)"; if [ -n "$$files" ]; then $(BIN)/jupytext --sync $$files; else echo "no notebooks/*/*.py to sync"; fi

clean:
	rm -rf _build executed .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
