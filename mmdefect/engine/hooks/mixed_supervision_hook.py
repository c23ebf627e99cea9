"""The dynamic balance of the segmentation and decision losses."""
from typing import Optional, Tuple, Union

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop
from mmseg.registry import HOOKS


def loss_weights(progress: float, cls_weight: float,
                 dynamic: bool) -> Tuple[float, float]:
    """Weights (segmentation, decision) of MFFPA's Eq. 4,
    ``L = lambda * L_seg + (1 - lambda) * theta * L_cls``.

    With the dynamic balance ``lambda = 1 - progress``, ``progress`` the
    fraction of training done (``e / E`` for the 0-based epoch ``e`` of
    ``E``): the segmentation is learned first, the decision more and more.
    Without it the weights stay (1, theta).
    """
    if not dynamic:
        return 1.0, cls_weight
    if not 0 <= progress <= 1:
        raise ValueError(f'progress must lie in [0, 1], got {progress}')
    return 1.0 - progress, cls_weight * progress


def has_pixel_labelled_positives(dataset) -> bool:
    """Whether some defective sample comes with a mask: an entry with a
    ``seg_map_path`` whose ``gt_label`` is 1 or not given."""
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        if info.get('seg_map_path') and info.get('gt_label', 1) == 1:
            return True
    return False


@HOOKS.register_module()
class MixedSupervisionHook(Hook):
    """Sets the weights of the segmentation and the decision losses before
    every training iteration (SegDecNet / MFFPA mixed supervision, MFFPA
    Eq. 4; the schedule of lambda is SegDecNet's public code).

    The weights go to the ``loss_weight`` of ``model.<seg_loss>`` and
    ``model.<cls_loss>`` (mmseg's losses apply it).  Progress is
    ``epoch / max_epochs`` under an epoch-based loop, as in the reference
    (constant within an epoch), else ``iter / max_iters``.  Both are
    recomputed from the runner's counters, so a resumed run continues with
    the right weights.

    Args:
        cls_weight (float): theta, the decision loss's extra weight (the
            reference's delta: 1, Severstal 0.1).
        dynamic (bool | str): The dynamic balance; ``'auto'`` (default)
            turns it on when the training set has pixel-labelled
            defective images and off when it has none (N = 0), which is what
            every published reference run does.
        seg_loss (str), cls_loss (str): Attribute paths of the two losses
            on the model.
    """

    def __init__(self,
                 cls_weight: float = 1.0,
                 dynamic: Union[bool, str] = 'auto',
                 seg_loss: str = 'decode_head.loss_decode',
                 cls_loss: str = 'cls_head.loss_cls') -> None:
        if dynamic not in (True, False, 'auto'):
            raise ValueError(f"dynamic must be True, False or 'auto', got "
                             f'{dynamic!r}')
        self.cls_weight = cls_weight
        self.dynamic = dynamic
        self.seg_loss = seg_loss
        self.cls_loss = cls_loss
        self._dynamic: Optional[bool] = None

    def before_train(self, runner) -> None:
        if self.dynamic == 'auto':
            self._dynamic = has_pixel_labelled_positives(
                runner.train_dataloader.dataset)
        else:
            self._dynamic = self.dynamic
        runner.logger.info(
            f'mixed supervision: dynamic loss balance '
            f'{"on" if self._dynamic else "off"}, theta {self.cls_weight}')

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        loop = runner.train_loop
        if isinstance(loop, EpochBasedTrainLoop):
            progress = runner.epoch / runner.max_epochs
        else:
            progress = runner.iter / runner.max_iters
        seg, cls = loss_weights(progress, self.cls_weight, self._dynamic)
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        for path, weight in ((self.seg_loss, seg), (self.cls_loss, cls)):
            loss = model
            for name in path.split('.'):
                if not hasattr(loss, name):
                    raise AttributeError(
                        f'MixedSupervisionHook: the model has no {path} '
                        f'({type(loss).__name__} lacks {name!r})')
                loss = getattr(loss, name)
            loss.loss_weight = weight
        runner.message_hub.update_scalar('train/seg_weight', seg)
        runner.message_hub.update_scalar('train/cls_weight', cls)
