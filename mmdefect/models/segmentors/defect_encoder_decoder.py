"""The encoder-decoder every mmdefect model runs in."""
from typing import Dict, List, Optional

import torch
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import (ConfigType, OptConfigType, OptSampleList, SampleList,
                         add_prefix)
from mmseg.utils.typing_utils import OptMultiConfig
from torch import Tensor, nn
from torch.nn import functional as F


@MODELS.register_module()
class DefectEncoderDecoder(EncoderDecoder):
    """mmseg ``EncoderDecoder`` with heat maps and an image-level decision.

    Pixel segmentation works as in mmseg.  Two things are added, both as
    heads, so that a paper adds modules rather than segmentor code:

    * an optional ``cls_head``, the image-level decision (MFFPA's pyramid
      attention decision network, SegDecNet's decision net, ...).  Like the
      later stages of mmseg's ``CascadeEncoderDecoder`` it receives the
      features and the output of the decode head's ``forward``:
      ``cls_head.loss(feats, seg_logits, data_samples, train_cfg)`` and
      ``cls_head.predict(feats, seg_logits, batch_img_metas, test_cfg)``,
      the latter returning the defect probability of each image, (N,);
    * heat maps: an auxiliary head that lists ``map_names`` returns those
      maps from ``predict(feats, batch_img_metas, test_cfg)`` as
      (N, len(map_names), h, w) (CADNet's DistMap, BANet's edge map, ...).

    Prediction.  ``encode_decode`` returns the class logits followed by one
    channel per heat map and, with a cls head, one channel holding the image
    score, all at the input size.  They therefore pass through mmseg's own
    whole/slide inference (windows are averaged channel by channel) and its
    ``postprocess_result`` (padding removed, flip undone, resized to the
    original image), and :meth:`postprocess_result` then puts into every
    ``SegDataSample``, besides mmseg's ``seg_logits`` and ``pred_sem_seg``:

    * ``pred_score``: 0-dim tensor, the image-level defect probability: the
      cls head's where the model has one (the maximum over windows in slide
      inference), otherwise the largest defect-class probability over all
      pixels (softmax over classes, classes >= 1; the sigmoid for a
      one-channel head);
    * ``pred_<name>``: ``PixelData`` (1, H, W) for every heat map, e.g.
      ``pred_distance_map``.

    For that, ``out_channels`` counts every channel ``encode_decode``
    returns (it sizes mmseg's slide-inference buffer); the class logits are
    the decode head's ``out_channels``.

    Training.  :meth:`loss` calls the decode head's ``forward`` once; its
    output goes to the head's ``loss_by_feat`` (as in
    ``BaseDecodeHead.loss``) and to the cls head.  Losses are prefixed
    ``decode.``, ``aux.`` / ``aux_<i>.`` and ``cls.``.

    Args:
        cls_head (dict, optional): Image-level decision head.
        Others: see :class:`mmseg.models.EncoderDecoder`.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 neck: OptConfigType = None,
                 auxiliary_head: OptConfigType = None,
                 cls_head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 pretrained: Optional[str] = None,
                 init_cfg: OptMultiConfig = None):
        super().__init__(
            backbone=backbone,
            decode_head=decode_head,
            neck=neck,
            auxiliary_head=auxiliary_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            pretrained=pretrained,
            init_cfg=init_cfg)
        if cls_head is not None:
            self.cls_head = MODELS.build(cls_head)
        self.map_names = tuple(name for head in self._map_heads()
                               for name in head.map_names)
        if len(set(self.map_names)) != len(self.map_names) or not all(
                name.endswith('_map') for name in self.map_names):
            raise ValueError(f'auxiliary heads declare the heat maps '
                             f'{self.map_names}; every name must be unique '
                             "and end in '_map'")
        self.out_channels = (
            self.decode_head.out_channels + len(self.map_names) +
            int(self.with_cls_head))

    @property
    def with_cls_head(self) -> bool:
        """Whether the model has an image-level decision head."""
        return getattr(self, 'cls_head', None) is not None

    def _map_heads(self) -> List[nn.Module]:
        """Auxiliary heads that declare heat maps, in config order."""
        if not self.with_auxiliary_head:
            return []
        heads = (
            self.auxiliary_head if isinstance(
                self.auxiliary_head, nn.ModuleList) else [self.auxiliary_head])
        return [head for head in heads if getattr(head, 'map_names', ())]

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Losses of the decode head, the auxiliary heads and the cls head."""
        x = self.extract_feat(inputs)
        seg_logits = self.decode_head(x)
        losses = add_prefix(
            self.decode_head.loss_by_feat(seg_logits, data_samples), 'decode')
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(x, data_samples))
        if self.with_cls_head:
            cls_losses = self.cls_head.loss(x, seg_logits, data_samples,
                                            self.train_cfg)
            losses.update(add_prefix(cls_losses, 'cls'))
        return losses

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Tensor:
        """Class logits, heat maps and image score, (N, out_channels, H, W)
        at the input size."""
        x = self.extract_feat(inputs)
        raw_logits = self.decode_head(x)
        seg_logits = self.decode_head.predict_by_feat(raw_logits,
                                                      batch_img_metas)
        size = seg_logits.shape[2:]
        extras = [
            resize(
                head.predict(x, batch_img_metas, self.test_cfg),
                size=size,
                mode='bilinear',
                align_corners=self.align_corners)
            for head in self._map_heads()
        ]
        if self.with_cls_head:
            score = self.cls_head.predict(x, raw_logits, batch_img_metas,
                                          self.test_cfg)
            extras.append(score.view(-1, 1, 1, 1).expand(-1, 1, *size))
        return torch.cat([seg_logits, *extras], dim=1)

    def postprocess_result(self,
                           seg_logits: Tensor,
                           data_samples: OptSampleList = None) -> SampleList:
        """mmseg's post-processing of the class logits, plus ``pred_score``
        and the ``pred_<name>`` heat maps (see the class docstring)."""
        num_logits = self.decode_head.out_channels
        extras = seg_logits[:, num_logits:]
        scratch = None if data_samples is None else [
            SegDataSample(metainfo=sample.metainfo) for sample in data_samples
        ]
        data_samples = super().postprocess_result(seg_logits[:, :num_logits],
                                                  data_samples)
        restored = self._restore_extras(extras, scratch)
        for sample, maps in zip(data_samples, restored):
            for index, name in enumerate(self.map_names):
                sample.set_field(
                    PixelData(data=maps[index:index + 1]), f'pred_{name}')
            if self.with_cls_head:
                score = maps[-1].max()
            else:
                score = defect_probability(sample.seg_logits.data).max()
            sample.set_field(score.float(), 'pred_score')
        return data_samples

    def _restore_extras(self, extras: Tensor,
                        scratch: OptSampleList) -> List[Tensor]:
        """Run mmseg's un-pad / un-flip / resize on the extra channels.

        The parent's ``postprocess_result`` applies a sigmoid to a tensor of
        one channel; a constant channel appended here keeps every channel
        as it is, and is dropped again.
        """
        if extras.shape[1] == 0:
            return [extras.new_zeros(0)] * extras.shape[0]
        padded = torch.cat(
            [extras, extras.new_zeros(extras[:, :1].shape)], dim=1)
        restored = super().postprocess_result(padded, scratch)
        return [sample.seg_logits.data[:-1] for sample in restored]


def defect_probability(seg_logits: Tensor) -> Tensor:
    """Per-pixel probability that a pixel is a defect, (H, W).

    ``seg_logits`` is (C, H, W) as mmseg's ``postprocess_result`` stores it:
    logits for C > 1, already sigmoid probabilities for C = 1.  With
    several defect classes the largest class probability is taken (the
    confidence of the most likely defect there), not their sum.
    """
    if seg_logits.shape[0] == 1:
        return seg_logits[0]
    return F.softmax(seg_logits, dim=0)[1:].max(dim=0)[0]


def heat_maps(data_sample: SegDataSample) -> Dict[str, Tensor]:
    """Name -> (H, W) map of every ``pred_<name>`` heat map of a sample."""
    return {
        key[len('pred_'):]: data_sample.get(key).data[0]
        for key in data_sample.keys()
        if key.startswith('pred_') and key.endswith('_map')
    }
