"""A parameter-free head that supervises one of the neck's maps."""
from typing import Dict, List, Sequence, Union

import torch
from mmengine.model import BaseModule
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, SampleList
from torch import Tensor, nn
from torch.nn import functional as F


@MODELS.register_module()
class MapLossHead(BaseModule):
    """Applies losses to a map the neck (or backbone) computes.

    Several papers supervise an intermediate map directly: CADNet the
    DistMap of its fusion neck with the balanced contrastive loss (Eq. 7-10),
    BANet the edge logits of FEAM with BCE against Canny edges of the mask
    (Eq. 6), LSA-Net the location logit against bounding rectangles (Eq. 5)
    and, in Table 7's last row, the SDM's shape logits against the mask.
    The map is computed where the paper computes it; this head only picks it
    from the feature list and compares it with a ground-truth field of the
    data samples.  Used as an ``auxiliary_head``, its losses appear as
    ``aux.<loss_name>``.  Whether the map also goes to the predictions is
    up to the module that computes it (see
    :class:`~mmdefect.models.utils.HeatMapExporter`).

    Args:
        in_index (int | str): The map in the feature list: a position
            (negative counts from the end) or the name of a named output
            (see :class:`~mmdefect.models.utils.FeatureList`), e.g.
            ``'distance_map'``.  Shape (N, 1, h, w).
        target (str): Ground-truth field of the data samples the loss
            compares with: ``'gt_sem_seg'`` or any packed ``gt_*_map``
            (``'gt_edge_map'``, ...).  Each loss is called as
            ``loss(map, target)`` with the target as (N, H, W).
        loss (dict | Sequence[dict]): Loss config(s), at least one; values
            of the same ``loss_name`` are summed.
        subsample_target (bool): Where the sizes of map and target differ,
            compare at the map's size: the target is subsampled (nearest,
            pixel ``(i * H // h, j * W // w)``), as LSA-Net's labels of the
            half-resolution location logit and the 1/8 shape logits are.
            False (default): the map is resized to the target (bilinear).
        ignore_index (int): Target value the losses leave out.
        align_corners (bool): ``align_corners`` of the resize.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_index: Union[int, str],
                 target: str = 'gt_sem_seg',
                 loss: Union[ConfigType, Sequence[ConfigType]] = dict(
                     type='BalancedContrastiveLoss'),
                 subsample_target: bool = False,
                 ignore_index: int = 255,
                 align_corners: bool = False,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        configs = [loss] if isinstance(loss, dict) else list(loss)
        if not configs:
            raise ValueError('MapLossHead needs at least one loss')
        self.in_index = in_index
        self.target = target
        self.losses = nn.ModuleList(MODELS.build(cfg) for cfg in configs)
        self.subsample_target = subsample_target
        self.ignore_index = ignore_index
        self.align_corners = align_corners

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """The map, (N, 1, h, w)."""
        return inputs[self.in_index]

    def loss(self, inputs: List[Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> Dict[str, Tensor]:
        """Each loss of the map against the ``target`` field."""
        pred = self.forward(inputs)
        missing = [
            s.metainfo.get('img_path', '?') for s in batch_data_samples
            if self.target not in s
        ]
        if missing:
            raise KeyError(
                f'{type(self).__name__} supervises with {self.target!r}, '
                f'which the data samples of {missing} do not carry; generate '
                'it in the training pipeline')
        target = torch.stack([
            s.get(self.target).data for s in batch_data_samples
        ]).squeeze(1)  # (N, H, W)
        if pred.shape[2:] != target.shape[1:] and self.subsample_target:
            target = F.interpolate(
                target[:, None].float(), size=pred.shape[2:],
                mode='nearest')[:, 0].to(target.dtype)
        elif pred.shape[2:] != target.shape[1:]:
            pred = resize(
                pred,
                size=target.shape[1:],
                mode='bilinear',
                align_corners=self.align_corners)
        losses = dict()
        for loss_fn in self.losses:
            value = loss_fn(pred, target, ignore_index=self.ignore_index)
            name = loss_fn.loss_name
            losses[name] = losses[name] + value if name in losses else value
        return losses
