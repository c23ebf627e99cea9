"""Image decision from globally pooled segmentation evidence."""
from typing import List, Optional, Union

import torch
from mmseg.registry import MODELS
from torch import Tensor, nn

from .image_cls_head import ImageClsHead


@MODELS.register_module()
class GlobalPoolClsHead(ImageClsHead):
    """Logistic decision on the global max and mean of the segmentation.

    The last stage of SegDecNet's decision network (Bozic et al., Computers
    in Industry 2021, Sec. 3.1) without the convolutions before it: the
    global max and global average of the segmentation logit, optionally
    with those of a feature map, feed one linear layer that outputs the
    decision logit.  With only the logit statistics (3 parameters) it learns
    how to turn "how strong and how large is the strongest defect evidence"
    into a calibrated image decision.

    For a multi-class decode head the evidence map is the log-odds of "any
    defect", ``logsumexp(l_1..l_{C-1}) - l_0``; for a one-channel head, its
    logit.

    Args:
        in_index (int | str, optional): A feature map to pool as well (its
            global max and mean per channel), by position or name.
        in_channels (int): Channels of that map.  Defaults to 0.
        detach (bool): Stop the decision loss's gradient at the head's
            inputs, so that it trains the decision only (SegDecNet's
            gradient-flow adjustment with multiplier 0).  Defaults to False.
        **kwargs: See :class:`ImageClsHead`.
    """

    def __init__(self,
                 in_index: Optional[Union[int, str]] = None,
                 in_channels: int = 0,
                 detach: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if (in_index is None) != (in_channels == 0):
            raise ValueError('give in_index and in_channels together')
        self.in_index = in_index
        self.detach = detach
        self.fc = nn.Linear(2 * in_channels + 2, 1)

    def forward(self, inputs: List[Tensor], seg_logits: Tensor) -> Tensor:
        if seg_logits.shape[1] == 1:
            evidence = seg_logits
        else:
            evidence = (
                seg_logits[:, 1:].logsumexp(dim=1, keepdim=True) -
                seg_logits[:, :1])
        maps = [evidence]
        if self.in_index is not None:
            maps.insert(0, inputs[self.in_index])
        pooled = []
        for x in maps:
            if self.detach:
                x = x.detach()
            pooled += [x.amax(dim=(2, 3)), x.mean(dim=(2, 3))]
        return self.fc(torch.cat(pooled, dim=1))
