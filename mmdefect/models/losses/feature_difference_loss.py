"""LSA-Net's feature-difference loss (Eq. 3)."""
from torch import Tensor


def feature_difference_loss(first: Tensor,
                            second: Tensor,
                            eps: float = 1e-6,
                            reduction: str = 'image') -> Tensor:
    """The inverse mean squared difference of two feature maps.

    LSA-Net (Sec. 3.3, Eq. 3) pushes the SPPM and LSPM features ``V1`` and
    ``V2`` apart, so that the two branches see different shapes, by
    minimising ``1 / MSE(V1, V2)``.  Both maps receive gradients.

    * ``reduction='image'`` (default, the paper's per-image form): the MSE
      of each image over its ``C x h x w`` elements, ``1 / (mse_b + eps)``
      averaged over the batch; ``eps`` (not given in the paper) keeps equal
      features finite;
    * ``reduction='batch'`` (the authors' code): ``1 / (MSE over the whole
      batch + eps)``; the code has no eps (use ``eps=0``).

    Args:
        first, second (Tensor): (N, C, h, w) each.
    """
    if first.shape != second.shape:
        raise ValueError('feature_difference_loss needs maps of one shape, '
                         f'got {tuple(first.shape)} and '
                         f'{tuple(second.shape)}')
    squared = (first - second).pow(2)
    if reduction == 'image':
        return (1 / (squared.flatten(1).mean(1) + eps)).mean()
    if reduction == 'batch':
        return 1 / (squared.mean() + eps)
    raise ValueError(f"reduction must be 'image' or 'batch', got "
                     f'{reduction!r}')
