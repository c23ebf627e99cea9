"""Siamese (shared-weight) encoder-decoder for template-comparison models."""
from typing import List

import torch
from mmseg.registry import MODELS
from torch import Tensor

from .defect_encoder_decoder import DefectEncoderDecoder


@MODELS.register_module()
class SiameseEncoderDecoder(DefectEncoderDecoder):
    """Encoder-decoder that compares a sample with its defect-free template.

    The input stacks the sample and the template on the channel axis
    (``(N, 2C, H, W)``, sample first, as :class:`~mmdefect.datasets.
    transforms.LoadDefectImages` loads them).  One backbone with shared
    weights encodes both images in a single batched pass of ``2N`` images
    (as the CADNet authors do), and the two feature pyramids go to the neck,
    ``neck(sample_feats, template_feats)``, which fuses them (difference,
    concatenation, feature matching, re-alignment, ...).  Everything else
    (heads, losses, heat maps, image scores, whole/slide inference) is
    :class:`DefectEncoderDecoder`'s.
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
                f'{tuple(inputs.shape)}; set num_images=2 in its '
                'DefectDataPreProcessor')
        sample, template = inputs.chunk(2, dim=1)
        feats = self.backbone(torch.cat([sample, template], dim=0))
        num = sample.shape[0]
        sample_feats = [f[:num] for f in feats]
        template_feats = [f[num:] for f in feats]
        return self.neck(sample_feats, template_feats)
