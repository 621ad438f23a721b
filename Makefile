# Everything a fresh clone needs: `make run` and `make test` install what they use.
VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
STAMP   := $(VENV)/.installed
NODE_STAMP := hardhat-local/node_modules/.installed
AXE_STAMP := tests/browser/node_modules/.installed

.PHONY: install run test faults lint format contracts vectors bench bench-quick soak clean

install: $(STAMP) $(NODE_STAMP) $(AXE_STAMP)

$(STAMP): pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c requirements.lock -e '.[dev]'
	touch $@

$(NODE_STAMP): hardhat-local/package.json hardhat-local/package-lock.json
	cd hardhat-local && npm ci --no-audit --no-fund
	touch $@

# axe-core, which the browser tests load into each page to check its accessibility.
$(AXE_STAMP): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund
	touch $@

run: install
	$(PY) scripts/run_dev.py

test: install
	$(PY) scripts/compile_contracts.py --check
	$(VENV)/bin/pytest

# Reliability (issue 8): the fault suite. `make test` runs its short cases; this runs all of
# tests/faults, including the long ones (a 60 s RPC outage under load, stuck transactions).
faults: install
	$(VENV)/bin/pytest tests/faults -m '' -p no:randomly

# The last line builds the documentation site: a broken link or anchor, or a page left out
# of its nav, fails it.
lint: install
	$(VENV)/bin/ruff check service scripts tests docs/hooks
	$(VENV)/bin/ruff format --check service scripts tests docs/hooks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mkdocs build --strict --site-dir var/site

format: install
	$(VENV)/bin/ruff format service scripts tests
	$(VENV)/bin/ruff check --fix service scripts tests

# Performance (issue 7): the full benchmark, and a quick smoke run of it (CI runs the latter).
bench: install
	$(PY) scripts/bench.py

bench-quick: install
	$(PY) scripts/bench.py --quick

soak: install
	$(PY) scripts/soak.py

# Regenerate committed artifacts (review the diff: v1 outputs must never change).
contracts: install
	$(PY) scripts/compile_contracts.py

vectors: install
	node scripts/make_merkle_vectors.mjs

clean:
	rm -rf $(VENV) hardhat-local/node_modules var
