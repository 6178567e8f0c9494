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
export ALBUMENTATIONS_NO_TELEMETRY := 1
# AlbumentationsX (the maintained successor of Albumentations) imports as `albumentations` too,
# so the image benchmark runs against it from a venv of its own.
BENCH_AX := .venv-bench-ax

.PHONY: demo test test-fast bench bench-image lint clean

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

$(BENCH_AX)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(BENCH_AX)
	$(BENCH_AX)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_AX)/bin/python -m pip install --quiet -e ".[image]" "albumentationsx==2.5.1" "$(TORCH)"
	touch $@

demo: $(VENV)/.stamp-all
	$(BIN)/multiaug demo

test: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest -q

# the edit loop: everything but the tests marked `slow` (end-to-end jobs, examples, statistical checks)
test-fast: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest -q -m "not slow"

# every benchmark; the image one twice: against Albumentations 2.0.8 and against AlbumentationsX 2.5.1
bench: $(VENV)/.stamp-bench $(BENCH_AX)/.stamp
	cd benchmarks && for script in core.py image.py text.py audio.py tabular.py guard.py jobs.py; do \
		[ -f $$script ] && ../$(BIN)/python $$script || exit 1; done
	cd benchmarks && ../$(BENCH_AX)/bin/python image.py

# the image benchmark alone, against both (add ARGS=--quick for a short run)
bench-image: $(VENV)/.stamp-bench $(BENCH_AX)/.stamp
	cd benchmarks && ../$(BIN)/python image.py $(ARGS) && ../$(BENCH_AX)/bin/python image.py $(ARGS)

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check multiaug tests benchmarks examples
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(BENCH_AX) build *.egg-info .pytest_cache .hypothesis
