#!/usr/bin/env bash
# Fill a folder (default .gpu, git-ignored) with what `benchmarks/torch_batch.py --device cuda` needs on a
# GPU machine that has python3, torch (2.11, CUDA 13.0), numpy and OpenCV but no internet and no Kornia or
# torchvision: the wheels of Kornia 0.9.0 (+ kornia_rs, which `import kornia` needs), torchvision 0.26.0
# (the release for torch 2.11; a cu130 build), Pillow (torchvision imports it) and tqdm (multiaug imports
# it), for CPython 3.11 and 3.12 (kornia_rs for 3.13 too), plus the run script as <folder>/run_bench.sh;
# and for the audio part (tests/test_torch_batch_audio.py, benchmarks/torch_batch_audio.py) soundfile
# (+ cffi, pycparser) and soxr, which that image lacks (about 2.3 MiB).
# The wheels are unpacked there at run time for whichever Python the machine has. Total under 60 MiB
# (a device run carries at most 64 MiB).
set -euo pipefail
DEST=${1:-.gpu}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$DEST/wheels"
get() {  # get PYVER SPEC...: binary wheels for CPython PYVER on manylinux x86_64, no dependencies
    local py=$1
    shift
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version "$py" \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$DEST/wheels" "$@"
}
for py in 3.11 3.12; do
    get "$py" kornia==0.9.0 kornia_rs==0.2.0 torchvision==0.26.0 "pillow>=10" "tqdm>=4.60"
    get "$py" "soundfile>=0.12" "cffi>=1.0" pycparser "soxr>=0.3"
done
get 3.13 kornia==0.9.0 kornia_rs==0.2.0 "tqdm>=4.60"
cp "$ROOT/benchmarks/gpu_run.sh" "$DEST/run_bench.sh"
ls -l "$DEST/wheels"
total=$(du -sm "$DEST" | cut -f1)
echo "$DEST: $total MiB"
if [ "$total" -gt 60 ]; then
    echo "$DEST is over 60 MiB: a device run carries at most 64 MiB" >&2
    exit 1
fi
