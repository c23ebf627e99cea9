"""BGNet's neck: positional encoding, linear-attention transformers,
feature matching and matched subtraction."""
from typing import Dict, Optional, Sequence

from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor, nn

from ..layers import (LinearTransformer, match_tokens, matched_subtraction,
                      sine_positional_encoding)
from ..utils import FeatureList


@MODELS.register_module()
class FeatureMatchingNeck(BaseModule):
    """Match the sample's tokens to the template's, then subtract.

    BGNet (Chen et al., KBS 2024), Sec. 3.2-3.5: at the ``match_levels``
    (strides 8 and 32 of the five-level ResNet-34) the sample and template
    features get a fixed 2-D sinusoidal positional encoding
    (:func:`~mmdefect.models.layers.sine_positional_encoding`), go through a
    LoFTR linear-attention transformer of self and cross layers
    (:class:`~mmdefect.models.layers.LinearTransformer`), their tokens are
    matched by dual softmax with a mutual-nearest-neighbour check
    (:func:`~mmdefect.models.layers.match_tokens`, no gradient, float32,
    memory-bounded) and each matched sample token becomes ``t_S[i] -
    t_T[j(i)]`` while unmatched ones keep ``t_S[i]`` (matched subtraction on
    the transformer outputs, as the authors' code does).  The other levels
    are plain differences.  Table 1's rows switch one key each:
    ``positional_encoding`` (S3), ``attention`` (S4), ``matching``
    (``'mnn'``, ``'nn'`` for S6, None for S5: plain subtraction of the
    transformer outputs).

    With matching, the matches of the finest matched level are also output
    as the named map ``'match_map'`` (N, 3, h, w): for every sample token
    the displacement to its template match as a fraction of the width and
    height, and its P (0 for unmatched tokens); a ``MapLossHead`` without
    loss exports it to the predictions (``pred_match_dx_map``,
    ``pred_match_dy_map``, ``pred_match_score_map``), which
    ``DefectVisualizer`` draws as lines between sample and template (paper
    Fig. 6).  ``last_matches`` keeps (batch, row,
    column, P) of every matched level of the last forward.

    Args:
        in_channels (Sequence[int]): Channels of the encoder levels.
        match_levels (Sequence[int]): Levels matched (default 2 and 4).
        num_heads (Sequence[int]): Attention heads per matched level.
        layer_types (Sequence[Sequence[str]]): Transformer layers per
            matched level.
        positional_encoding (bool): Add the encoding before attention.
        attention (bool): Run the transformers.
        matching (str, optional): ``'mnn'``, ``'nn'`` or None.
        temperature (float): Score temperature (code: 0.1).
        threshold (float): P threshold (code: 0.2).
        memory_budget (int): Elements of one score matrix over the batch
            above which matching runs blocked (2^24: 64 MiB in float32).
    """

    def __init__(self,
                 in_channels: Sequence[int] = (64, 64, 128, 256, 512),
                 match_levels: Sequence[int] = (2, 4),
                 num_heads: Sequence[int] = (4, 8),
                 layer_types: Sequence[Sequence[str]] = (('self', 'cross') * 2,
                                                         ('self', 'cross') *
                                                         4),
                 positional_encoding: bool = True,
                 attention: bool = True,
                 matching: Optional[str] = 'mnn',
                 temperature: float = 0.1,
                 threshold: float = 0.2,
                 memory_budget: int = 2**24,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if matching not in ('mnn', 'nn', None):
            raise ValueError("matching must be 'mnn', 'nn' or None, got "
                             f'{matching!r}')
        if not len(match_levels) == len(num_heads) == len(layer_types):
            raise ValueError('match_levels, num_heads and layer_types need '
                             'one entry per matched level')
        self.match_levels = tuple(match_levels)
        self.positional_encoding = positional_encoding
        self.matching = matching
        self.temperature = temperature
        self.threshold = threshold
        self.memory_budget = memory_budget
        self.transformers = nn.ModuleDict({
            str(level):
            LinearTransformer(in_channels[level], heads, types)
            for level, heads, types in zip(match_levels, num_heads,
                                           layer_types)
        }) if attention else None
        self.last_matches: Dict[int, tuple] = {}

    @staticmethod
    def match_field(matches, n: int, h: int, w: int) -> Tensor:
        """(N, 3, h, w): dx / w, dy / h of each sample token's match, P."""
        batch, row, column, prob = matches
        field = prob.new_zeros(n, 3, h * w)
        field[batch, 0, row] = ((column % w) - (row % w)).float() / w
        field[batch, 1, row] = ((column // w) - (row // w)).float() / h
        field[batch, 2, row] = prob
        return field.view(n, 3, h, w)

    def _match_level(self, level: int, sample: Tensor,
                     template: Tensor) -> Tensor:
        n, c, h, w = sample.shape
        if self.positional_encoding:
            pe = sine_positional_encoding(c, h, w, sample.device, sample.dtype)
            sample, template = sample + pe, template + pe
        t_s = sample.flatten(2).transpose(1, 2)  # (N, HW, C)
        t_t = template.flatten(2).transpose(1, 2)
        if self.transformers is not None:
            t_s, t_t = self.transformers[str(level)](t_s, t_t)
        if self.matching is None:
            out = t_s - t_t
        else:
            matches = match_tokens(t_s, t_t, self.temperature, self.threshold,
                                   self.matching == 'mnn', self.memory_budget)
            self.last_matches[level] = tuple(m.detach() for m in matches)
            out = matched_subtraction(t_s, t_t, matches)
        return out.transpose(1, 2).reshape(n, c, h, w)

    def forward(self, sample_feats: Sequence[Tensor],
                template_feats: Sequence[Tensor]) -> FeatureList:
        outs = [
            self._match_level(level, s, t)
            if level in self.match_levels else s - t
            for level, (s, t) in enumerate(zip(sample_feats, template_feats))
        ]
        if self.matching is None:
            return FeatureList(outs, {})
        finest = self.match_levels[0]
        n, _, h, w = outs[finest].shape
        outs.append(self.match_field(self.last_matches[finest], n, h, w))
        return FeatureList(outs, dict(match_map=len(outs) - 1))
