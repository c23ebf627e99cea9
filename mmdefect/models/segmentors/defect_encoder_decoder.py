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
    returns (it sizes the slide-inference buffer); the class logits are
    the decode head's ``out_channels``.

    Registered templates.  Where the pipeline registered the template
    (:class:`~mmdefect.datasets.transforms.RegisterTemplate`), pixels
    outside the warped template's valid region (meta key
    ``template_valid``) have nothing to be compared with: their defect
    probability, prediction and heat maps are set to zero.

    Sliding windows (``test_cfg=dict(mode='slide', crop_size=..., stride=
    ...)``), for images larger than the training size.  The windows are
    mmseg's (same grid, the last row and column moved to end at the image
    border) and cut the stacked sample and template in lockstep, but two
    things of mmseg's ``slide_inference`` do not fit large pairs, so they
    are replaced (:meth:`slide_inference`, :meth:`test_step`):

    * blending: mmseg averages whole windows, so a pixel near a window's
      inner border, where the network saw zero padding instead of the
      neighbouring image, is mixed into the result.  Here each window
      contributes only its core, the window less half the overlap
      (``(crop - stride) // 2``) on every side that is not an image
      border, and overlapping cores are averaged: for a network whose
      receptive field reaches less than half the overlap and whose stride
      divides the window offsets, the tiled result equals whole-image
      inference;
    * memory: ``test_step``/``val_step`` cut the windows from the raw
      (uint8) batch and run the data preprocessor on each window, so that
      besides the image itself and the full-size output only one window
      is ever held as float features; mmseg normalises the whole image
      first (six float channels for a pair).

    The image score of a model with a cls head is the largest of the
    windows' scores; otherwise it is, as for a whole image, the largest
    defect probability of the blended map.  A window larger than the image
    is refused (mmseg would shrink it silently); infer such an image whole.

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

    def test_step(self, data: dict) -> SampleList:
        """mmengine's ``test_step``; in slide mode windows are cut from the
        raw batch and preprocessed one by one (see the class docstring)."""
        if (self.test_cfg or {}).get('mode') != 'slide':
            return super().test_step(data)
        results = []
        for img, sample in zip(data['inputs'], data['data_samples']):
            logits = self._slide(
                img.shape[1:], sample.metainfo,
                lambda y1, y2, x1, x2: self._window_logits(
                    img[:, y1:y2, x1:x2], sample.metainfo))
            results.extend(self.postprocess_result(logits, [sample]))
        return results

    def val_step(self, data: dict) -> SampleList:
        return self.test_step(data)

    def _window_logits(self, window: Tensor, img_meta: dict) -> Tensor:
        """``encode_decode`` of one raw window (C, h, w) after the data
        preprocessor, (1, out_channels, h, w)."""
        size = window.shape[1:]
        meta = dict(
            img_path=img_meta.get('img_path'), img_shape=size, ori_shape=size)
        batch = self.data_preprocessor(
            dict(inputs=[window], data_samples=[SegDataSample(metainfo=meta)]),
            False)
        logits = self.encode_decode(batch['inputs'],
                                    [dict(meta, img_shape=torch.Size(size))])
        return logits[..., :size[0], :size[1]]

    def slide_inference(self, inputs: Tensor,
                        batch_img_metas: List[dict]) -> Tensor:
        """Sliding-window logits of preprocessed ``inputs`` (N, C, H, W),
        blended core by core (see the class docstring)."""
        return torch.cat([
            self._slide(
                inputs.shape[2:],
                img_meta,
                lambda y1, y2, x1, x2, i=i: self.encode_decode(
                    inputs[i:i + 1, :, y1:y2, x1:x2],
                    [dict(img_meta, img_shape=torch.Size(
                        (y2 - y1, x2 - x1)))]))
            for i, img_meta in enumerate(batch_img_metas)
        ])

    def _slide(self, size, img_meta: dict, window_logits) -> Tensor:
        """Blend ``window_logits(y1, y2, x1, x2)`` (1, out_channels, h, w)
        over mmseg's window grid of an image of ``size``; the cls head's
        score channel becomes the largest window score."""
        (crop_h, crop_w), (stride_h, stride_w) = (self.test_cfg.crop_size,
                                                  self.test_cfg.stride)
        height, width = size
        if crop_h > height or crop_w > width:
            raise ValueError(
                f"window {crop_h} x {crop_w} (test_cfg.crop_size) is larger "
                f"than the image {img_meta.get('img_path') or ''} of "
                f'{height} x {width}: infer it whole (test_cfg.mode=whole) '
                'or use a smaller window')
        if not (0 < stride_h <= crop_h and 0 < stride_w <= crop_w):
            raise ValueError(f'test_cfg.stride {self.test_cfg.stride} must '
                             'be positive and at most the crop size '
                             f'{self.test_cfg.crop_size}')
        trim_h, trim_w = (crop_h - stride_h) // 2, (crop_w - stride_w) // 2
        blended = weights = None
        scores = []
        for y1 in _window_starts(height, crop_h, stride_h):
            for x1 in _window_starts(width, crop_w, stride_w):
                logits = window_logits(y1, y1 + crop_h, x1, x1 + crop_w)
                if blended is None:
                    blended = logits.new_zeros(1, logits.shape[1], height,
                                               width)
                    weights = logits.new_zeros(1, 1, height, width)
                if self.with_cls_head:
                    scores.append(logits[0, -1].max())
                top = y1 + (trim_h if y1 > 0 else 0)
                bottom = y1 + crop_h - (trim_h if y1 + crop_h < height else 0)
                left = x1 + (trim_w if x1 > 0 else 0)
                right = x1 + crop_w - (trim_w if x1 + crop_w < width else 0)
                blended[..., top:bottom,
                        left:right] += logits[..., top - y1:bottom - y1,
                                              left - x1:right - x1]
                weights[..., top:bottom, left:right] += 1
        blended /= weights
        if self.with_cls_head:
            blended[:, -1] = torch.stack(scores).max()
        return blended

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
            outside = outside_template(sample)
            if outside is not None:
                _clear_outside(sample, outside)
                if num_maps:
                    extras[:num_maps, outside] = 0
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


def _window_starts(size: int, crop: int, stride: int) -> List[int]:
    """mmseg's window starts along one axis: every ``stride``, the last
    window moved to end at the border."""
    count = max(size - crop + stride - 1, 0) // stride + 1
    return [min(i * stride, size - crop) for i in range(count)]


def outside_template(sample: SegDataSample) -> Optional[Tensor]:
    """(H, W) bool, True outside the registered template's valid region
    (meta key ``template_valid``) at the size of ``seg_logits``; None for
    a pair that was not registered."""
    valid = sample.metainfo.get('template_valid')
    if valid is None:
        return None
    size = sample.seg_logits.shape[-2:]
    valid = torch.as_tensor(valid, device=sample.seg_logits.data.device)
    if valid.shape != size:
        valid = F.interpolate(
            valid[None, None].float(), size=size, mode='nearest')[0, 0] > 0
    return ~valid


def _clear_outside(sample: SegDataSample, outside: Tensor) -> None:
    """Defect probability and prediction zero where ``outside``."""
    logits = sample.seg_logits.data
    if logits.shape[0] == 1:
        logits[:, outside] = 0
    else:
        # exp(-100) is zero in float32: background certain, logits finite.
        logits[1:, outside] = logits[:1, outside] - 100
    sample.pred_sem_seg.data[:, outside] = 0


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
