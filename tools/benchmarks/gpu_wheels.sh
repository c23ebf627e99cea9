#!/usr/bin/env bash
# Collects, on a machine with network, the wheels that the GPU board's
# machine lacks: it has Python 3.12 with torch, numpy, OpenCV, scipy,
# scikit-learn, matplotlib, rich and PyYAML, but no OpenMMLab package and no
# network.  gpu_board.sh installs them there (WHEELS=FOLDER).
#
#   bash tools/benchmarks/gpu_wheels.sh .gpu/whl
#
# The OpenMMLab packages and their pure-Python dependencies at the versions
# the board runs with, and mmcv 2.1.0 built from source without compiled ops
# (MMCV_WITH_OPS=0 gives the pure-Python mmcv-lite wheel; gpu_board.sh puts
# tools/benchmarks/mmcv_ext.py in place of the ops).  The folder stays out
# of git (.gitignore: /.gpu/).
set -euo pipefail
DIR=${1:?usage: gpu_wheels.sh FOLDER}
PY=${PYTHON:-python3}
mkdir -p "$DIR"
PURE=(
  mmengine==0.10.7 mmsegmentation==1.2.2 mmpretrain==1.2.0
  addict==2.4.0 ftfy==6.3.1 importlib-metadata==8.7.0 mat4py==0.6.0
  model-index==0.1.11 modelindex==0.0.2 ordered-set==4.1.0
  platformdirs==4.14.9 prettytable==3.19.0 termcolor==3.3.0 wcwidth==0.9.4
  yapf==0.43.0 zipp==4.1.2
)
"$PY" -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation py --platform any -d "$DIR" "${PURE[@]}"
# mmcv's source, then its wheel without ops (a file, since the wheel is
# named mmcv-lite); its setup.py imports pkg_resources, which newer
# setuptools dropped.
BUILD=$(mktemp -d)
trap 'rm -rf "$BUILD"' EXIT
echo 'setuptools<70' > "$BUILD/constraints.txt"
export PIP_CONSTRAINT=$BUILD/constraints.txt
"$PY" -m pip download --no-deps --no-binary :all: --no-cache-dir \
  -d "$BUILD" mmcv==2.1.0
MMCV_WITH_OPS=0 "$PY" -m pip wheel --no-deps --no-cache-dir -w "$DIR" \
  "$BUILD"/mmcv-2.1.0.tar.gz
ls -l "$DIR"
