"""Resume a training with the random masks it would have drawn had it never
stopped."""
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class TorchRandomStateHook(Hook):
    """Save torch's random state in every checkpoint and restore it when a
    training resumes, at its first iteration.

    mmengine's resume restores weights, optimiser, schedulers and the seed,
    but not the generator states: a resumed run re-seeds and draws different
    dropout and drop-path masks from then on than the run that was
    interrupted, so the two end with different weights.  torch's CPU (and
    CUDA) generators drive those masks; they are restored at the first
    ``before_train_iter`` after the resume, once the loop has replayed the
    data loader over the batches already trained.  numpy's and Python's
    generators are left to that replay: they drive the data pipeline
    (flips, crops), which the replay advances exactly as the first run did.
    """

    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._pending: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(cpu=torch.get_rng_state())
        if torch.cuda.is_available():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint['torch_random_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending = checkpoint.get('torch_random_state')

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        if self._pending is None:
            return
        torch.set_rng_state(self._pending['cpu'])
        if 'cuda' in self._pending and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(self._pending['cuda'])
        self._pending = None
