"""Image decision from globally pooled segmentation evidence."""
from typing import List, Optional, Union

import torch
from mmseg.registry import MODELS
from mmseg.utils import OptConfigType
from torch import Tensor, nn

from ..layers import gradient_multiply
from .image_cls_head import ImageClsHead


@MODELS.register_module()
class GlobalPoolClsHead(ImageClsHead):
    """Logistic decision on the global max and mean of the segmentation
    evidence and, optionally, of decision features.

    SegDecNet's decision network (Bozic et al., Computers in Industry 2021,
    Sec. 3.1) and MFFPA's (Sec. 3.2): the global max and the global average
    of a feature map (per channel) and of the segmentation logit feed one
    linear layer that outputs the decision logit, in the order [max, mean]
    of the features, then [max, mean] of the logit.  The feature map is

    * none: only the logit statistics (3 parameters), which turn "how
      strong and how large is the strongest defect evidence" into a
      calibrated image decision;
    * ``inputs[in_index]`` as it is;
    * with ``extractor``, the output of a decision network run on the
      concatenation of ``inputs[in_index]`` and the logit:
      ``SegDecDecision`` (SegDecNet's three conv stages) or
      ``PyramidAttention`` (MFFPA).  Its ``in_channels`` is filled in.

    For a multi-class decode head the evidence map is the log-odds of "any
    defect", ``logsumexp(l_1..l_{C-1}) - l_0``; for a one-channel head, its
    logit.

    Args:
        in_index (int | str, optional): The feature map, by position or
            name.
        in_channels (int): Channels of that map.  Defaults to 0.
        extractor (dict, optional): Decision network config.
        grad_multiplier (float): Factor of the decision loss's gradient
            into the features and the logit (SegDecNet's gradient-flow
            adjustment; 0, its published setting, leaves the segmentation
            network to the segmentation loss).  Defaults to 1.
        **kwargs: See :class:`ImageClsHead`.
    """

    def __init__(self,
                 in_index: Optional[Union[int, str]] = None,
                 in_channels: int = 0,
                 extractor: OptConfigType = None,
                 grad_multiplier: float = 1.0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if (in_index is None) != (in_channels == 0):
            raise ValueError('give in_index and in_channels together')
        if extractor is not None and in_index is None:
            raise ValueError('a decision extractor needs the features: give '
                             'in_index and in_channels')
        self.in_index = in_index
        self.grad_multiplier = grad_multiplier
        self.extractor = None
        pooled_channels = in_channels
        if extractor is not None:
            self.extractor = MODELS.build(
                dict(extractor, in_channels=in_channels + 1))
            pooled_channels = self.extractor.out_channels
        self.fc = nn.Linear(2 * pooled_channels + 2, 1)

    def forward(self, inputs: List[Tensor], seg_logits: Tensor) -> Tensor:
        if seg_logits.shape[1] == 1:
            evidence = seg_logits
        else:
            evidence = (
                seg_logits[:, 1:].logsumexp(dim=1, keepdim=True) -
                seg_logits[:, :1])
        evidence = gradient_multiply(evidence, self.grad_multiplier)
        maps = [evidence]
        if self.in_index is not None:
            features = gradient_multiply(inputs[self.in_index],
                                         self.grad_multiplier)
            if self.extractor is not None:
                features = self.extractor(
                    torch.cat([features, evidence], dim=1))
            maps.insert(0, features)
        pooled = []
        for x in maps:
            pooled += [x.amax(dim=(2, 3)), x.mean(dim=(2, 3))]
        return self.fc(torch.cat(pooled, dim=1))
