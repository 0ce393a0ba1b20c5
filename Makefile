# caselink: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := var/demo-data
DEMO_RECORDS ?= 20000
GOVUK := src/caselink/web/static/govuk
VENDOR := src/caselink/web/static/vendor
export CASELINK_DATABASE_URL ?= sqlite:///./caselink.db

.PHONY: demo test install assets lint lock clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3

# Reinstalled only when the lock file or the package metadata change.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

# GOV.UK Frontend comes from the npm registry, pinned by package-lock.json.
$(GOVUK)/.copied: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(GOVUK) && mkdir -p $(GOVUK)
	cp -R node_modules/govuk-frontend/dist/govuk/assets/. $(GOVUK)/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css \
	   node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(GOVUK)/
	touch $@

# Cytoscape.js (the interactive network view), from the npm registry, served by the app.
$(VENDOR)/.copied: $(GOVUK)/.copied
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cp node_modules/cytoscape/dist/cytoscape.min.js $(VENDOR)/
	touch $@

assets: $(GOVUK)/.copied $(VENDOR)/.copied

# Generates and loads the synthetic data once; every step is safe to run again.
demo: install assets
	$(BIN)/caselink config check
	$(BIN)/caselink db upgrade
	@if [ ! -f $(DEMO_DIR)/manifest.json ]; then \
	  $(BIN)/caselink synth --records $(DEMO_RECORDS) --out $(DEMO_DIR) --seed 1; fi
	$(BIN)/caselink load $(DEMO_DIR)
	$(BIN)/caselink link --store
	@if [ ! -f $(DEMO_DIR)/closed-cases.csv ]; then \
	  $(BIN)/caselink review synth --cases 3000 --out $(DEMO_DIR)/closed-cases.csv --seed 1; fi
	$(BIN)/caselink review import $(DEMO_DIR)/closed-cases.csv
	$(BIN)/caselink demo-accounts > /dev/null
	$(BIN)/caselink network detect
	$(BIN)/caselink survivors demo
	$(BIN)/caselink oversight demo-activity
	$(BIN)/caselink teams demo
	$(BIN)/caselink statistics publish --out var/statistics.csv
	$(BIN)/caselink demo-accounts
	$(BIN)/caselink serve --host 127.0.0.1 --port 8000

test: install assets
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Regenerate requirements.lock after changing dependencies in pyproject.toml.
lock: | $(BIN)/activate
	$(BIN)/pip install --quiet uv==0.13.9
	$(BIN)/uv pip compile --quiet --generate-hashes --extra dev --python-version 3.11 \
	  --output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) node_modules $(GOVUK) var caselink.db caselink.db-wal caselink.db-shm
