"""IoU metric with the cross-class test mode of CADNet (Fig. 6) and the
binary defect metrics of BANet/BGNet."""
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmengine.logging import print_log
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

from ..functional import ScoreCounts, achieved, aupro, region_histograms
from ..functional.pixel_scores import (SCORE_BINS, pixel_histogram,
                                       pixel_scores, score_bins)


def _percent(value) -> float:
    return round(float(value) * 100, 2)


@METRICS.register_module()
class DefectIoUMetric(IoUMetric):
    """mmseg ``IoUMetric`` (per-class IoU/Acc/Fscore, means) for defects.

    Besides mmseg's summary (aAcc, mIoU, mAcc, mFscore, ...), the per-class
    IoU and Fscore are returned as ``IoU.<class>`` and ``Fscore.<class>``
    (percent), so they reach the log, the json of ``tools/test.py`` and
    scripts, like the per-class columns of the papers' tables.

    The binary *defect* class (every class > 0 against the background) is
    also scored the way BANet (Sec. IV-B, Eq. 11-14) and BGNet report it,
    from pixel counts pooled over the test set, in percent:
    ``defect.Precision`` (Eq. 11), ``defect.Recall`` (Eq. 12),
    ``defect.F1`` (Eq. 13), ``defect.F2`` (BGNet) and ``defect.IoU``
    (Eq. 14, TP / (TP + FP + FN), which the papers call "mIoU" although it
    is the IoU of one class). ``defect.IoU_per_image`` is the mean over
    images of the smoothed IoU (|P∩G| + 1e-5) / (|P∪G| + 1e-5) that the
    authors' public training code averages, so a defect-free image without
    false positives counts 1; images whose mask is entirely ignored (image
    labels only) are skipped. Compare the papers' "mIoU" with both: their
    tables mix the two conventions. mmseg's two-class ``mIoU`` is not the
    papers' mIoU.

    Every pixel metric counts only the pixels whose ground truth is known:
    a mask, or the all-background mask of a defect-free label.  A defective
    image with an image label and no mask (mixed supervision) is entirely
    ignored; ``defect.masked_images`` says on how many images the pixel
    metrics were computed.  A set in which no image has a defect pixel in
    its ground truth (a label-only test set: the defect-free images'
    backgrounds alone) gets no segmentation metric at all, since mIoU 100
    and a NaN defect IoU would only say that the backgrounds were left
    alone; the log says so once and the image metrics
    (:class:`ImageDefectMetric`) are the result.

    LSA-Net (Sec. 4.2, Eqs. 6-8) reports the defect IoU, the Dice
    2|P∩G| / (|P| + |G|) and the pixel accuracy over both classes: pooled,
    they are ``defect.IoU``, ``defect.F1`` (Dice and F1 coincide on binary
    masks) and mmseg's ``aAcc``; per image (same smoothing and skipping)
    ``defect.IoU_per_image``, ``defect.Dice_per_image`` and
    ``PA_per_image``.

    Threshold-free (where the predictions carry mmseg's ``seg_logits``): a
    model can rank defect pixels above the background and still never
    cross the 0.5 of the arg-max, which the metrics above cannot tell from
    a model that finds nothing.  ``defect.AP_pixel`` is the average
    precision of the per-pixel defect probability (the largest defect-class
    softmax, or the sigmoid of a one-logit head) over every labelled pixel
    of the test set, the step-wise sum of scikit-learn's
    ``average_precision_score`` (pixel AP, as anomaly-segmentation
    benchmarks report it); ``defect.F1_max_pixel`` is the pooled F1 at the
    best threshold, with that threshold as ``defect.F1_max_threshold``.
    ``defect.AUPRO`` is the normalised area under the per-region overlap
    curve up to a 30 % false-positive rate (Bergmann et al., IJCV 2021,
    Sec. 4.2; 8-connected regions of the mask), which weighs a small
    defect as much as a large one.  ``defect.Precision@0.5``,
    ``defect.Recall@0.5``, ``defect.F1@0.5`` and ``defect.IoU@0.5`` count
    the pixels whose defect probability is at least 0.5, so that a model
    decided at a calibrated threshold (``pred_sem_seg``) is also seen at
    the uncalibrated one.  Probabilities are counted in ``SCORE_BINS`` bins
    per image (constant memory, gathered like the areas), so scores closer
    than 1e-3 rank equal.

    Args:
        tested_class (int, optional): Cross-class testing (CADNet Sec. 4.3.2,
            Fig. 6: train on line, test on abpt and vice versa).  A model
            trained on one defect class predicts that class wherever it finds
            a change; with ``tested_class`` set, every predicted defect class
            (any label > 0) counts as ``tested_class``, so the IoU of the
            tested class measures whether the change was found at all.
            Defaults to None (plain mmseg behaviour).
        **kwargs: See :class:`mmseg.evaluation.IoUMetric`.
    """
    # No prefix, as mmseg's IoUMetric: the keys stay ``mIoU``, ``IoU.<class>``
    # and ``defect.*``.  An empty string rather than None, for which
    # mmengine warns on every build that no prefix is set.
    default_prefix = ''

    def __init__(self, tested_class: Optional[int] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if tested_class is not None and tested_class < 1:
            raise ValueError('tested_class must be a defect class (>= 1)')
        self.tested_class = tested_class
        self._explained = False

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        # Each result is mmseg's four per-class areas plus the (4, 2) areas
        # of background/defect, stored in self.results so that distributed
        # evaluation gathers them too.
        for data_sample in data_samples:
            if self.tested_class is not None:
                data_sample = self._to_tested_class(data_sample)
            super().process(data_batch, [data_sample])
            if not self.format_only:
                self.results[-1] += (self._defect_areas(data_sample),
                                     *self._score_counts(data_sample))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        if self.format_only:
            return super().compute_metrics([r[:4] for r in results])
        label_areas = torch.stack([r[4][3] for r in results])  # (N, 2)
        masked = int((label_areas.sum(1) > 0).sum())
        if not label_areas[:, 1].any():
            self._explain_no_metrics(len(results), masked)
            return {}
        metrics = super().compute_metrics([r[:4] for r in results])
        # A float as the other counts: mmengine logs an int as null.
        metrics['defect.masked_images'] = float(masked)
        class_areas = (sum(r[i] for r in results) for i in range(4))
        per_class = self.total_area_to_metrics(*class_areas,
                                               ['mIoU', 'mFscore'],
                                               self.nan_to_num, self.beta)
        for index, name in enumerate(self.dataset_meta['classes']):
            metrics[f'IoU.{name}'] = _percent(per_class['IoU'][index])
            metrics[f'Fscore.{name}'] = _percent(per_class['Fscore'][index])
        metrics.update(self._defect_metrics([r[4] for r in results]))
        histograms = [r[5] for r in results]
        if all(h is not None for h in histograms):
            pooled = sum(histograms)
            metrics.update(self._ranking_metrics(pooled))
            metrics.update(self._half_metrics(pooled))
            regions = np.concatenate([r[6] for r in results])
            metrics['defect.AUPRO'] = _percent(
                aupro(pooled[0].numpy(), regions, max_fpr=0.3))
        return metrics

    def _explain_no_metrics(self, num_images: int, masked: int) -> None:
        """Say, once per metric, why no segmentation metric is reported."""
        if self._explained:
            return
        self._explained = True
        label_only = num_images - masked
        print_log(
            f'{type(self).__name__}: no segmentation metric: none of the '
            f'{num_images} images has a defect pixel in its ground truth '
            f'({label_only} defective with an image label only, no mask; '
            f'{masked} with a defect-free mask or label), so a pixel score '
            'could only count false positives (mIoU 100, defect IoU NaN).  '
            'The image metrics judge this set.',
            logger='current')

    @staticmethod
    def _half_metrics(histogram: torch.Tensor) -> Dict[str, float]:
        """Pooled defect precision, recall, F1 and IoU of the pixels whose
        defect probability is at least 0.5."""
        point = achieved(ScoreCounts.from_histogram(*histogram.numpy()), 0.5)
        tp = point.recall * point.num_positives
        fp = point.false_call_rate * point.num_negatives
        iou = tp / (point.num_positives + fp) if point.num_positives else \
            float('nan')
        return {
            'defect.Precision@0.5': _percent(point.precision),
            'defect.Recall@0.5': _percent(point.recall),
            'defect.F1@0.5': _percent(point.f1),
            'defect.IoU@0.5': _percent(iou)
        }

    @staticmethod
    def _ranking_metrics(histogram: torch.Tensor) -> Dict[str, float]:
        """Pixel AP and the best F1 from the pooled (2, SCORE_BINS) counts
        of background and defect pixels per probability bin."""
        negatives, positives = histogram.double().flip(1)  # high to low
        tp, fp = positives.cumsum(0), negatives.cumsum(0)
        recall = tp / tp[-1]
        precision = torch.nan_to_num(tp / (tp + fp))
        steps = torch.diff(recall, prepend=recall.new_zeros(1))
        f1 = torch.nan_to_num(2 * precision * recall / (precision + recall))
        best = int(f1.argmax())
        # Pixels in bin b and above count as defects: p >= b / bins.
        threshold = (SCORE_BINS - 1 - best) / SCORE_BINS
        return {
            'defect.AP_pixel': _percent((steps * precision).sum()),
            'defect.F1_max_pixel': _percent(f1[best]),
            'defect.F1_max_threshold': round(threshold, 3)
        }

    def _defect_metrics(self, defect_areas: list) -> Dict[str, float]:
        areas = torch.stack(defect_areas)  # (N, 4, 2), index 1 = defect
        pooled = areas.sum(0)
        f1 = self.total_area_to_metrics(*pooled, ['mIoU', 'mFscore'],
                                        self.nan_to_num, 1)
        f2 = self.total_area_to_metrics(*pooled, ['mFscore'], self.nan_to_num,
                                        2)
        labelled = areas[:, 3].sum(1) > 0
        intersect, union, pred, label = areas[labelled].unbind(1)
        iou = (intersect[:, 1] + 1e-5) / (union[:, 1] + 1e-5)
        dice = (2 * intersect[:, 1] + 1e-5) / (pred[:, 1] + label[:, 1] + 1e-5)
        accuracy = intersect.sum(1) / label.sum(1)
        return {
            'defect.Precision': _percent(f1['Precision'][1]),
            'defect.Recall': _percent(f1['Recall'][1]),
            'defect.F1': _percent(f1['Fscore'][1]),
            'defect.F2': _percent(f2['Fscore'][1]),
            'defect.IoU': _percent(f1['IoU'][1]),
            'defect.IoU_per_image': _percent(iou.mean()),
            'defect.Dice_per_image': _percent(dice.mean()),
            'PA_per_image': _percent(accuracy.mean()),
        }

    def _defect_areas(self, data_sample: dict) -> torch.Tensor:
        """Intersection, union, prediction and label areas of background and
        defect (any class > 0), ignored pixels left out."""
        pred = data_sample['pred_sem_seg']['data'].squeeze()
        label = data_sample['gt_sem_seg']['data'].squeeze().to(pred)
        binary_label = torch.where(label == self.ignore_index, label,
                                   (label > 0).to(label))
        return torch.stack(
            self.intersect_and_union((pred > 0).to(pred), binary_label, 2,
                                     self.ignore_index))

    def _score_counts(self, data_sample: dict) -> tuple:
        """(2, SCORE_BINS) background / defect pixel counts per bin of the
        defect probability and (R, SCORE_BINS) counts of each defect
        region; (None, None) without ``seg_logits``."""
        scores = pixel_scores(data_sample, self.ignore_index)
        if scores is None:
            return None, None
        probability, label = scores
        regions = region_histograms(
            score_bins(probability).cpu().numpy(), (label == 1).cpu().numpy(),
            SCORE_BINS)
        return pixel_histogram(probability, label, self.ignore_index), regions

    def _to_tested_class(self, data_sample: dict) -> dict:
        pred = data_sample['pred_sem_seg']['data']
        mapped = torch.where(pred > 0,
                             torch.full_like(pred, self.tested_class), pred)
        return dict(data_sample, pred_sem_seg=dict(data=mapped))
