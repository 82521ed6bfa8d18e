# The two commands of the README are `make course` and `make test`; every other target serves them.
# Setup is idempotent: the virtual environment is rebuilt only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
STAMP  := $(VENV)/.installed

# JupyterLab refuses to run as root unless told it may.
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)
BROWSER_FLAG := $(if $(NO_BROWSER),--no-browser,)

WIDGETS := $(VENV)/share/lifecycle-widgets
# What the rendered HTML loads from the site itself instead of a CDN, so it works offline: the widget
# manager (ipywidgets 8 pairs with html-manager 1.x) with require.js, and MathJax 2.7 for formulas
# (nbconvert's lab template configures MathJax 2: MathJax.js?config=TeX-AMS_CHTML-full,Safe).
WIDGET_PACKAGES := @jupyter-widgets/html-manager@1.0.15 requirejs@2.3.8 mathjax@2.7.9

.PHONY: course setup test system-deps lab-settings widget-assets clean

course: setup  ## set up, then open the course in JupyterLab on lesson 00
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb --port=$(PORT) $(BROWSER_FLAG) $(ROOT_FLAG) \
	    --ServerApp.root_dir=$(CURDIR)

setup: $(STAMP) lab-settings widget-assets

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	    { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

# Start a kernel without asking, and keep JupyterLab from phoning home for news or updates.
lab-settings: $(STAMP)
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@cp lifecycle_lib/assets/lab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json

# Installed from npm in one command (a later --no-save install would prune the earlier packages), and
# again only when the list changes: the stamp holds the list installed. Without npm the rendered
# course shows every widget's static view and loads MathJax from its CDN.
widget-assets: | $(STAMP)
	@if [ "$$(cat $(WIDGETS)/.installed 2>/dev/null)" = "$(WIDGET_PACKAGES)" ]; then \
	    :; \
	elif command -v npm >/dev/null 2>&1; then \
	    mkdir -p $(WIDGETS) && \
	    npm install --prefix $(WIDGETS) --no-audit --no-fund --no-save --silent $(WIDGET_PACKAGES) && \
	    echo "$(WIDGET_PACKAGES)" > $(WIDGETS)/.installed; \
	else \
	    echo "npm not found: rendered lessons will show widgets as their static views only and load MathJax from a CDN."; \
	fi

system-deps:  ## Debian's chromium (browser tests) and bubblewrap (grader sandbox), where we may install them
	@bash tests/install_system_deps.sh

test: setup system-deps  ## set up, then run every test
	$(BIN)/ruff check --quiet
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/python -m pytest lifecycle_lib tests notebooks solutions --nbval-lax -p no:cacheprovider

clean:
	rm -rf $(VENV)
