"""Coordinate attention (Hou et al., "Coordinate Attention for Efficient
Mobile Network Design", CVPR 2021)."""
import torch
from mmcv.cnn import ConvModule
from torch import Tensor, nn


class CoordAttention(nn.Module):
    """Attention along H and along W from two pooled strips.

    The input is average-pooled along W and along H; the two strips share a
    1x1 conv + norm + h-swish that reduces the channels to
    ``max(8, channels // ratio)``, and two 1x1 convs + sigmoid give the
    attention along H, ``a_h`` (N, C, H, 1), and along W, ``a_w``
    (N, C, 1, W).  Used by CADNet's ChangeAtt (its HA and VA factors, Eq. 12)
    and by MFFPA's pyramid attention (Sec. 3.2), which takes the weight
    itself.

    Args:
        channels (int): Input (= output) channels.
        ratio (int): Channel reduction of the shared conv.  Defaults to 32
            (Hou et al.'s default).
        norm_cfg (dict): Norm of the shared conv.
        bias (bool): Whether the shared conv has a bias, as in Hou et al.'s
            code (MFFPA's parameter count needs it); CADNet's, counted
            without one, has none.  Defaults to False.
        return_weight (bool): Return the weight ``a_h * a_w`` (N, C, H, W)
            instead of ``x * a_h * a_w``.  Defaults to False.
    """

    def __init__(self,
                 channels: int,
                 ratio: int = 32,
                 norm_cfg: dict = dict(type='BN'),
                 bias: bool = False,
                 return_weight: bool = False) -> None:
        super().__init__()
        mid = max(8, channels // ratio)
        self.return_weight = return_weight
        self.shared = ConvModule(
            channels,
            mid,
            1,
            bias=bias,
            norm_cfg=norm_cfg,
            act_cfg=dict(type='HSwish'))
        self.conv_h = nn.Conv2d(mid, channels, 1)
        self.conv_w = nn.Conv2d(mid, channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        h, w = x.shape[2:]
        x_h = x.mean(dim=3, keepdim=True)  # (N, C, H, 1)
        x_w = x.mean(dim=2, keepdim=True).transpose(2, 3)  # (N, C, W, 1)
        # Both strips go through one conv so that they share its statistics.
        y = self.shared(torch.cat([x_h, x_w], dim=2))  # (N, mid, H + W, 1)
        y_h, y_w = torch.split(y, [h, w], dim=2)
        a_h = self.conv_h(y_h).sigmoid()  # (N, C, H, 1)
        a_w = self.conv_w(y_w.transpose(2, 3)).sigmoid()  # (N, C, 1, W)
        weight = a_h * a_w
        return weight if self.return_weight else x * weight
