"""Scaling of a gradient on its way back, SegDecNet's gradient-flow
adjustment."""
import torch
from torch import Tensor


class _GradientMultiply(torch.autograd.Function):

    @staticmethod
    def forward(ctx, x: Tensor, factor: float) -> Tensor:
        ctx.factor = factor
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: Tensor):
        return grad * ctx.factor, None


def gradient_multiply(x: Tensor, factor: float) -> Tensor:
    """Identity forward; the gradient through it is multiplied by
    ``factor`` (Bozic et al. 2021, Sec. 3.3, "gradient-flow adjustment").

    ``factor`` 0 keeps a loss computed on ``x`` out of whatever produced
    ``x`` (the decision loss of SegDecNet and MFFPA leaves the segmentation
    network to the segmentation loss); 1 is a plain identity.  0 detaches,
    so that not even a zero gradient is computed upstream.
    """
    if factor == 1:
        return x
    if factor == 0:
        return x.detach()
    return _GradientMultiply.apply(x, factor)
