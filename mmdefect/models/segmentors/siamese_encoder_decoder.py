"""Siamese (shared-weight) encoder-decoder for template-comparison models."""
from typing import List

import torch
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class SiameseEncoderDecoder(EncoderDecoder):
    """Encoder-decoder that compares a sample with its defect-free template.

    The input stacks the sample and the template on the channel axis
    (``(N, 2C, H, W)``, sample first, as produced by
    :class:`~mmdefect.datasets.transforms.LoadImagePairFromFile`).  One
    backbone with shared weights encodes both images in a single batched pass
    of ``2N`` images (as the CADNet authors do), and the two feature pyramids
    go to the neck, ``neck(sample_feats, template_feats)``, which fuses them
    (difference, concatenation, feature matching, re-alignment, ...).  The
    neck's output list goes unchanged to the decode head and every auxiliary
    head, which pick their inputs by ``in_index``: a paper-specific output
    (distance map, edge map, image score) is just another entry of that list,
    so this class knows nothing about any one paper.

    Everything else (losses, whole/slide inference, test-time batches of any
    size, TTA) is inherited from :class:`mmseg.models.EncoderDecoder`.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.with_neck:
            raise ValueError(
                'SiameseEncoderDecoder needs a neck that fuses the sample '
                'and template features (e.g. FeatureFusionNeck)')

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        if inputs.shape[1] % 2:
            raise ValueError(
                f'SiameseEncoderDecoder expects sample and template stacked '
                f'on channels (an even channel count), got input of shape '
                f'{tuple(inputs.shape)}; load data with LoadImagePairFromFile')
        sample, template = inputs.chunk(2, dim=1)
        feats = self.backbone(torch.cat([sample, template], dim=0))
        num = sample.shape[0]
        sample_feats = [f[:num] for f in feats]
        template_feats = [f[num:] for f in feats]
        return self.neck(sample_feats, template_feats)
