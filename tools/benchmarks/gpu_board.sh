#!/usr/bin/env bash
# The GPU board (tools/benchmarks/gpu_board.py) on a machine without the
# OpenMMLab packages and without network: installs the wheels that
# gpu_wheels.sh collected, makes mmseg importable on an mmcv without
# compiled ops, then runs the board within BUDGET_S seconds from its own
# start (the install counts).
#
#   OUT=out WHEELS=.gpu/whl BUDGET_S=540 bash tools/benchmarks/gpu_board.sh
#   OUT=out bash tools/benchmarks/gpu_board.sh --tiny   # CPU dry run
#
# OUT       (required) folder for the results; run.log is written there
# WHEELS    folder of wheels to install; unset: the interpreter's own packages
# BUDGET_S  seconds for everything (default 540)
# PYTHON    interpreter (default python3); SITE: where the wheels go
# Further arguments go to gpu_board.py (--help lists them).
set -u
T0=$(date +%s)
: "${OUT:?set OUT to the folder that receives the results}"
BUDGET_S=${BUDGET_S:-540}
PY=${PYTHON:-python3}
SITE=${SITE:-/tmp/mmdefect-site}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

install_wheels() {
  echo "installing $(ls "$WHEELS"/*.whl | wc -l) wheels from $WHEELS into $SITE"
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
    --upgrade --target "$SITE" "$WHEELS"/*.whl || return 1
  # mmseg imports mmcv.ops, which loads the compiled mmcv._ext.
  cp "$REPO/tools/benchmarks/mmcv_ext.py" "$SITE/mmcv/_ext.py" || return 1
  export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
  if ! "$PY" -c 'import distutils.errors' 2> /dev/null; then
    # Python 3.12 without setuptools' distutils: mmengine's collect_env
    # imports distutils.errors and uses none of it.
    mkdir -p "$SITE/distutils"
    : > "$SITE/distutils/__init__.py"
    printf 'class DistutilsError(Exception):\n    pass\n' \
      > "$SITE/distutils/errors.py"
    echo "no distutils here: a minimal distutils.errors in $SITE"
  fi
}

check_stack() {
  "$PY" - << 'EOF'
import mmcv, mmengine, mmpretrain, mmseg, torch
import mmseg.models, mmdefect  # noqa: F401  (mmcv.ops and the registries)
print(f'torch {torch.__version__} (CUDA {torch.cuda.is_available()}), mmcv '
      f'{mmcv.__version__}, mmengine {mmengine.__version__}, mmseg '
      f'{mmseg.__version__}, mmpretrain {mmpretrain.__version__}')
EOF
}

main() {
  cd "$REPO" || return 1
  export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
  export MKL_NUM_THREADS=$OMP_NUM_THREADS
  # mmpretrain's vqa.py has invalid escape sequences: a warning per process.
  export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore::SyntaxWarning}
  export MPLCONFIGDIR=${MPLCONFIGDIR:-/tmp/mmdefect-mpl}
  mkdir -p "$MPLCONFIGDIR"
  if [ -n "${WHEELS:-}" ]; then
    install_wheels || { echo "FATAL: the wheels of $WHEELS did not install"; return 1; }
    # Once here, not in every process of the board at the same time: the
    # byte code of what was installed without it, and of the project.
    "$PY" -m compileall -q -j 0 "$SITE" mmdefect tools > /dev/null 2>&1
    check_stack || { echo "FATAL: the OpenMMLab stack does not import"; return 1; }
  fi
  # matplotlib's font cache, once.
  "$PY" -c 'import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot' 2> /dev/null
  echo "ready after $(( $(date +%s) - T0 )) s"
  "$PY" tools/benchmarks/gpu_board.py --out "$OUT" --budget-s "$BUDGET_S" \
    --started-at "$T0" "$@"
}

main "$@" 2>&1 | tee "$OUT/run.log"
exit "${PIPESTATUS[0]}"
