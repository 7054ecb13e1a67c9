# Build, generate and test the Venice client. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
PY := $(BIN)/python
VENICE_SPEC_SOURCE ?= https://api.venice.ai/doc/api/swagger.yaml
export VENICE_SPEC_SOURCE

GENERATED := generated/venice_api/__init__.py
GENERATOR_INPUTS := spec/swagger.yaml spec/generator.yaml spec/always_sent.yaml spec/resources.yaml \
	$(wildcard spec/templates/*.jinja spec/templates/*/*.jinja) \
	scripts/transforms.py scripts/generate.py scripts/spec_io.py scripts/resources.py scripts/resource_names.py \
	$(wildcard venice_spec/*.py)
# Venice's model listing, which the fake server serves; fetched like the spec, never committed.
MODELS_SNAPSHOT := venice_ext/testing/models-snapshot.json

.PHONY: help demo install install-node dist spec models spec-diff update-spec generate unasync test test-history bench lint typecheck clean

help:
	@echo "make demo          install what is missing, regenerate, tour the client against a fake Venice (LIVE=1: the real API)"
	@echo "make install       venv + pinned tools, fetch spec, generate, editable install (no Node)"
	@echo "make test          whatever of install is missing, npm ci (Prism), then the whole test suite"
	@echo "make dist          a wheel and an sdist in dist/, the generated client inside"
	@echo "make spec          fetch the spec from VENICE_SPEC_SOURCE and update spec/venice-spec.lock"
	@echo "                   (and the model listing, as make models)"
	@echo "make models        fetch the model listing the fake server serves (VENICE_MODELS_SOURCE)"
	@echo "make spec-diff OLD=path NEW=path [JSON=1]"
	@echo "                   what changed between two spec versions, breaking changes marked"
	@echo "make update-spec   fetch VENICE_SPEC_SOURCE, report changes against the lock, lock it,"
	@echo "                   regenerate, run the tests, and sum it all up in one paragraph"
	@echo "make generate      transform the spec and regenerate generated/venice_api"
	@echo "make test-history  run the pipeline on every spec in ../shared/venice-spec/history"
	@echo "make bench         benchmarks against raw httpx and openai-python (ratios, same run)"
	@echo "make unasync       rewrite the sync twins in venice_ext from their async source"
	@echo "make lint          ruff + mypy --strict on venice_ext, venice_spec and scripts"

# No Node here: only the Prism contract tests need it, and `make test` installs it for them.
install: $(VENV)/.deps $(GENERATED) $(MODELS_SNAPSHOT) $(VENV)/.editable

install-node: node_modules/.package-lock.json

$(VENV)/.deps: requirements/dev.txt requirements/runtime.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

spec: $(VENV)/.deps
	$(PY) -m scripts.fetch_spec
	$(PY) -m scripts.fetch_models

models: $(VENV)/.deps
	$(PY) -m scripts.fetch_models

$(MODELS_SNAPSHOT): | $(VENV)/.deps
	$(PY) -m scripts.fetch_models

# ARGS=--json works too; the recipe is silent so that the JSON on stdout stays parseable.
spec-diff: $(VENV)/.deps $(VENV)/.editable
	@test -n "$(OLD)" -a -n "$(NEW)" || { echo "usage: make spec-diff OLD=path NEW=path [JSON=1]" >&2; exit 2; }
	@$(PY) -m venice_ext spec diff "$(OLD)" "$(NEW)" $(if $(JSON),--json) $(ARGS)

# Not `install`: that would fetch and lock the new spec before it could be compared.
update-spec: $(VENV)/.deps $(VENV)/.editable node_modules/.package-lock.json
	$(PY) -m scripts.update_spec

spec/swagger.yaml:
	$(MAKE) --no-print-directory spec

generate: $(VENV)/.deps spec/swagger.yaml
	$(PY) -m scripts.generate

$(GENERATED): $(VENV)/.deps $(GENERATOR_INPUTS)
	$(PY) -m scripts.generate

$(VENV)/.editable: $(VENV)/.deps pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# Generates once, also on a fresh clone (not once for `install` and again for the tour).
demo: $(VENV)/.deps spec/swagger.yaml $(MODELS_SNAPSHOT)
	@echo "== regenerating the client from $$(grep -o '"info.version": "[^"]*"' spec/venice-spec.lock)"
	$(PY) -m scripts.generate
	@$(MAKE) --no-print-directory $(VENV)/.editable
	$(BIN)/venice demo $(if $(LIVE),--live)

# Built without network or build isolation, from the setuptools pinned in the venv.
dist: install
	rm -rf dist build
	$(PY) -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation --wheel-dir dist .
	$(PY) -c "from setuptools import build_meta; print(build_meta.build_sdist('dist'))"
	@ls -l dist

test: install install-node
	$(PY) -m pytest -q

test-history: $(VENV)/.deps
	$(PY) -m scripts.history

$(VENV)/.bench-deps: requirements/bench.txt $(VENV)/.deps
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/bench.txt
	touch $@

bench: install $(VENV)/.bench-deps
	$(PY) -m tests.bench.bench_core
	$(PY) -m tests.bench.bench_stream
	$(PY) -m tests.bench.bench_batch
	$(PY) -m tests.bench.bench_budget

unasync: $(VENV)/.deps
	$(PY) -m scripts.unasync

lint: install
	$(PY) -m scripts.unasync --check
	$(BIN)/ruff check venice_ext venice_spec scripts tests
	$(BIN)/ruff format --check venice_ext venice_spec scripts tests
	$(BIN)/mypy --strict venice_ext venice_spec scripts

clean:
	rm -rf generated/venice_api .pytest_cache .mypy_cache .hypothesis build dist
