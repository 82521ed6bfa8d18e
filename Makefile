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
# What the course site (`lifecycle render`) loads from itself instead of a CDN, so it works offline: the
# widget manager (ipywidgets 8 pairs with html-manager 1.x) with require.js, and MathJax 2.7 for
# formulas (configured as TeX-AMS_CHTML-full with the Safe extension).
WIDGET_PACKAGES := @jupyter-widgets/html-manager@1.0.15 requirejs@2.3.8 mathjax@2.7.9

# Kernels that Jupyter's own applications start (JupyterLab in `make course`, `jupyter nbconvert
# --execute`) talk to them over TCP. With transport encryption on, the kernel manager gives each kernel
# CurveZMQ keys (the kernelspec ipykernel installs says it accepts them), so the traffic is encrypted
# and ipykernel has no "running over TCP without encryption" warning to print. This fixes the cause
# rather than lowering the kernel's log level, which would hide its other warnings too. (Kernels the
# course's tools start, in tools/execute.py, use local Unix sockets instead.) Only where pyzmq has
# CURVE, as every pyzmq wheel does: elsewhere the setting would stop kernels from starting.
JUPYTER_CONFIG := $(VENV)/etc/jupyter/jupyter_config.json

.PHONY: course setup test system-deps lab-settings widget-assets clean

# The server says only what is wrong (log level WARN); the address to open, with the access token made
# here (passed in the environment, which other users cannot read, not on the command line), is printed
# once. A busy port stops the server instead of moving it to another port than the one printed.
course: setup  ## set up, then open the course in JupyterLab on lesson 00
	@token=$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(24))'); \
	echo "The course is at http://127.0.0.1:$(PORT)/lab/tree/notebooks/00_start_here.ipynb?token=$$token"; \
	echo "Press Ctrl+C twice to stop it."; \
	JUPYTER_TOKEN=$$token exec $(BIN)/jupyter lab notebooks/00_start_here.ipynb --ServerApp.ip=127.0.0.1 \
	    --port=$(PORT) --ServerApp.port_retries=0 $(BROWSER_FLAG) $(ROOT_FLAG) --ServerApp.root_dir=$(CURDIR) \
	    --log-level=WARN --LabApp.log_level=WARN

setup: $(STAMP) lab-settings widget-assets

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	    { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	@echo "Installing the course's packages into $(VENV)/ (a few minutes the first time)."
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $(STAMP)

# Start a kernel without asking, and keep JupyterLab from phoning home for news or updates; encrypt
# the kernels Jupyter's applications start (JUPYTER_CONFIG above).
lab-settings: $(STAMP)
	@mkdir -p $(VENV)/share/jupyter/lab/settings $(dir $(JUPYTER_CONFIG))
	@cp lifecycle_lib/assets/lab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@if $(BIN)/python -c 'import sys, zmq; sys.exit(not zmq.has("curve"))'; then \
	    echo '{"KernelManager": {"transport_encryption": "auto"}}' > $(JUPYTER_CONFIG); \
	else rm -f $(JUPYTER_CONFIG); fi

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
