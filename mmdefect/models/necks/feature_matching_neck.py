"""BGNet's neck: positional encoding, linear-attention transformers,
feature matching and matched subtraction."""
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor, nn

from mmdefect.registry import MAP_PAINTERS
from ..layers import (LinearTransformer, match_tokens, matched_subtraction,
                      sine_positional_encoding)
from ..utils import FeatureList, HeatMapExporter

#: The heat maps of the match field, in the order of its channels.
MATCH_MAPS = ('match_dx_map', 'match_dy_map', 'match_score_map')


@MODELS.register_module()
class FeatureMatchingNeck(BaseModule, HeatMapExporter):
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
    the displacement to its template match in tokens (x, y) and its P (0 for
    unmatched tokens).  The neck exports it as the heat maps
    ``match_dx_map``, ``match_dy_map`` (displacements, in pixels of the
    original image in the predictions) and ``match_score_map``, and
    registers :func:`paint_matches` to draw them as lines between sample and
    template (paper Fig. 6).

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
        self.map_names = MATCH_MAPS if matching is not None else ()

    @property
    def map_kinds(self) -> Tuple[str, ...]:
        return ('dx', 'dy', 'value') if self.map_names else ()

    @staticmethod
    def match_field(matches, n: int, h: int, w: int) -> Tensor:
        """(N, 3, h, w): dx, dy (tokens) of each sample token's match, P."""
        batch, row, column, prob = matches
        field = prob.new_zeros(n, 3, h * w)
        field[batch, 0, row] = ((column % w) - (row % w)).float()
        field[batch, 1, row] = ((column // w) - (row // w)).float()
        field[batch, 2, row] = prob
        return field.view(n, 3, h, w)

    def _match_level(self, level: int, sample: Tensor,
                     template: Tensor) -> Tuple[Tensor, Optional[tuple]]:
        """The level's output (N, C, h, w) and its matches (batch, row,
        column, P), None without matching."""
        n, c, h, w = sample.shape
        if self.positional_encoding:
            pe = sine_positional_encoding(c, h, w, sample.device, sample.dtype)
            sample, template = sample + pe, template + pe
        t_s = sample.flatten(2).transpose(1, 2)  # (N, HW, C)
        t_t = template.flatten(2).transpose(1, 2)
        if self.transformers is not None:
            t_s, t_t = self.transformers[str(level)](t_s, t_t)
        if self.matching is None:
            out, matches = t_s - t_t, None
        else:
            matches = match_tokens(t_s, t_t, self.temperature, self.threshold,
                                   self.matching == 'mnn', self.memory_budget)
            out = matched_subtraction(t_s, t_t, matches)
        return out.transpose(1, 2).reshape(n, c, h, w), matches

    def forward(self, sample_feats: Sequence[Tensor],
                template_feats: Sequence[Tensor]) -> FeatureList:
        outs: List[Tensor] = []
        matches: Dict[int, Optional[tuple]] = {}
        for level, (s, t) in enumerate(zip(sample_feats, template_feats)):
            if level in self.match_levels:
                out, matches[level] = self._match_level(level, s, t)
            else:
                out = s - t
            outs.append(out)
        if self.matching is None:
            return FeatureList(outs, {})
        finest = self.match_levels[0]
        n, _, h, w = outs[finest].shape
        outs.append(self.match_field(matches[finest], n, h, w))
        return FeatureList(outs, dict(match_map=len(outs) - 1))

    def predict_maps(self, feats: FeatureList) -> Tensor:
        """The match field, (N, 3, h, w)."""
        return feats['match_map']


@MAP_PAINTERS.register_module(name=list(MATCH_MAPS))
def paint_matches(maps: Dict[str, np.ndarray], image: np.ndarray,
                  template: Optional[np.ndarray]) -> List[tuple]:
    """The match field as one tile of :func:`match_lines` (paper Fig. 6);
    nothing without the template or without all of :data:`MATCH_MAPS`."""
    if template is None or set(maps) != set(MATCH_MAPS):
        return []
    return [('matches',
             match_lines(image, template, *(maps[k] for k in MATCH_MAPS)))]


def match_lines(sample: np.ndarray,
                template: np.ndarray,
                dx: np.ndarray,
                dy: np.ndarray,
                score: np.ndarray,
                step: Optional[int] = None,
                gap: int = 4) -> np.ndarray:
    """Sample and template side by side with lines between matched points.

    BGNet's Fig. 6: ``dx``, ``dy`` (pixels) and ``score`` (H, W) give, at
    every sample pixel, where its token's match lies in the template and
    its matching probability (0: unmatched).  One line per grid point of
    spacing ``step`` (default: 1/32 of the shorter side, the token pitch at
    stride 8 of a 256 px image) with a positive score, coloured by the score
    (jet colormap, blue low, red high).

    Args:
        sample, template (np.ndarray): (H, W, 3) RGB images.
    """
    h, w = sample.shape[:2]
    step = step or max(4, min(h, w) // 32)
    out = np.zeros((h, 2 * w + gap, 3), np.uint8)
    out[:, :w] = sample
    out[:, w + gap:] = template
    ys, xs = np.mgrid[step // 2:h:step, step // 2:w:step]
    keep = score[ys, xs] > 0
    ys, xs = ys[keep], xs[keep]
    if len(ys) == 0:
        return out
    levels = np.clip(np.rint(score[ys, xs] * 255), 0, 255).astype(np.uint8)
    colors = cv2.applyColorMap(levels[:, None], cv2.COLORMAP_JET)[:, 0, ::-1]
    for y, x, color in zip(ys, xs, colors):
        tx = x + dx[y, x] + w + gap
        ty = y + dy[y, x]
        cv2.line(out, (int(x), int(y)), (int(round(tx)), int(round(ty))),
                 tuple(int(c) for c in color), 1, cv2.LINE_AA)
    return out
