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
export KERAS_BACKEND := torch
# AlbumentationsX (the maintained successor of Albumentations) imports as `albumentations` too,
# so the image benchmark runs against it from a venv of its own.
BENCH_AX := .venv-bench-ax
# The batched-tensor benchmark: Kornia 0.9.0 on the CPU torch 2.13.0; torchvision 0.29.1 (with Kornia,
# so all three share one process) on torch 2.14.1, as PyPI's torchvision does not import against the
# torch 2.13.0 CPU wheel (a CUDA build, about 6 GB).
BENCH_TORCH := .venv-bench-torch
BENCH_TV := .venv-bench-tv
# What a GPU machine without internet needs to run it (carry .gpu there): see benchmarks/gpu_bundle.sh
GPU_BUNDLE := .gpu

.PHONY: demo test test-fast docs bench bench-image bench-torch gpu-bundle gallery lint clean

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

$(BENCH_TORCH)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(BENCH_TORCH)
	$(BENCH_TORCH)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_TORCH)/bin/python -m pip install --quiet -e ".[image,torch]" "kornia==0.9.0" "$(TORCH)"
	touch $@

$(BENCH_TV)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(BENCH_TV)
	$(BENCH_TV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_TV)/bin/python -m pip install --quiet -e ".[image,torch]" "kornia==0.9.0" "torchvision==0.29.1" "torch==2.14.1"
	touch $@

demo: $(VENV)/.stamp-all
	$(BIN)/multiaug demo

# two pytest workers (the machines have 2 cores); `worksteal` evens out the few seconds-long tests
PYTEST_WORKERS ?= 2
test: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal

# the documentation site, every warning an error (also built by the test suite): site/index.html
docs: $(VENV)/.stamp-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --site-dir site

# the edit loop: everything but the tests marked `slow` (end-to-end jobs, examples, statistical checks)
test-fast: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal -m "not slow"

# every benchmark; the image one twice: against Albumentations 2.0.8 and against AlbumentationsX 2.5.1
bench: $(VENV)/.stamp-bench $(BENCH_AX)/.stamp
	cd benchmarks && for script in core.py image.py text.py audio.py tabular.py guard.py jobs.py; do \
		[ -f $$script ] && ../$(BIN)/python $$script || exit 1; done
	cd benchmarks && ../$(BENCH_AX)/bin/python image.py

# the image benchmark alone, against both (add ARGS=--quick for a short run)
bench-image: $(VENV)/.stamp-bench $(BENCH_AX)/.stamp
	cd benchmarks && ../$(BIN)/python image.py $(ARGS) && ../$(BENCH_AX)/bin/python image.py $(ARGS)

# batched tensors (issue 16) against Kornia 0.9.0 and torchvision v2, one CPU thread
# (ARGS=--quick for a short run, ARGS="--device cuda" on a GPU)
bench-torch: $(BENCH_TORCH)/.stamp $(BENCH_TV)/.stamp
	cd benchmarks && ../$(BENCH_TORCH)/bin/python torch_batch.py $(ARGS) && ../$(BENCH_TV)/bin/python torch_batch.py $(ARGS)

# wheels and a run script for a GPU machine without internet: `bash .gpu/run_bench.sh` there
gpu-bundle:
	bash benchmarks/gpu_bundle.sh $(GPU_BUNDLE)

# docs/image.md's gallery: one JPEG per registered image op in docs/images/gallery/ and the table
# (and docs/audio.md's: one spectrogram per audio op in docs/images/audio_gallery/)
# between its gallery markers (tiles of ops no longer registered are removed first)
gallery: $(VENV)/.stamp-all
	rm -f docs/images/gallery/*.jpg
	$(BIN)/python examples/image_gallery.py --output docs/images/gallery --markdown docs/image.md
	rm -f docs/images/audio_gallery/*.jpg
	$(BIN)/python examples/audio_gallery.py --output docs/images/audio_gallery --markdown docs/audio.md

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check multiaug tests benchmarks examples
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(BENCH_AX) $(BENCH_TORCH) $(BENCH_TV) $(GPU_BUNDLE) build *.egg-info .pytest_cache .hypothesis
