# The few verbs a user types. Everything installs itself on first use (Python venv + pinned npm CLI).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CHECKOV_VENV := .venv-checkov
# The pinned CDK CLI and Node 22 (from npm) come first, then the venv's python3 for `cdk.json`'s app.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: setup synth local token test lint checkov deploy smoke diff destroy bench loadtest clean

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
	$(PY) -m local.synth_report

## local: the whole product offline: local AWS + real `cdk deploy` + the API on localhost:3000
PORT ?= 3000
AWS_PORT ?= 4566
local: setup
	$(PY) -m local up --port $(PORT) --aws-port $(AWS_PORT)

## token: an ID and an access token for a demo user of the running `make local` (EMAIL=...)
EMAIL ?= demo@example.com
token: setup
	@$(PY) -m local token --email $(EMAIL)

## loadtest: bounded load test of the local API (starts its own local run; BASE_URL=http://localhost:3000 targets a running `make local`)
loadtest: setup
	$(PY) -m local.loadtest $(if $(BASE_URL),--base-url $(BASE_URL))

## bench: ratios to floors measured side by side; writes BENCHMARKS.md and docs/bench-latency.png (~5-7 min)
bench: setup $(VENV)/.bench-installed
	$(PY) -m bench

$(VENV)/.bench-installed: requirements-bench.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

## test: lint, type-check and run the whole test suite (what CI runs)
test: setup lint $(CHECKOV_VENV)/.installed
	$(PY) -m pytest

# checkov pins boto3 1.35 (requirements-dev.txt has 1.44): it gets its own venv, made on demand.
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

## checkov: scan the templates of `make synth` (cdk.out/*) with the skips of .checkov.yaml
checkov: synth $(CHECKOV_VENV)/.installed
	BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml -d cdk.out --skip-download --compact --quiet

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy app.py stacks lambdas local tests bench

## deploy: deploy every stack to the AWS account in your environment (STAGE=dev|prod)
STAGE ?= dev
# More context for deploy/diff/destroy (space-separated key=value pairs; also read from the
# environment, as deploy.yml sets it), e.g. CONTEXT="callbackUrls=https://app.example.com/cb"
CONTEXT ?=
CDK_CONTEXT = $(foreach pair,stage=$(STAGE) $(CONTEXT),-c '$(pair)')
deploy: setup
	cdk deploy --all --require-approval never $(CDK_CONTEXT)

## smoke: end-to-end check of a deployed stage: 401, then a temporary user's POST/GET round trip (STAGE=dev|prod; LOCAL=1 for a running `make local`)
smoke: setup
	$(PY) -m local.smoke $(if $(LOCAL),--local,--stage $(STAGE))

diff: setup
	cdk diff --all $(CDK_CONTEXT)

destroy: setup
	cdk destroy --all $(CDK_CONTEXT)

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
