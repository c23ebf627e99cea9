"""Sinusoidal positional encoding and linear-attention transformers, as
BGNet runs them (after LoFTR)."""
import math
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor


def sine_positional_encoding(channels: int,
                             height: int,
                             width: int,
                             device=None,
                             dtype=torch.float32) -> Tensor:
    """BGNet's fixed 2-D positional encoding (Eq. 9-10), (1, C, H, W).

    As the authors' code runs it (LoFTR's encoding with its later fix):
    for ``k = 0 .. C/4 - 1`` and ``w_k = 10000^(-4k/C)``,
    channels ``4k, 4k+1, 4k+2, 4k+3`` hold ``sin(x w_k), cos(x w_k),
    sin(y w_k), cos(y w_k)`` with ``x`` the column and ``y`` the row index,
    both counted from 1.  The paper's Eq. 9 writes ``10000^(-2k/C)`` and
    indexes x by rows; the code's form reaches the usual 1..1e-4 frequency
    range and is what produced the paper's numbers.  Computed for any size
    (the code's buffer stops at 256 x 256 tokens).
    """
    if channels % 4:
        raise ValueError(f'channels must be a multiple of 4, got {channels}')
    k = torch.arange(channels // 4, device=device, dtype=torch.float64)
    freq = torch.exp(-2 * k * math.log(10000.0) / (channels // 2))
    y = torch.arange(1, height + 1, device=device, dtype=torch.float64)
    x = torch.arange(1, width + 1, device=device, dtype=torch.float64)
    xs = x[None, None, :] * freq[:, None, None]  # (C/4, 1, W)
    ys = y[None, :, None] * freq[:, None, None]  # (C/4, H, 1)
    pe = torch.stack([
        xs.sin().expand(-1, height, -1),
        xs.cos().expand(-1, height, -1),
        ys.sin().expand(-1, -1, width),
        ys.cos().expand(-1, -1, width)
    ],
                     dim=1)  # (C/4, 4, H, W)
    return pe.reshape(1, channels, height, width).to(dtype)


def linear_attention(query: Tensor,
                     key: Tensor,
                     value: Tensor,
                     eps: float = 1e-6) -> Tensor:
    """Katharopoulos et al.'s linear attention with phi = elu + 1.

    ``query`` (N, L, H, D), ``key`` and ``value`` (N, S, H, D) ->
    (N, L, H, D): ``phi(q)^T sum_s phi(k_s) v_s^T / (phi(q)^T sum_s
    phi(k_s) + eps)``, per head, no 1/sqrt(D) scaling (BGNet Eq. 12 in the
    normalised form of its code).
    """
    q = F.elu(query) + 1
    k = F.elu(key) + 1
    kv = torch.einsum('nshd,nshv->nhdv', k, value)  # (N, H, D, D)
    norm = 1 / (torch.einsum('nlhd,nhd->nlh', q, k.sum(dim=1)) + eps)
    return torch.einsum('nlhd,nhdv,nlh->nlhv', q, kv, norm)


class LinearTransformerLayer(BaseModule):
    """One LoFTR encoder layer: attention of ``x`` to ``source``.

    ``q, k, v`` linear maps without bias, linear attention, a merge layer +
    LayerNorm, then an MLP on ``[x, message]`` (2d -> 2d -> d, ReLU, no
    bias) + LayerNorm, added to ``x`` (10 d^2 + 4 d parameters).
    """

    def __init__(self, channels: int, num_heads: int) -> None:
        super().__init__()
        if channels % num_heads:
            raise ValueError(f'{channels} channels do not split into '
                             f'{num_heads} heads')
        self.num_heads = num_heads
        self.q = nn.Linear(channels, channels, bias=False)
        self.k = nn.Linear(channels, channels, bias=False)
        self.v = nn.Linear(channels, channels, bias=False)
        self.merge = nn.Linear(channels, channels, bias=False)
        self.norm1 = nn.LayerNorm(channels)
        self.mlp = nn.Sequential(
            nn.Linear(2 * channels, 2 * channels, bias=False),
            nn.ReLU(inplace=True),
            nn.Linear(2 * channels, channels, bias=False))
        self.norm2 = nn.LayerNorm(channels)

    def forward(self, x: Tensor, source: Tensor) -> Tensor:
        """``x`` (N, L, C) attends to ``source`` (N, S, C)."""
        n, length, c = x.shape
        heads = self.num_heads

        def split(t):
            return t.view(n, -1, heads, c // heads)

        message = linear_attention(
            split(self.q(x)), split(self.k(source)), split(self.v(source)))
        message = self.norm1(self.merge(message.reshape(n, length, c)))
        message = self.norm2(self.mlp(torch.cat([x, message], dim=2)))
        return x + message


class LinearTransformer(BaseModule):
    """LoFTR's local feature transformer on a sample and a template.

    Layers of ``layer_types`` ('self' or 'cross'), each with its own weights
    shared by both images.  A self layer updates each image from itself; a
    cross layer updates the sample from the template and then the template
    from the *updated* sample (the authors' and LoFTR's sequential order).
    Weights with more than one dimension are initialised with
    Xavier-uniform, as in the authors' code.

    Args:
        channels (int): Token width d.
        num_heads (int): Attention heads.
        layer_types (Sequence[str]): e.g. ``['self', 'cross'] * 2``.
    """

    def __init__(self, channels: int, num_heads: int,
                 layer_types: Sequence[str]) -> None:
        super().__init__()
        unknown = set(layer_types) - {'self', 'cross'}
        if unknown:
            raise ValueError(f'unknown layer types {sorted(unknown)}')
        self.layer_types = tuple(layer_types)
        self.layers = nn.ModuleList(
            LinearTransformerLayer(channels, num_heads)
            for _ in self.layer_types)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def init_weights(self) -> None:
        super().init_weights()
        self.reset_parameters()

    def forward(self, sample: Tensor, template: Tensor):
        """Token sets (N, L, C) and (N, S, C), updated."""
        for kind, layer in zip(self.layer_types, self.layers):
            if kind == 'self':
                sample, template = layer(sample,
                                         sample), layer(template, template)
            else:
                sample = layer(sample, template)
                template = layer(template, sample)
        return sample, template
