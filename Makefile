# Two entry points for a fresh machine (see README.md): `make demo` and `make test`.
# Each target installs what it needs into .venv first, so either works on its own.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev

# PostgreSQL for the suites that also run on it; .ci/run and `make test` point it at the local server.
export WEAVZ_FLOW_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install demo test lint browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	# An editable install leaves our own modules uncompiled (a wheel install compiles them); where
	# PYTHONDONTWRITEBYTECODE is set, as in many containers, every command would compile them again at start.
	$(BIN)/python -m compileall -q src >/dev/null
	touch $(STAMP)

$(DEV): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(DEV)

install: $(STAMP)

# The main job on the embedded default: check the example project, converge the local engine to it, run a flow.
# The placeholder credentials (examples/demo.env) are only stored, never sent: the offline flow uses built-ins.
DEMO_FLOW ?= offline-report

demo: $(STAMP)
	cd examples && set -a && . ./demo.env && set +a \
	  && mkdir -p secrets && { [ -f secrets/sheets-refresh-token ] || echo placeholder > secrets/sheets-refresh-token; } \
	  && ../$(BIN)/weavz-flow validate \
	  && ../$(BIN)/weavz-flow plan \
	  && ../$(BIN)/weavz-flow apply --auto-approve \
	  && ../$(BIN)/weavz-flow run $(DEMO_FLOW)

lint: $(DEV)
	$(BIN)/ruff check src tests benchmarks && $(BIN)/mypy

# Hosted pages are tested in Debian's chromium, driven by Playwright (not a browser Playwright downloads). Installed
# here where we can (root with apt-get); elsewhere the browser tests skip and pytest's summary says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && { apt-get install -y -q chromium >/dev/null 2>&1 \
	       || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; }; } \
	  || echo "chromium is not installed and could not be: the browser tests will skip"

# pytest exits 5 when it collected no test; that is a failure here, never a silent pass.
test: $(DEV) lint browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
