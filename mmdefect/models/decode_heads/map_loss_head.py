"""A parameter-free head that supervises one of the neck's maps."""
from typing import Dict, List, Optional, Sequence, Union

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
    (Eq. 6), LSA-Net the location logit against bounding rectangles.  The map
    is computed where the paper computes it; this head only picks it from the
    feature list, compares it with a ground-truth field of the data samples
    and, for inference, returns it as heat map(s).  Used as an
    ``auxiliary_head``, its losses appear as ``aux.<loss_name>``.  With no
    loss it only exports a map to the predictions (BGNet's match field).

    Args:
        in_index (int | str): The map in the feature list: a position
            (negative counts from the end) or the name of a named output
            (see :class:`~mmdefect.models.utils.FeatureList`), e.g.
            ``'distance_map'``.  Shape (N, K, h, w), K = 1 for supervised
            maps.
        target (str): Ground-truth field of the data samples the loss
            compares with: ``'gt_sem_seg'`` or any packed ``gt_*_map``
            (``'gt_edge_map'``, ...).  Each loss is called as
            ``loss(map, target)`` with the target as (N, H, W).
        loss (dict | Sequence[dict]): Loss config(s); values of the same
            ``loss_name`` are summed; an empty list: no loss.
        map_name (str | Sequence[str], optional): Name of the map in
            predictions (``pred_<map_name>`` of every ``SegDataSample``), one
            per channel.  None: the head adds nothing at inference.
        map_activation (str, optional): ``'sigmoid'`` turns logits into
            probabilities for the heat map; None keeps the values (a
            distance).
        loss_at (str): Where the sizes of map and target differ:
            ``'target'`` resizes the map to the target (bilinear, default);
            ``'map'`` subsamples the target to the map's size (nearest, i.e.
            pixel ``(i * H // h, j * W // w)``: LSA-Net's location and shape
            labels, checklist L3, L7).
        ignore_index (int): Target value the losses leave out.
        align_corners (bool): ``align_corners`` of the resize.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_index: Union[int, str],
                 target: str = 'gt_sem_seg',
                 loss: Union[ConfigType, Sequence[ConfigType]] = dict(
                     type='BalancedContrastiveLoss'),
                 map_name: Union[str, Sequence[str], None] = None,
                 map_activation: Optional[str] = None,
                 loss_at: str = 'target',
                 ignore_index: int = 255,
                 align_corners: bool = False,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if map_activation not in (None, 'sigmoid'):
            raise ValueError("map_activation must be None or 'sigmoid', got "
                             f'{map_activation!r}')
        if loss_at not in ('target', 'map'):
            raise ValueError("loss_at must be 'target' or 'map', got "
                             f'{loss_at!r}')
        self.loss_at = loss_at
        self.in_index = in_index
        self.target = target
        configs = [loss] if isinstance(loss, dict) else list(loss)
        if not configs and not map_name:
            raise ValueError('MapLossHead needs a loss or a map_name')
        self.losses = nn.ModuleList(MODELS.build(cfg) for cfg in configs)
        self.map_names = ((map_name, ) if isinstance(map_name, str) else tuple(
            map_name or ()))
        self.map_activation = map_activation
        self.ignore_index = ignore_index
        self.align_corners = align_corners

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """The map, (N, K, h, w)."""
        return inputs[self.in_index]

    def loss(self, inputs: List[Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> Dict[str, Tensor]:
        """Each loss of the map against the ``target`` field."""
        if not self.losses:
            return dict()
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
        if pred.shape[2:] != target.shape[1:] and self.loss_at == 'map':
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

    def predict(self, inputs: List[Tensor], batch_img_metas: List[dict],
                test_cfg: ConfigType) -> Tensor:
        """The map as heat map(s), (N, K, h, w); the segmentor resizes
        it."""
        pred = self.forward(inputs)
        return pred.sigmoid() if self.map_activation == 'sigmoid' else pred
