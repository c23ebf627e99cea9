"""Checkpoints: read safely, fail clearly.

Let torch's safe checkpoint loader read mmengine Runner checkpoints.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``; mmengine
0.10.7 calls it without the argument, and a Runner checkpoint holds a few
non-tensor objects (the message hub's ``HistoryBuffer`` and numpy arrays and
scalars in it), so ``--resume``, ``load_from`` and ``tools/test.py`` fail with
``UnpicklingError: Weights only load failed``.  Turning ``weights_only`` off
would let a checkpoint file run arbitrary code; instead the few classes a
Runner checkpoint needs are allow-listed and the safe loader stays on.
"""
import os.path as osp
import pickle
from typing import Optional

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import (CheckpointLoader, _load_checkpoint,
                                        _load_checkpoint_to_model,
                                        find_latest_checkpoint,
                                        load_from_local)
from torch import nn

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


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used: unreadable, truncated, or the
    weights of another model.  The message names the file."""


def read_local_checkpoint(filename: str, map_location=None) -> dict:
    """mmengine's loader of local files, with errors that name the file.

    ``torch.load`` on a truncated or non-checkpoint file fails deep in its
    zip reader or unpickler ("failed finding central directory", "invalid
    load key") without saying which file; every local checkpoint read by the
    Runner (``--resume``, ``load_from``, ``tools/test.py``) and by the
    inferencer goes through here once
    :func:`~mmdefect.utils.setup_runtime` ran.
    """
    path = osp.expanduser(filename)
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    try:
        checkpoint = load_from_local(path, map_location)
    except Exception as error:
        size = osp.getsize(path)
        raise CheckpointError(
            f'checkpoint {filename} ({size} bytes) cannot be read: it is '
            'truncated (e.g. a training killed while saving it), corrupt or '
            f'not a PyTorch checkpoint ({type(error).__name__}: {error})'
        ) from error
    if not isinstance(checkpoint, dict):
        raise CheckpointError(
            f'checkpoint {filename} holds a {type(checkpoint).__name__}, '
            'not a state dict or a Runner checkpoint')
    return checkpoint


def register_checkpoint_loader() -> None:
    """Make :func:`read_local_checkpoint` mmengine's loader of local
    paths (the scheme with the empty prefix)."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=read_local_checkpoint, force=True)


def check_weights(model: nn.Module,
                  checkpoint: dict,
                  filename: str,
                  complete: bool = True) -> None:
    """Raise :class:`CheckpointError` when ``checkpoint`` does not hold the
    weights of ``model``.

    Tensors are matched by name (a DDP ``module.`` prefix ignored) and
    shape.  ``complete``: every tensor of the model must be there, as for
    testing, inference and resuming, where a tensor left at its random
    initialisation silently ruins the result.  Otherwise (``load_from``
    before fine-tuning, where a new head may not fit) at least one must
    match: a checkpoint of an unrelated model is refused.
    """
    weights = checkpoint.get('state_dict', checkpoint)
    weights = {
        (k[len('module.'):] if k.startswith('module.') else k): v
        for k, v in weights.items()
    }
    expected = model.state_dict()
    missing = [k for k in expected if k not in weights]
    mismatched = [
        k for k in expected if k in weights
        and getattr(weights[k], 'shape', None) != expected[k].shape
    ]
    matched = len(expected) - len(missing) - len(mismatched)
    if complete and not (missing or mismatched):
        return
    if not complete and matched:
        return
    examples = ', '.join([f'{k} missing' for k in missing[:2]] + [
        f'{k} {tuple(weights[k].shape)} != {tuple(expected[k].shape)}'
        for k in mismatched[:2]
    ])
    raise CheckpointError(
        f'checkpoint {filename} does not fit the {type(model).__name__} of '
        f'this config: {matched} of its {len(expected)} tensors match '
        f'({len(missing)} missing, {len(mismatched)} of another shape: '
        f'{examples}); was it trained with another config?')


def load_weights(model: nn.Module,
                 filename: str,
                 map_location: Optional[str] = 'cpu') -> dict:
    """Load a complete checkpoint of ``model`` (inference); returns the
    checkpoint."""
    checkpoint = _load_checkpoint(filename, map_location=map_location)
    check_weights(model, checkpoint, filename, complete=True)
    _load_checkpoint_to_model(model, checkpoint, strict=True)
    return checkpoint


def check_checkpoint_to_load(runner, training: bool) -> None:
    """Check, before ``runner.train()`` or ``runner.test()``, the checkpoint
    the Runner is going to load (``--resume``: the given or the latest one
    of the work dir; else ``load_from``), so that a truncated or foreign
    file stops the run with its name rather than a shape error deep in the
    optimiser, or a test of half-random weights.  ``load_from`` before
    training may be partial (fine-tuning with a new head)."""
    cfg = runner.cfg
    path = cfg.get('load_from')
    complete = not training
    if training and cfg.get('resume'):
        path = path or find_latest_checkpoint(runner.work_dir)
        complete = True
    if not path:
        return
    model = getattr(runner.model, 'module', runner.model)  # DDP, TTA
    check_weights(model, _load_checkpoint(path, map_location='cpu'), path,
                  complete)
