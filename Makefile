# The two commands of the README: `make demo` and `make test`. Both create (or refresh)
# .venv themselves; a stamp file per extras set makes a second run instant.
# `make test-fast` is `make test` without the tests marked slow (the edit loop).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# torch must be named in the same pip command as anything that pulls it, or pip picks a CUDA build.
TORCH := torch==2.13.0
export HF_HUB_OFFLINE := 1
export NO_ALBUMENTATIONS_UPDATE := 1

.PHONY: demo test test-fast bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.stamp-all: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[all]" "$(TORCH)"
	touch $@

$(VENV)/.stamp-dev: pyproject.toml $(VENV)/.stamp-all
	$(BIN)/python -m pip install --quiet -e ".[all,dev]" "$(TORCH)"
	touch $@

$(VENV)/.stamp-bench: pyproject.toml benchmarks/requirements.txt benchmarks/requirements-nodeps.txt $(VENV)/.stamp-dev
	$(BIN)/python -m pip install --quiet -r benchmarks/requirements.txt "$(TORCH)"
	$(BIN)/python -m pip install --quiet --no-deps -r benchmarks/requirements-nodeps.txt
	touch $@

demo: $(VENV)/.stamp-all
	$(BIN)/multiaug demo

test: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest -q

# the edit loop: everything but the tests marked `slow` (end-to-end jobs, examples, statistical checks)
test-fast: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(VENV)/.stamp-bench
	cd benchmarks && for script in core.py image.py text.py audio.py tabular.py guard.py jobs.py; do \
		[ -f $$script ] && ../$(BIN)/python $$script || exit 1; done

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check multiaug tests benchmarks examples
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
