"""The encoder-decoder every mmdefect model runs in."""
from typing import Dict, List, Optional, Sequence

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

from ..utils import HeatMapExporter, check_heat_map_exporter


@MODELS.register_module()
class DefectEncoderDecoder(EncoderDecoder):
    """mmseg ``EncoderDecoder`` with heat maps and an image-level decision.

    Pixel segmentation works as in mmseg.  Two things are added so that a
    paper adds modules rather than segmentor code:

    * an optional ``cls_head``, the image-level decision (MFFPA's pyramid
      attention decision network, SegDecNet's decision net, ...).  Like the
      later stages of mmseg's ``CascadeEncoderDecoder`` it receives the
      features and the output of the decode head's ``forward``:
      ``cls_head.loss(feats, seg_logits, data_samples, train_cfg)`` and
      ``cls_head.predict(feats, seg_logits, batch_img_metas, test_cfg)``,
      the latter returning the defect probability of each image, (N,);
    * heat maps: the module that makes the features (the neck, or the
      backbone where there is none) and the auxiliary heads export maps
      when they are :class:`~mmdefect.models.utils.HeatMapExporter`\\ s
      (CADNet's DistMap, BANet's edge map and alignment field, ...).

    Prediction.  ``encode_decode`` returns the class logits followed by one
    channel per heat map and, with a cls head, one channel holding the image
    score, all at the input size.  They therefore pass through mmseg's own
    whole/slide inference (windows are averaged channel by channel).
    :meth:`postprocess_result` gives the class logits to mmseg's
    ``postprocess_result`` and brings the other channels to the original
    image in the same way (:func:`to_original_geometry`: padding removed,
    flip undone, resized; displacement channels are also negated by the
    flip and scaled by the resize), then puts into every ``SegDataSample``,
    besides mmseg's ``seg_logits`` and ``pred_sem_seg``:

    * ``pred_score``: 0-dim tensor, the image-level defect probability: the
      cls head's where the model has one (the largest window average in
      slide inference), otherwise the largest defect-class probability over
      all pixels (:func:`defect_probability`);
    * ``pred_<name>``: ``PixelData`` (1, H, W) for every heat map, e.g.
      ``pred_distance_map``;
    * ``pred_label``: 0-dim int64 tensor, the decision: 1 where
      ``pred_score`` is at least ``test_cfg.image_threshold`` (0.5 when
      the model is not calibrated).

    Operating point.  ``test_cfg.pixel_threshold`` (set from a
    calibration record, see ``tools/calibrate.py``) replaces mmseg's
    arg-max: ``pred_sem_seg`` marks a pixel defective where its defect
    probability is at least the threshold, with the most likely defect
    class there.  Without it ``pred_sem_seg`` is mmseg's.

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
        if self.with_neck and isinstance(self.backbone, HeatMapExporter) \
                and self.backbone.map_names:
            raise ValueError(
                f'the maps {self.backbone.map_names} of '
                f'{type(self.backbone).__name__} do not reach the neck\'s '
                'outputs, from which the segmentor exports heat maps')
        exporters = self._map_exporters()
        for exporter in exporters:
            check_heat_map_exporter(exporter)
        self.map_names = tuple(name for exporter in exporters
                               for name in exporter.map_names)
        self.map_kinds = tuple(kind for exporter in exporters
                               for kind in exporter.map_kinds)
        if len(set(self.map_names)) != len(self.map_names):
            raise ValueError(f'the heat maps {self.map_names} of '
                             f'{[type(e).__name__ for e in exporters]} '
                             'repeat a name')
        self.out_channels = (
            self.decode_head.out_channels + len(self.map_names) +
            int(self.with_cls_head))

    @property
    def with_cls_head(self) -> bool:
        """Whether the model has an image-level decision head."""
        return getattr(self, 'cls_head', None) is not None

    def _map_exporters(self) -> List[HeatMapExporter]:
        """The modules that export heat maps, in the order of their
        channels: the features' maker, then the auxiliary heads."""
        modules = [self.neck if self.with_neck else self.backbone]
        if self.with_auxiliary_head:
            modules += (
                list(self.auxiliary_head) if isinstance(
                    self.auxiliary_head, nn.ModuleList) else
                [self.auxiliary_head])
        return [
            module for module in modules
            if isinstance(module, HeatMapExporter) and module.map_names
        ]

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
            self._resize_maps(
                exporter.predict_maps(x), exporter.map_kinds, size)
            for exporter in self._map_exporters()
        ]
        if self.with_cls_head:
            score = self.cls_head.predict(x, raw_logits, batch_img_metas,
                                          self.test_cfg)
            extras.append(score.view(-1, 1, 1, 1).expand(-1, 1, *size))
        return torch.cat([seg_logits, *extras], dim=1)

    def _resize_maps(self, maps: Tensor, kinds: Sequence[str], size) -> Tensor:
        """Maps (N, K, h, w) at ``size``, displacements in its pixels."""
        maps = scale_displacements(maps, kinds, size[1] / maps.shape[3],
                                   size[0] / maps.shape[2])
        return resize(
            maps, size=size, mode='bilinear', align_corners=self.align_corners)

    def postprocess_result(self,
                           seg_logits: Tensor,
                           data_samples: OptSampleList = None) -> SampleList:
        """mmseg's post-processing of the class logits, plus ``pred_score``
        and the ``pred_<name>`` heat maps (see the class docstring)."""
        num_logits = self.decode_head.out_channels
        to_original = data_samples is not None
        data_samples = super().postprocess_result(seg_logits[:, :num_logits],
                                                  data_samples)
        num_maps = len(self.map_names)
        test_cfg = self.test_cfg or {}
        pixel_threshold = test_cfg.get('pixel_threshold')
        image_threshold = test_cfg.get('image_threshold', 0.5)
        for sample, extras in zip(data_samples, seg_logits[:, num_logits:]):
            if to_original and len(extras):
                extras = self._to_original(extras, sample.metainfo)
            for name, values in zip(self.map_names, extras[:num_maps]):
                sample.set_field(PixelData(data=values[None]), f'pred_{name}')
            score = (
                extras[num_maps] if self.with_cls_head else defect_probability(
                    sample.seg_logits.data))
            score = score.max().float()
            sample.set_field(score, 'pred_score')
            sample.set_field((score >= image_threshold).long(), 'pred_label')
            if pixel_threshold is not None:
                sample.set_field(
                    PixelData(
                        data=defect_classes(sample.seg_logits.data,
                                            pixel_threshold)[None]),
                    'pred_sem_seg')
        return data_samples

    def _to_original(self, extras: Tensor, img_meta: dict) -> Tensor:
        """Heat maps and score of one image (K, H, W) at its original size;
        displacement maps follow the flip and the resize."""
        extras = to_original_geometry(extras, img_meta, self.align_corners)
        (h, w), (ori_h, ori_w) = img_meta['img_shape'][:2], extras.shape[1:]
        direction = img_meta.get('flip_direction') if img_meta.get(
            'flip') else None
        kinds = self.map_kinds + ('value', ) * int(self.with_cls_head)
        return scale_displacements(
            extras, kinds,
            (-1 if direction == 'horizontal' else 1) * ori_w / w,
            (-1 if direction == 'vertical' else 1) * ori_h / h)


def to_original_geometry(maps: Tensor, img_meta: dict,
                         align_corners: bool) -> Tensor:
    """Maps of one image at the network input, (K, H, W), at its original
    size: padding removed, flip undone, resized to ``ori_shape``.

    The geometry mmseg's ``EncoderDecoder.postprocess_result`` gives the
    class logits, applied to any channels (it would also apply a sigmoid to
    a single one).
    """
    padding = img_meta.get('img_padding_size',
                           img_meta.get('padding_size', [0] * 4))
    left, right, top, bottom = padding
    height, width = maps.shape[1:]
    maps = maps[:, top:height - bottom, left:width - right]
    if img_meta.get('flip'):
        direction = img_meta.get('flip_direction')
        if direction not in ('horizontal', 'vertical'):
            raise ValueError(f'cannot undo a flip {direction!r}')
        maps = maps.flip(2 if direction == 'horizontal' else 1)
    return resize(
        maps[None],
        size=img_meta['ori_shape'][:2],
        mode='bilinear',
        align_corners=align_corners,
        warning=False)[0]


def scale_displacements(maps: Tensor, kinds: Sequence[str], scale_x: float,
                        scale_y: float) -> Tensor:
    """``maps`` (..., K, H, W) with the ``'dx'`` channels times ``scale_x``
    and the ``'dy'`` channels times ``scale_y`` (``kinds``: one of
    :data:`~mmdefect.models.utils.MAP_KINDS` per channel)."""
    factors = maps.new_tensor(
        [dict(dx=scale_x, dy=scale_y).get(kind, 1.) for kind in kinds])
    return maps * factors[:, None, None]


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


def defect_classes(seg_logits: Tensor, threshold: float) -> Tensor:
    """(H, W) class indices: the most likely defect class where the
    defect probability (:func:`defect_probability`) is at least
    ``threshold``, background (0) elsewhere."""
    defective = defect_probability(seg_logits) >= threshold
    if seg_logits.shape[0] == 1:
        return defective.long()
    return torch.where(defective, seg_logits[1:].argmax(dim=0) + 1,
                       torch.zeros_like(defective, dtype=torch.long))


def heat_maps(data_sample: SegDataSample) -> Dict[str, Tensor]:
    """Name -> (H, W) map of every ``pred_<name>`` heat map of a sample."""
    return {
        key[len('pred_'):]: data_sample.get(key).data[0]
        for key in data_sample.keys()
        if key.startswith('pred_') and key.endswith('_map')
    }
