# The operator's entry points. The README and CI call these targets; nothing else.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# The stamp names the hash of every lock file, so a changed pin reinstalls and an
# unchanged one returns at once.
LOCK_HASH := $(shell cat requirements-dev.txt skillstream/requirements.txt requirements.yml tools/node/package-lock.json 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(LOCK_HASH)
LOCALCLOUD := $(BIN)/python -m localcloud

.PHONY: help setup services deploy test test-fast lint bench clean lock

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(STAMP) services ## Create .venv, install the toolchain and the app's requirements, check services

$(STAMP): requirements-dev.txt skillstream/requirements.txt requirements.yml tools/node/package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r skillstream/requirements.txt 2>&1 | { grep -v "^WARNING: Location" || true; }
	$(BIN)/ansible-galaxy collection install -r requirements.yml >/dev/null
	npm ci --prefix tools/node --no-audit --no-fund --silent
	@rm -f $(VENV)/.installed-*
	@touch $@

services: ## Make sure PostgreSQL, Redis and Chromium are there (installs them on Debian as root)
	@scripts/ensure-services.sh

deploy: setup ## Deploy SkillStream to localcloud (starts it if needed) and print its URL
	@$(LOCALCLOUD) up
	@eval "$$($(LOCALCLOUD) env)" && $(BIN)/ansible-playbook deploy.yml
	@$(LOCALCLOUD) status
	@eval "$$($(LOCALCLOUD) env)" && echo "HTTPS: trust localcloud's CA once ($$LOCALCLOUD_TLS_CERT), e.g. for Chromium: certutil -d sql:$$HOME/.pki/nssdb -A -t C,, -n localcloud -i $$LOCALCLOUD_TLS_CERT"

test: setup ## Everything CI checks: lint, workflow checks, unit, integration, Molecule, end to end
	@scripts/run-tests.sh

test-fast: setup ## The tests without the Molecule scenarios and the end-to-end run
	@SKIP_SLOW=1 scripts/run-tests.sh

lint: setup ## ruff, yamllint, ansible-lint, workflow schema and zizmor
	@scripts/lint.sh

bench: setup ## Benchmarks (deploy, rollback, backup, pages); figures in bench/results/
	@$(BIN)/python -m bench

lock: ## Re-resolve requirements-dev.in into requirements-dev.txt
	@rm -rf /tmp/skillstream-lock && $(PYTHON) -m venv /tmp/skillstream-lock
	@/tmp/skillstream-lock/bin/pip install --quiet -r requirements-dev.in
	@{ echo "# Locked operator toolchain: generated from requirements-dev.in by 'make lock'. Do not edit by hand."; \
	  /tmp/skillstream-lock/bin/pip freeze; } > requirements-dev.txt

clean: ## Stop localcloud and remove its state, caches and the venv
	@test -x $(BIN)/python && $(LOCALCLOUD) down || true
	rm -rf .localcloud .pytest_cache .ruff_cache $(VENV)
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
