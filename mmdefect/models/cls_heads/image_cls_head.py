"""Base of the image-level decision heads."""
from typing import Dict, List

import torch
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, SampleList
from torch import Tensor


class ImageClsHead(BaseModule):
    """An image-level defect decision: is there a defect in this image?

    The ``cls_head`` of :class:`~mmdefect.models.DefectEncoderDecoder`.
    Subclasses implement :meth:`forward`, which maps the features and the
    decode head's output to one logit per image; this class supervises it
    with the image labels (``gt_label`` of the data samples: 1 defective,
    0 defect-free, packed by ``PackDefectInputs``) and turns it into the
    defect probability at inference.  Images that only have an image-level
    label (mixed supervision, MFFPA) train this head while the pixel losses
    skip them.

    Args:
        loss_cls (dict): Loss on the (N, 1) logits against the (N,) labels.
            Defaults to a sigmoid cross-entropy named ``loss_cls``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 loss_cls: ConfigType = dict(
                     type='CrossEntropyLoss',
                     use_sigmoid=True,
                     loss_name='loss_cls'),
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.loss_cls = MODELS.build(loss_cls)

    def forward(self, inputs: List[Tensor], seg_logits: Tensor) -> Tensor:
        """One decision logit per image, (N, 1)."""
        raise NotImplementedError

    def loss(self, inputs: List[Tensor], seg_logits: Tensor,
             batch_data_samples: SampleList,
             train_cfg: ConfigType) -> Dict[str, Tensor]:
        """The decision loss against the image labels."""
        missing = [
            s.metainfo.get('img_path', '?') for s in batch_data_samples
            if 'gt_label' not in s
        ]
        if missing:
            raise KeyError(
                f'images {missing} have no image-level label (gt_label): '
                'give them a mask or an image label, and pack them with '
                'PackDefectInputs')
        labels = torch.stack([s.gt_label for s in batch_data_samples])
        logits = self.forward(inputs, seg_logits)
        return {self.loss_cls.loss_name: self.loss_cls(logits, labels)}

    def predict(self, inputs: List[Tensor], seg_logits: Tensor,
                batch_img_metas: List[dict], test_cfg: ConfigType) -> Tensor:
        """Defect probability of every image, (N,)."""
        return self.forward(inputs, seg_logits).sigmoid().view(-1)
