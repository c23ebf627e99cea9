#!/usr/bin/env bash
# Creates .venv at the repository root with the pinned OpenMMLab stack and
# mmdefect installed in editable mode.  Idempotent: a complete environment is
# detected by a stamp file and left alone.  The mmcv wheel (compiled ops, about
# 8 minutes on 2 cores) is cached in $MMDEFECT_CACHE so later set-ups reuse it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
cache="${MMDEFECT_CACHE:-$HOME/.cache/mmdefect}"
stamp="$venv/.mmdefect-env"
want="$(cat "$root"/requirements/*.txt "$root/setup.py" | sha256sum | cut -c1-16)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

py="${PYTHON:-python3}"
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
pip="$venv/bin/python -m pip"
cons="$root/requirements/constraints.txt"

# 1. torch + torchvision from the package index proper.  The machine-wide pip
#    configuration points at a local folder with a CPU-only torch that does
#    not match the index's torchvision (import fails on torchvision::nms).
index_pip() { env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $pip "$@"; }
if ! "$venv/bin/python" -c "import torch, torchvision" 2>/dev/null; then
  echo "[setup] installing torch 2.13.0 + torchvision 0.28.0"
  index_pip install -q -c "$cons" torch==2.13.0 torchvision==0.28.0 setuptools==80.9.0 wheel
fi
"$venv/bin/python" -c "import torch, torchvision; print('[setup] torch', torch.__version__, 'torchvision', torchvision.__version__)"

# 2. mmcv 2.1.0 with compiled ops, built once against this torch.
if ! "$venv/bin/python" -c "import mmcv.ops" 2>/dev/null; then
  mkdir -p "$cache/wheels"
  whl="$(ls "$cache"/wheels/mmcv-2.1.0-*.whl 2>/dev/null | head -n1 || true)"
  if [ -z "$whl" ]; then
    echo "[setup] building mmcv 2.1.0 with ops (one time, ~8-10 min on 2 cores)"
    tmp="$(mktemp -d "$cache/wheels/.build.XXXX")"
    index_pip install -q -c "$cons" setuptools==80.9.0 wheel ninja
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" index_pip wheel -q --no-build-isolation --no-deps \
      mmcv==2.1.0 -w "$tmp"
    mv "$tmp"/mmcv-2.1.0-*.whl "$cache/wheels/"   # atomic within one file system
    rmdir "$tmp" 2>/dev/null || rm -rf "$tmp"
    whl="$(ls "$cache"/wheels/mmcv-2.1.0-*.whl | head -n1)"
  fi
  echo "[setup] installing $(basename "$whl")"
  index_pip install -q -c "$cons" "$whl"
fi

# 3. The rest of the stack and mmdefect itself.
index_pip install -q -c "$cons" -r "$root/requirements/runtime.txt" -r "$root/requirements/tests.txt"
index_pip install -q -c "$cons" --no-build-isolation --no-deps -e "$root"
"$venv/bin/python" - <<'PY'
import mmcv.ops, mmseg.models, mmpretrain.models, mmdefect  # noqa: F401
import mmcv, mmseg, mmengine, mmpretrain, torch
print('[setup] ok: torch', torch.__version__, '| mmcv', mmcv.__version__,
      '| mmengine', mmengine.__version__, '| mmseg', mmseg.__version__,
      '| mmpretrain', mmpretrain.__version__)
PY
echo "$want" > "$stamp"
