"""The 1/8 mask logit of SegDecNet and MFFPA, trained on soft targets."""
from typing import Dict, List, Tuple

import torch
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor, nn
from torch.nn import functional as F

from ..layers import FeatureNorm


def downsample_target(x: Tensor, factor: int) -> Tensor:
    """SegDecNet's downsampling of a full-size target by ``factor``:
    reflect padding by ``factor`` then an average pool of side
    ``2 * factor + 1`` and stride ``factor``, as the reference code does.

    Each output pixel averages a window about twice the stride wide, so a
    small defect leaves a soft value in its neighbours too.  (N, 1, H, W)
    -> (N, 1, H / factor, W / factor) for H, W divisible by ``factor``.
    """
    if factor == 1:
        return x
    x = F.pad(x, (factor, ) * 4, mode='reflect')
    return F.avg_pool2d(x, 2 * factor + 1, stride=factor)


@MODELS.register_module()
class SegDecMaskHead(BaseDecodeHead):
    """A 1x1 conv (no bias) + feature norm to one defect logit at the
    features' resolution (1/8; MFFPA Sec. 3.1).

    Its training targets follow SegDecNet (Bozic et al. 2021, Sec. 3.3):
    ``GenerateSegDecTargets`` makes, after the geometric transforms, the
    dilated mask ``gt_dilated_map`` and the distance-transform weights
    ``gt_weight_map`` at the input size (weight 0 where the mask is
    ignored, i.e. defective images without a pixel label); both are
    downsampled to the logit by :func:`downsample_target`, which gives soft
    targets, and ``loss_decode`` compares the logit with them under the
    weights, e.g. mmseg's sigmoid ``CrossEntropyLoss``, with the pixels of
    one image as ``avg_factor``: the mean over an image's pixels of
    ``w * BCE(logit, t)``, not normalised by the weights, summed over the
    batch, as the reference does by back-propagating image by image.  A
    defective image without a mask thus adds exactly 0 (gamma = 0 of Eq. 4)
    without diluting the others, while defect-free images always train the
    mask.  (The decision loss is summed over the batch likewise, with
    ``reduction='sum'``.)

    At inference the logit is upsampled to the input (bilinear) by mmseg's
    ``predict_by_feat``; set ``out_channels=1`` and ``threshold=0.5``.

    Args:
        **kwargs: See :class:`mmseg.models.decode_heads.BaseDecodeHead`;
            ``channels`` is the input width (there is no hidden layer).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        if self.out_channels != 1:
            raise ValueError('SegDecMaskHead predicts one defect logit; set '
                             'out_channels=1 (and threshold=0.5)')
        self.conv_seg = nn.Conv2d(self.channels, 1, 1, bias=False)
        nn.init.xavier_normal_(self.conv_seg.weight)
        self.norm = FeatureNorm(1)

    def init_weights(self) -> None:
        """The 1x1 conv keeps its Xavier initialisation (mmseg's default
        would re-draw it from N(0, 0.01))."""

    def forward(self, inputs: List[Tensor]) -> Tensor:
        x = self._transform_inputs(inputs)
        return self.norm(self.conv_seg(x))

    def targets(self, seg_logits: Tensor,
                batch_data_samples: SampleList) -> Tuple[Tensor, Tensor]:
        """Soft targets and weights at the logit's size, (N, h, w) each."""
        missing = [
            s.metainfo.get('img_path', '?') for s in batch_data_samples
            if 'gt_dilated_map' not in s or 'gt_weight_map' not in s
        ]
        if missing:
            raise KeyError(f'{type(self).__name__} trains on gt_dilated_map '
                           f'and gt_weight_map, missing for {missing[0]}: '
                           'add GenerateSegDecTargets to the training '
                           'pipeline after the geometric transforms')
        maps = []
        for key in ('gt_dilated_map', 'gt_weight_map'):
            full = torch.stack([s.get(key).data for s in batch_data_samples])
            factor = full.shape[2] // seg_logits.shape[2]
            if full.shape[2:] != tuple(factor * s
                                       for s in seg_logits.shape[2:]):
                raise ValueError(f'{key} of size {tuple(full.shape[2:])} is '
                                 'not a multiple of the logit size '
                                 f'{tuple(seg_logits.shape[2:])}')
            maps.append(downsample_target(full.float(), factor)[:, 0])
        return maps[0], maps[1]

    def loss_by_feat(self, seg_logits: Tensor,
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        target, weight = self.targets(seg_logits, batch_data_samples)
        pixels = target[0].numel()
        losses = {}
        for loss in (self.loss_decode if isinstance(
                self.loss_decode, nn.ModuleList) else [self.loss_decode]):
            losses[loss.loss_name] = losses.get(loss.loss_name, 0) + loss(
                seg_logits, target, weight, avg_factor=pixels)
        return losses
