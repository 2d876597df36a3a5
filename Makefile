# insider-kit — the two commands a user needs (and a few conveniences).
#   make report   install, generate the synthetic teaching market if absent, render every notebook
#   make test     install with test dependencies, run the test suite
# Both create .venv on first use; only Python 3.11+ and make are required.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
KIT    := $(VENV)/bin/insider-kit
DATA   ?= data
OUT    ?= reports
PYTEST_ARGS ?=
BENCH_FIRMS ?= 2000

.PHONY: report test lab docs sample lint typecheck bench clean-reports help browser-deps tex-deps

help:
	@echo "make report  - render all notebooks on the synthetic teaching market into $(OUT)/"
	@echo "make test    - run the test suite"
	@echo "make lab     - open JupyterLab on notebooks/"
	@echo "make docs    - the documentation site and the course (notebooks executed) -> docs/_build/html"
	@echo "make lint / typecheck / bench"

$(PY):
	$(PYTHON) -c 'import sys; sys.exit("insider-kit needs Python >= 3.11, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the requirements or package metadata change.  (setuptools' notices about editable
# installs are warnings of the build backend, not of the kit: not shown.)
$(VENV)/.installed: $(PY) requirements.txt pyproject.toml
	PYTHONWARNINGS=ignore::UserWarning $(PY) -m pip install --quiet -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	$(PY) tools/compile_kernels.py
	touch $@

# JupyterLab's settings for this environment (no news pop-up, .py notebooks open as notebooks); refreshed
# when the file changes
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_SETTINGS): tools/jupyterlab-overrides.json | $(VENV)/.installed
	mkdir -p $(dir $@)
	cp $< $@

$(VENV)/.installed-dev: $(VENV)/.installed $(LAB_SETTINGS)
	PYTHONWARNINGS=ignore::UserWarning $(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(DATA)/sample/truth.json: | $(VENV)/.installed
	$(KIT) sample --data $(DATA)

sample: $(DATA)/sample/truth.json

report: $(VENV)/.installed $(DATA)/sample/truth.json
	$(KIT) report --data $(DATA)/sample --out $(OUT)

# the browser tests need Debian's chromium and chromium-driver: installed when absent and we are root
# (as in CI); otherwise those tests are skipped with the reason
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium and chromium-driver for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null 2>&1 \
	      || echo "could not install chromium: the browser tests will be skipped"; \
	  else echo "chromium not installed: the browser tests will be skipped (apt-get install chromium chromium-driver)"; fi; \
	fi

# the LaTeX tables are compiled by a test when pdflatex is there: installed when absent and we are root (as in
# CI; about two minutes); otherwise that test is skipped with the reason
tex-deps:
	@if ! command -v pdflatex >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing texlive-latex-base and texlive-latex-recommended for the LaTeX test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      texlive-latex-base texlive-latex-recommended) >/dev/null 2>&1 \
	      || echo "could not install pdflatex: the LaTeX compile test will be skipped"; \
	  else echo "pdflatex not installed: the LaTeX compile test will be skipped"; fi; \
	fi

# the suite; then the engine and statistics tests marked nojit again with the compiled kernels run as plain
# Python (NUMBA_DISABLE_JIT=1: the kernels' source is checked as well as their compiled form; about a minute);
# then the documentation site (warnings, broken cross-references, public names without a docstring and failing
# notebook cells fail it), so CI, which runs this target, checks all three; the docs pages are then loaded in
# the browser (offline math, console errors) by the one test that needs them
test: $(VENV)/.installed-dev browser-deps tex-deps
	$(PY) -m pytest $(PYTEST_ARGS)
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest -q -p no:cacheprovider -m nojit tests/test_reference.py tests/test_eventstudy.py tests/test_inference.py tests/test_grank.py
	@$(MAKE) --no-print-directory docs
	$(PY) -m pytest $(PYTEST_ARGS) tests/test_browser.py -k test_docs_pages_work_offline

# the kit's contents manager (jupytext's, with the kernel's language_info) and notebooks/jupytext.toml: opening
# a notebook does not mark it modified, and saving it rewrites the same text
lab: $(VENV)/.installed $(LAB_SETTINGS)
	INSIDER_KIT_DATA=$(abspath $(DATA)) $(VENV)/bin/jupyter lab --notebook-dir=notebooks \
	  --ServerApp.contents_manager_class=insider_kit._lab.ContentsManager

$(VENV)/.installed-docs: $(VENV)/.installed
	PYTHONWARNINGS=ignore::UserWarning $(PY) -m pip install --quiet -e '.[docs]'
	touch $@

# Sphinx + myst-nb + numpydoc; the notebooks are executed on the teaching market (cached by
# jupyter-cache until a notebook changes); Sphinx warnings fail the build; no network is used
docs: $(VENV)/.installed-docs $(DATA)/sample/truth.json
	@t0=$$(date +%s); INSIDER_KIT_DATA=$(abspath $(DATA)) $(VENV)/bin/sphinx-build -b html -q -n -W --keep-going \
	  docs docs/_build/html && echo "docs: docs/_build/html/index.html ($$(( $$(date +%s) - t0 )) s)"

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check insider_kit tests benchmarks docs/conf.py docs/_ext

typecheck: $(VENV)/.installed-dev
	$(VENV)/bin/mypy

bench: $(VENV)/.installed-dev
	$(PY) benchmarks/filings.py
	$(PY) benchmarks/imports.py
	$(PY) benchmarks/eventstudy.py
	$(PY) benchmarks/pipeline.py --firms $(BENCH_FIRMS)

clean-reports:
	rm -rf $(OUT)
