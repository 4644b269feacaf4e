# Jiceng: the two commands that matter are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PACKAGES := shared gateway svc-approval svc-enforcement svc-grid svc-dispatch svc-assessment
PYPROJECTS := $(foreach p,$(PACKAGES),$(p)/pyproject.toml)

.PHONY: run stop test chaos asyncapi-tools typescript-tools fuzz bench compose-check k8s-check check venv migration clean

# The virtualenv is rebuilt when a dependency list changes.
$(VENV)/.installed: $(PYPROJECTS) requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ is required"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -r requirements-dev.txt $(foreach p,$(PACKAGES),-e ./$(p))
	@touch $@

venv: $(VENV)/.installed

## Start the whole platform with demo data (SQLite files under data/, local NATS if none answers).
run: venv
	$(PY) -m jiceng_shared.stack run

## Stop a platform started with `make run` in another terminal.
stop: venv
	$(PY) -m jiceng_shared.stack stop

## Run every test (PostgreSQL and NATS on 127.0.0.1; see README "Two commands" and "What is covered").
test: venv asyncapi-tools typescript-tools
	$(VENV)/bin/ruff format --check --quiet .
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/mypy
	$(PY) -m pytest

## The full fault suite (make test runs its short form): SIGKILL of each process, kill -9 of a
## private NATS, refused database connections, two replicas of every process; prints counts and times.
chaos: venv
	JICENG_CHAOS=full timeout 1800 $(PY) -m pytest tests/test_faults.py -s -q -p no:cacheprovider
## Schemathesis's long form over the merged OpenAPI (make test runs the short form): every phase,
## valid writes too, 25 examples per operation, as two roles, on a stack of its own.
fuzz: venv
	JICENG_SCHEMATHESIS=full timeout 3600 $(PY) -m pytest tests/test_schemathesis_e2e.py -q -p no:cacheprovider
## The official AsyncAPI parser (Node.js), which tests/test_asyncapi.py runs; skipped without npm.
asyncapi-tools:
	@if command -v npm >/dev/null; then \
		test -d tools/asyncapi/node_modules || (cd tools/asyncapi && npm ci --no-audit --no-fund --silent); \
	else echo "npm not found: the AsyncAPI parser test will skip"; fi
## openapi-typescript, openapi-fetch and tsc (pinned), which tests/test_typescript_client.py runs.
typescript-tools:
	@if command -v npm >/dev/null; then \
		test -d tools/typescript/node_modules || (cd tools/typescript && npm ci --no-audit --no-fund --silent); \
	else echo "npm not found: the TypeScript client test will skip"; fi

## Measure the gateway and loop 1; writes bench/results.json. One part: make bench ONLY=map
## (parts: bench/run.py --help; the others keep their figures in results.json).
bench: venv
	$(PY) bench/run.py $(if $(ONLY),--only $(ONLY))

## Validate deploy/compose.yaml offline (no Docker engine needed).
compose-check: venv
	$(VENV)/bin/docker-compose -f deploy/compose.yaml config -q && echo "compose.yaml is valid"

## Validate the Kubernetes manifests against the API schemas, offline.
k8s-check: venv
	$(PY) deploy/k8s/check.py

check: compose-check k8s-check

## New Alembic revision: make migration SERVICE=grid MESSAGE="add visits"
migration: venv
	$(PY) -m jiceng_shared.migrations $(SERVICE) "$(MESSAGE)"

clean:
	rm -rf $(VENV) data .run .pytest_cache
