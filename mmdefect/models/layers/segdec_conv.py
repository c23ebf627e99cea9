"""The convolution unit of SegDecNet and MFFPA: conv, feature norm, ReLU."""
import torch
from torch import Tensor, nn


class FeatureNorm(nn.Module):
    """Per-image, per-channel normalisation over H x W, without running
    statistics (SegDecNet's reference code; MFFPA builds on it).

    ``y = scale * (x - mean) / sqrt(std + eps) + bias`` with the unbiased
    standard deviation over H x W.  The square root of the *standard
    deviation* (not of the variance) is the reference's, kept so that a
    trained reference model behaves the same.  It works
    with batch size 1, which most of these datasets train with.

    Args:
        channels (int): Channels normalised.
        eps (float): Added to the standard deviation.  Defaults to 1e-3.
    """

    def __init__(self, channels: int, eps: float = 1e-3) -> None:
        super().__init__()
        self.eps = eps
        self.scale = nn.Parameter(torch.ones(1, channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[2] * x.shape[3] < 2:
            raise ValueError(
                f'FeatureNorm normalises over H x W and needs at least 2 '
                f'pixels, got a {tuple(x.shape[2:])} map: the input image '
                'is too small for the network (SegDecNet\'s decision '
                'convolutions need 128 x 128 or more)')
        mean = x.mean(dim=(2, 3), keepdim=True)
        std = x.flatten(2).std(dim=2)[..., None, None]
        return self.scale * (x - mean) / torch.sqrt(std + self.eps) + self.bias


class SegDecConv(nn.Sequential):
    """``Conv2d(kernel, 'same' padding, no bias)`` -> :class:`FeatureNorm`
    -> ReLU, with Xavier-normal weights, as in the reference code.

    Args:
        in_channels (int), out_channels (int), kernel_size (int): Of the
            convolution; ``kernel_size`` must be odd.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int) -> None:
        if kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be odd, got {kernel_size}')
        conv = nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            padding=kernel_size // 2,
            bias=False)
        nn.init.xavier_normal_(conv.weight)
        super().__init__(conv, FeatureNorm(out_channels),
                         nn.ReLU(inplace=True))
