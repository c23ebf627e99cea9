"""Let torch's safe checkpoint loader read mmengine Runner checkpoints.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``; mmengine
0.10.7 calls it without the argument, and a Runner checkpoint holds a few
non-tensor objects (the message hub's ``HistoryBuffer`` and numpy arrays and
scalars in it), so ``--resume``, ``load_from`` and ``tools/test.py`` fail with
``UnpicklingError: Weights only load failed``.  Turning ``weights_only`` off
would let a checkpoint file run arbitrary code; instead the few classes a
Runner checkpoint needs are allow-listed and the safe loader stays on.
"""
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

_BUILTIN_STATISTICS = ('min', 'max', 'current', 'mean')


def history_buffer_statistic(owner, name: str):
    """Stands in for ``getattr`` while unpickling a checkpoint.

    A ``HistoryBuffer`` pickles its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``.  Allow-listing the real ``getattr``
    would hand the safe loader a general attribute lookup; this accepts only
    those lookups.
    """
    allowed = set(_BUILTIN_STATISTICS) | set(HistoryBuffer._statistics_methods)
    if owner is HistoryBuffer and name in allowed:
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({owner!r}, {name!r}); only '
        'HistoryBuffer statistics are allowed by mmdefect')


def runner_checkpoint_globals() -> list:
    """Classes and functions a Runner checkpoint pickles besides tensors."""
    items = [HistoryBuffer, np.ndarray, np.dtype]
    try:  # numpy >= 2 keeps the reconstruct helper in numpy._core
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    items += [_reconstruct, scalar]
    # Concrete dtype classes (np.dtypes.Float64DType, ...) are pickled too.
    items += [
        getattr(np.dtypes, name) for name in dir(np.dtypes)
        if name.endswith('DType')
    ]
    items.append((history_buffer_statistic, 'builtins.getattr'))
    return items


def allow_runner_checkpoints() -> None:
    """Allow-list the Runner checkpoint globals for ``torch.load``."""
    torch.serialization.add_safe_globals(runner_checkpoint_globals())
