# The few verbs a user types. Everything installs itself on first use (Python venv + pinned npm CLI).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CHECKOV_VENV := .venv-checkov
# uv installs both venvs: the same pinned packages from the same index as pip, in seconds
# instead of minutes (parallel downloads, no byte-compiling of every module up front).
UV_VERSION := 0.13.8
UV_DIR := .tools/uv-$(UV_VERSION)
UV := $(UV_DIR)/bin/uv
# The interpreter on PATH, never one uv downloads (a fresh machine has Python 3.11).
export UV_PYTHON_DOWNLOADS := never
# The pinned CDK CLI and Node 22 (from npm) come first, then the venv's python3 for `cdk.json`'s app.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
# Python caches compiled modules (__pycache__, gitignored): a shell that says not to (as some CI
# images do) would make every `local up`, emulator and CLI process compile its imports again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup synth local token test lint checkov deploy smoke diff destroy bench loadtest clean browser demo

setup: $(VENV)/.installed node_modules/.installed

$(UV):
	python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target $(UV_DIR) uv==$(UV_VERSION)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python python3 $(VENV)
	$(UV) pip install --quiet --python $(PY) -r requirements-dev.txt
	touch $@

# uv installs without byte-compiling; `make test` compiles the venv once before the suite
# instead of having every first import in the suite's processes do it. aws_cdk is 174 MB of
# generated bindings of which the app imports ~40 MB: those are compiled by importing what the
# app and its tests import (the stacks, CDK's assertions), beside compileall of the rest
# (~14 s of CPU instead of ~24). A module left out compiles on its first import, as without
# this step.
CDK_IMPORTS := import importlib, pkgutil, stacks, aws_cdk.assertions; 	[importlib.import_module(m.name) for m in pkgutil.walk_packages(stacks.__path__, "stacks.")]
$(VENV)/.compiled: $(VENV)/.installed node_modules/.installed
	@echo "$(PY) -m compileall -q -j 0 -x /aws_cdk/ $(VENV)/lib, beside importing the stacks"
	@$(PY) -m compileall -q -j 0 -x /aws_cdk/ $(VENV)/lib >/dev/null & compiled=$$!; \
	  $(PY) -c '$(CDK_IMPORTS)'; imported=$$?; \
	  wait $$compiled && exit $$imported
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## synth: synthesize every issuer configuration offline and print what each made
synth: setup
	$(PY) -m tools.synth_report

## local: the whole product offline: local AWS + real `cdk deploy` + the API on localhost:3000,
## reloaded on every saved edit of what cdk.json's `watch` names (WATCH=0: no reloading)
## (CONTEXT="key=value key=value" passes CDK context to the local deploy, as -c would;
##  state is kept in .local/aws across runs: FRESH=1 starts empty)
PORT ?= 3000
AWS_PORT ?= 4566
AUTH_PORT ?= 3001
DEMO_PORT ?= 3002
CONTEXT ?=
FRESH ?=
WATCH ?= 1
local: setup
	$(PY) -m local up --port $(PORT) --aws-port $(AWS_PORT) --auth-port $(AUTH_PORT) --demo-port $(DEMO_PORT) $(if $(FRESH),--fresh) $(if $(filter 0 false no,$(WATCH)),--no-watch) $(foreach pair,$(CONTEXT),-c $(pair))

## demo: the browser demo page on http://localhost:3002/ for a deployed stage (STAGE=dev|prod)
demo: setup
	$(PY) -m tools.demo --stage $(STAGE) --port $(DEMO_PORT)

## browser: the system Chromium the browser tests drive (Debian's package; installed only if missing)
## A Chrome already on the machine counts (GitHub's Ubuntu runners ship google-chrome).
CHROMIUM ?= $(firstword $(wildcard /usr/bin/chromium /usr/bin/google-chrome /usr/bin/google-chrome-stable) /usr/bin/chromium)
browser:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Chromium for the browser tests (apt-get install -y chromium)..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  { compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || $$SUDO apt-get update -qq >/dev/null 2>&1; } ; \
	  { $$SUDO apt-get install -y -qq chromium >/dev/null 2>&1 || { $$SUDO apt-get update -qq >/dev/null 2>&1 && $$SUDO apt-get install -y -qq chromium >/dev/null 2>&1; }; } \
	  && test -x $(CHROMIUM); \
	} || { echo "error: no Chromium at $(CHROMIUM) and apt-get could not install it: install Debian's chromium package (or set CHROMIUM=/path/to/chrome)" >&2; exit 1; }

## token: an ID and an access token for a demo user of the running `make local` (EMAIL=...);
## with auth=auth0/okta/jwt a user-style and a machine-style token from the local stand-in issuer;
## MACHINE=1: the machine client's client-credentials token (auth=cognito machineClient=true)
EMAIL ?= demo@example.com
MACHINE ?=
token: setup
	@$(PY) -m local token --email $(EMAIL) $(if $(filter 1 true yes,$(MACHINE)),--machine)

## loadtest: bounded load test of the local API (starts its own local run; BASE_URL=http://localhost:3000 targets a running `make local`)
loadtest: setup
	$(PY) -m local.loadtest $(if $(BASE_URL),--base-url $(BASE_URL))

## bench: ratios to floors measured side by side; writes BENCHMARKS.md and its charts (~10-12 min)
bench: setup $(VENV)/.bench-installed bench/peer/node_modules/.installed
	$(PY) -m bench

# The peer gateway the benchmark compares against (serverless + serverless-offline), pinned by
# its own lock file; bench only, never part of `make test`.
bench/peer/node_modules/.installed: bench/peer/package.json bench/peer/package-lock.json
	cd bench/peer && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.bench-installed: requirements-bench.txt $(VENV)/.installed
	$(UV) pip install --quiet --python $(PY) -r requirements-bench.txt
	touch $@

## test: lint, type-check and run the whole test suite (what CI runs), then its 10 slowest steps.
## The installs run side by side (most of an install waits on the network); the lint then runs
## beside the suite at the lowest CPU priority, in the moments the suite leaves a core idle, so
## it costs the suite almost nothing; its report follows the suite's, and either failing fails.
TEST_PREREQUISITES := setup $(VENV)/.compiled browser $(CHECKOV_VENV)/.installed \
	tests/sdk/node_modules/.installed tests/oidc/node_modules/.installed
LINT_LOG := .lint.log
test:
	@$(MAKE) --no-print-directory --jobs=6 --output-sync=target $(TEST_PREREQUISITES)
	@nice -n 19 $(MAKE) --no-print-directory lint >$(LINT_LOG) 2>&1 & lint=$$!; \
	  echo "CHROMIUM_PATH=$(CHROMIUM) $(PY) -m pytest --durations=10  (lint beside it: $(LINT_LOG))"; \
	  CHROMIUM_PATH=$(CHROMIUM) $(PY) -m pytest --durations=10; tests=$$?; \
	  wait $$lint; linted=$$?; cat $(LINT_LOG); \
	  if [ $$linted != 0 ]; then echo "error: lint failed (above)" >&2; fi; \
	  exit $$(( tests != 0 || linted != 0 ))

# The third-party clients the tests drive against the local pool (Amplify JS v6) and hosted UI
# (openid-client v6), each pinned by its own lock file.
tests/sdk/node_modules/.installed: tests/sdk/package.json tests/sdk/package-lock.json
	cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error
	touch $@

tests/oidc/node_modules/.installed: tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# checkov pins boto3 1.35 (requirements-dev.txt has 1.44): it gets its own venv, made on demand.
$(CHECKOV_VENV)/.installed: requirements-checkov.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python python3 $(CHECKOV_VENV)
	$(UV) pip install --quiet --python $(CHECKOV_VENV)/bin/python -r requirements-checkov.txt
	touch $@

## checkov: scan what `cdk synth` writes for every configuration in dev and prod (cdk.out/gated/*)
## with the skips of .checkov.yaml, as the test gate does (tests/stacks/test_checkov.py)
checkov: setup $(CHECKOV_VENV)/.installed
	$(PY) -m tools.synth_report --gated cdk.out/gated
	BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml -d cdk.out/gated --skip-download --compact --quiet

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy app.py stacks lambdas local tools tests bench

## deploy: deploy every stack to the AWS account in your environment (STAGE=dev|prod)
STAGE ?= dev
# CONTEXT (above) also feeds deploy/diff/destroy, from the command line or the environment
# (deploy.yml sets it), e.g. CONTEXT="callbackUrls=https://app.example.com/cb"
CDK_CONTEXT = $(foreach pair,stage=$(STAGE) $(CONTEXT),-c '$(pair)')
deploy: setup
	cdk deploy --all --require-approval never $(CDK_CONTEXT)

## smoke: end-to-end check of a deployed stage: 401, then a temporary user's POST/GET round trip (STAGE=dev|prod; LOCAL=1 for a running `make local`)
smoke: setup
	$(if $(LOCAL),$(PY) -m local smoke,$(PY) -m tools.smoke --stage $(STAGE))

diff: setup
	cdk diff --all $(CDK_CONTEXT)

destroy: setup
	cdk destroy --all $(CDK_CONTEXT)

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
