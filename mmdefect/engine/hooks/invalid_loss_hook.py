"""Stop training with a precise message when a loss becomes NaN or infinite."""
import math
from typing import Optional

from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class InvalidLossHook(Hook):
    """Raise ``FloatingPointError`` naming the loss terms and the batch.

    mmengine's ``CheckInvalidLossHook`` checks the total loss every
    ``interval`` iterations and only says that it became invalid; this hook
    checks every logged loss term after every iteration and names the
    iteration, the offending terms and the images of the batch, so the cause
    (a corrupt image, a bad mask, a diverging learning rate) can be found.
    """

    priority = 'VERY_HIGH'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs:
            return
        values = {
            name: float(value.detach() if hasattr(value, 'detach') else value)
            for name, value in outputs.items() if 'loss' in name
        }
        bad = {
            name: value
            for name, value in values.items() if not math.isfinite(value)
        }
        if not bad:
            return
        paths = []
        for sample in (data_batch or {}).get('data_samples', []):
            paths.append(sample.metainfo.get('img_path', '?'))
        raise FloatingPointError(
            f'invalid loss at iteration {runner.iter + 1}: {bad}. Batch: '
            f'{paths}. Check these images and masks, the learning rate '
            '(lower it or add gradient clipping) and, with --amp, the loss '
            'scale.')
