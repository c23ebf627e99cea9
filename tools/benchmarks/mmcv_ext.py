"""Stand-in for ``mmcv._ext``, the compiled ops, in an mmcv built without
them (``MMCV_WITH_OPS=0``, the ``mmcv-lite`` wheel of ``gpu_wheels.sh``).

mmsegmentation imports ``mmcv.ops`` at module level (its focal loss, point
sampling and mask-classification utilities), and every ``mmcv/ops/*.py``
loads ``mmcv._ext`` on import, so ``import mmseg.models`` fails on an
ops-less mmcv.  ``gpu_board.sh`` copies this file over ``mmcv/_ext.py``: the
imports then succeed, and an op that is really called raises an error that
names it.  mmdefect's models use plain PyTorch and call none.
"""

NO_OPS = 'n/a (mmcv built without compiled ops)'


def get_compiler_version() -> str:
    return NO_OPS


def get_compiling_cuda_version() -> str:
    return NO_OPS


def __getattr__(name: str):
    """Every other name of the extension is an op that raises when
    called."""
    if name.startswith('__'):  # module protocol lookups (__path__, ...)
        raise AttributeError(name)

    def missing(*args, **kwargs):
        raise NotImplementedError(
            f'mmcv._ext.{name}: this mmcv is built without compiled ops '
            '(MMCV_WITH_OPS=0); a config that needs this op needs a full '
            'mmcv build')

    missing.__name__ = name
    return missing
