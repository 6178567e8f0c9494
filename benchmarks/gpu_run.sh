#!/usr/bin/env bash
# Run on the GPU machine from the repository root: `bash .gpu/run_bench.sh` (made by `make gpu-bundle`).
# Prints the Python and torch there, unpacks the wheels of .gpu/wheels that fit this Python into a
# temporary site folder on PYTHONPATH, tries each import, then runs the CUDA benchmark (--quick).
# Every part is guarded: one failure is printed and the next part still runs. A copy of the
# benchmark's output goes to $OUT/torch_batch_cuda.txt when $OUT is set. Then the audio part: the
# batched audio kernels' tests on CUDA and CPU, and benchmarks/torch_batch_audio.py --device cuda
# (output to $OUT/torch_batch_audio_cuda.txt). Takes 2-4 minutes.
# Environment: PYTHON (default python3), BENCH_ARGS (extra arguments), BENCH_TIMEOUT (s, default 240).
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(pwd)
PY=${PYTHON:-python3}
echo "== python and torch"
$PY --version
timeout 60 $PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, \
torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')" \
    || echo "torch check FAILED"
nvidia-smi -L 2>/dev/null || true

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SITE=$TMP/site
echo "== unpack the wheels for this Python into $SITE"
timeout 120 $PY - "$HERE/wheels" "$SITE" <<'PYEOF' || echo "unpacking FAILED"
import glob, os, sys, zipfile

tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
src, dst = sys.argv[1:3]
os.makedirs(dst, exist_ok=True)
for whl in sorted(glob.glob(os.path.join(src, "*.whl"))):
    name = os.path.basename(whl)
    py = name[:-4].split("-")[-3]  # python tag: py3, cp311, ...
    if py.startswith("cp") and py != tag:
        continue
    try:
        zipfile.ZipFile(whl).extractall(dst)
        print("unpacked", name)
    except Exception as exc:
        print("could not unpack", name, exc)
PYEOF
export PYTHONPATH="$SITE:$ROOT${PYTHONPATH:+:$PYTHONPATH}"

echo "== imports"
for mod in numpy cv2 kornia torchvision multiaug; do
    timeout 120 $PY -c "import $mod; print('$mod', getattr($mod, '__version__', '?'), $mod.__file__)" \
        >"$SITE/../import.log" 2>&1 || echo "import $mod FAILED (its rows are left out with a note):"
    tail -n 3 "$SITE/../import.log"
done
timeout 60 $PY -c "import multiaug as ma; print('ma.torch.batched:', hasattr(ma.torch, 'batched'))" || true

echo "== benchmark: torch_batch.py --device cuda --quick ${BENCH_ARGS:-}"
cd "$ROOT/benchmarks" || exit 1
if [ -n "${OUT:-}" ]; then
    timeout "${BENCH_TIMEOUT:-240}" $PY torch_batch.py --device cuda --quick ${BENCH_ARGS:-} 2>&1 \
        | tee "$OUT/torch_batch_cuda.txt"
    rc=${PIPESTATUS[0]}
else
    timeout "${BENCH_TIMEOUT:-240}" $PY torch_batch.py --device cuda --quick ${BENCH_ARGS:-}
    rc=$?
fi
[ "$rc" -eq 0 ] || echo "benchmark FAILED (exit $rc; 124: it ran past BENCH_TIMEOUT)"

echo "== audio: tests/test_torch_batch_audio.py (CUDA rows included) and torch_batch_audio.py --device cuda"
cd "$ROOT" || exit 1
AUDIO_LOG=${OUT:-$TMP}/torch_batch_audio_cuda.txt
{
    timeout 240 $PY -m pytest -q -p no:cacheprovider tests/test_torch_batch_audio.py 2>&1 | tail -n 15
    (cd benchmarks && timeout 180 $PY torch_batch_audio.py --device cuda 2>&1)
} | tee "$AUDIO_LOG"
echo "== done"
