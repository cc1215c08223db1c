# The few verbs a user types. Everything installs itself on first use (Python venv + pinned npm CLI).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# The pinned CDK CLI and Node 22 (from npm) come first, then the venv's python3 for `cdk.json`'s app.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: setup synth local token test lint deploy smoke diff destroy bench loadtest clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## synth: synthesize every issuer configuration offline and print what each made
synth: setup
	$(PY) -m tools.synth_report

## local: the whole product offline: local AWS + real `cdk deploy` + the API on localhost:3000
## (CONTEXT="key=value key=value" passes CDK context to the local deploy, as -c would)
PORT ?= 3000
AWS_PORT ?= 4566
CONTEXT ?=
local: setup
	$(PY) -m local up --port $(PORT) --aws-port $(AWS_PORT) $(foreach pair,$(CONTEXT),-c $(pair))

## token: an ID and an access token for a demo user of the running `make local` (EMAIL=...)
EMAIL ?= demo@example.com
token: setup
	@$(PY) -m local token --email $(EMAIL)

## loadtest: bounded load test of the local API (starts its own local run; BASE_URL=http://localhost:3000 targets a running `make local`)
loadtest: setup
	$(PY) -m local.loadtest $(if $(BASE_URL),--base-url $(BASE_URL))

## bench: ratios to floors measured side by side; writes BENCHMARKS.md and docs/bench-latency.png (~5-7 min)
bench: setup $(VENV)/.bench-installed bench/peer/node_modules/.installed
	$(PY) -m bench

# The peer gateway the benchmark compares against (serverless + serverless-offline), pinned by
# its own lock file; bench only, never part of `make test`.
bench/peer/node_modules/.installed: bench/peer/package.json bench/peer/package-lock.json
	cd bench/peer && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.bench-installed: requirements-bench.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

## test: lint, type-check and run the whole test suite (what CI runs)
test: setup lint
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy app.py stacks lambdas local tools tests bench

## deploy: deploy every stack to the AWS account in your environment (STAGE=dev|prod)
STAGE ?= dev
deploy: setup
	cdk deploy --all --require-approval never -c stage=$(STAGE)

## smoke: end-to-end check of a deployed stage: 401, then a temporary user's POST/GET round trip (STAGE=dev|prod; LOCAL=1 for a running `make local`)
smoke: setup
	$(if $(LOCAL),$(PY) -m local smoke,$(PY) -m tools.smoke --stage $(STAGE))

diff: setup
	cdk diff --all -c stage=$(STAGE)

destroy: setup
	cdk destroy --all -c stage=$(STAGE)

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
