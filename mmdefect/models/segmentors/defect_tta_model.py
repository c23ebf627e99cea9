"""Test-time augmentation for :class:`DefectEncoderDecoder` models."""
from typing import List

import torch
from mmengine.structures import PixelData
from mmseg.models.segmentors import SegTTAModel
from mmseg.registry import MODELS
from mmseg.utils import SampleList

from .defect_encoder_decoder import defect_classes


@MODELS.register_module()
class DefectTTAModel(SegTTAModel):
    """Merges the predictions of the augmented copies of each image.

    Every augmented prediction is already at the original image size (flip
    undone, resized) when it arrives here.  Per image:

    * class probabilities are averaged (softmax of the logits; a one-channel
      head's ``seg_logits`` already holds sigmoid probabilities, which
      mmseg's ``SegTTAModel`` passes through a second sigmoid, so that every
      pixel ends above a 0.5 threshold) and the prediction is their argmax,
      or ``probability > decode_head.threshold`` for one channel;
      ``seg_logits`` becomes the log of the averaged probabilities (one
      channel: the averaged probability, as mmseg stores it);
    * ``pred_score`` and every ``pred_<name>`` heat map are averaged;
    * the model's operating point decides the merged copy as it decides one
      prediction: ``pred_sem_seg`` at ``test_cfg.pixel_threshold`` where
      set, ``pred_label`` at ``test_cfg.image_threshold`` (default 0.5).

    The merged sample keeps the first (un-augmented) copy's meta data and
    ground truth.
    """

    def merge_preds(self, data_samples_list: List[SampleList]) -> SampleList:
        test_cfg = self.module.test_cfg or {}
        pixel_threshold = test_cfg.get('pixel_threshold')
        image_threshold = test_cfg.get('image_threshold', 0.5)
        merged = []
        for copies in data_samples_list:
            sample = copies[0].clone()
            logits = torch.stack([c.seg_logits.data for c in copies])
            if logits.shape[1] == 1:
                probs = logits.mean(dim=0)
                pred = (probs > self.module.decode_head.threshold).long()
                seg_logits = probs
            else:
                probs = logits.softmax(dim=1).mean(dim=0)
                pred = probs.argmax(dim=0, keepdim=True)
                seg_logits = probs.clamp_min(1e-12).log()
            sample.seg_logits = PixelData(data=seg_logits)
            if pixel_threshold is not None:
                pred = defect_classes(seg_logits, pixel_threshold)[None]
            sample.pred_sem_seg = PixelData(data=pred)
            for key in copies[0].keys():
                if key == 'pred_score':
                    sample.pred_score = torch.stack(
                        [c.pred_score for c in copies]).mean()
                elif key.startswith('pred_') and key.endswith('_map'):
                    mean = torch.stack([c.get(key).data
                                        for c in copies]).mean(dim=0)
                    sample.set_field(PixelData(data=mean), key)
            if 'pred_score' in sample:
                sample.pred_label = (sample.pred_score
                                     >= image_threshold).long()
            merged.append(sample)
        return merged
