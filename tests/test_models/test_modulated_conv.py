"""ModulatedPointwiseConv against the convolution of the modulated input."""
import pytest
import torch

from mmdefect.models.utils import ModulatedPointwiseConv
from mmdefect.utils import count_conv_linear_macs


@pytest.mark.parametrize('bias', [True, False])
@pytest.mark.parametrize('terms', [('weights', ), ('weights', 'tiled'),
                                   ('weights', 'gate'), ('tiled', 'gate')])
def test_folded_product_equals_the_naive_convolution(bias, terms):
    torch.manual_seed(0)
    conv = ModulatedPointwiseConv(12, 5, 1, bias=bias)
    x = torch.randn(2, 12, 6, 7)
    args = dict(
        weights=torch.rand(2, 12, 1, 1),
        tiled=torch.randn(2, 3, 6, 7),
        gate=torch.rand(2, 1, 6, 7))
    args = {k: v for k, v in args.items() if k in terms}
    modulated = x
    if 'tiled' in args:
        modulated = modulated + args['tiled'].repeat(1, 4, 1, 1)
    if 'weights' in args:
        modulated = modulated * args['weights']
    if 'gate' in args:
        modulated = modulated * args['gate']
    naive = torch.nn.functional.conv2d(modulated, conv.weight, conv.bias)
    torch.testing.assert_close(conv(x, **args), naive, atol=1e-5, rtol=1e-5)
    # Called with x alone it is the plain convolution.
    torch.testing.assert_close(
        conv(x), torch.nn.functional.conv2d(x, conv.weight, conv.bias))


def test_counted_as_the_convolution_it_replaces():

    class Fold(torch.nn.Module):

        def __init__(self):
            super().__init__()
            self.conv = ModulatedPointwiseConv(8, 4, 1)

        def _forward(self, x):
            return self.conv(x, torch.ones(1, 8, 1, 1))

    assert count_conv_linear_macs(Fold(), torch.randn(1, 8, 5, 5)) == \
        4 * 5 * 5 * 8


def test_rejects_kernels_it_cannot_fold():
    with pytest.raises(ValueError, match='1x1'):
        ModulatedPointwiseConv(4, 4, 3)
    with pytest.raises(ValueError, match='tile'):
        ModulatedPointwiseConv(12, 4,
                               1)(torch.randn(1, 12, 2, 2),
                                  tiled=torch.randn(1, 5, 2, 2))
