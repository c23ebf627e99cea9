"""Collects the scores of a split and chooses the model's operating point."""
import math
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS

from ..functional import ScoreCounts, achieved, select_threshold
from ..functional.pixel_scores import (SCORE_BINS, binned_counts, max_in,
                                       pixel_histogram, pixel_scores)

# Bins of the score histograms kept in a calibration record.
IMAGE_BINS = 50
PIXEL_BINS = 100


@METRICS.register_module()
class CalibrationMetric(BaseMetric):
    """Chooses the image and pixel thresholds of one operating point.

    Run over a calibration split (``tools/calibrate.py`` runs it on the
    validation split), it collects for each image the image score
    (``pred_score``) and label (``gt_label``), and where the prediction has
    a defect-probability map and a mask: the pixel counts per probability
    bin, the largest probability of the image and the largest probability
    inside its defect pixels.  :meth:`compute_metrics` applies ``rule``
    (see :func:`~mmdefect.evaluation.functional.select_threshold`) at both
    levels:

    * image threshold: on image scores, defect-free images as negatives;
    * pixel threshold: ``f1_max`` on the pooled labelled pixels; ``fpr`` on
      the largest probability of each defect-free image (a good part with
      any pixel flagged is a false call, the rate an operator counts) with
      the largest probability inside each defect mask as positives;
      ``recall`` on the same counts (a defect is caught when any of its
      pixels is flagged); ``manual`` takes ``target``.  Without the data a
      rule needs at pixel level (no mask with a defect, no good image), the
      pixel threshold is left uncalibrated and ``pixel_note`` says why.

    The full record (thresholds, achieved rates, counts and score
    histograms) is kept in :attr:`calibration`; the returned metrics are its
    numbers.

    Args:
        rule (str): ``'f1_max'``, ``'fpr'``, ``'recall'`` or ``'manual'``.
        target (float, optional): Target of the rule (false-call rate,
            share of defects caught, or the threshold).
        split (str): Name of the split, for messages and the record.
        ignore_index (int): Unlabelled mask value.
    """

    default_prefix = 'calibration'

    def __init__(self,
                 rule: str = 'f1_max',
                 target: Optional[float] = None,
                 split: str = 'val',
                 ignore_index: int = 255,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.rule = rule
        self.target = target
        self.split = split
        self.ignore_index = ignore_index
        self.calibration: Optional[dict] = None

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            name = sample.get('img_path', 'an image without img_path')
            if 'pred_score' not in sample:
                raise KeyError(f'{name}: the prediction has no pred_score')
            label = int(sample['gt_label']) if 'gt_label' in sample else -1
            scores = pixel_scores(sample, self.ignore_index)
            histogram = peak = defect_peak = None
            if scores is not None:
                probability, mask = scores
                histogram = pixel_histogram(probability, mask,
                                            self.ignore_index).numpy()
                peak = float(probability.max())
                defect_peak = max_in(probability, mask == 1)
            self.results.append((float(sample['pred_score']), label, histogram,
                                 peak, defect_peak))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        scores = np.array([r[0] for r in results])
        labels = np.array([r[1] for r in results])
        known = labels >= 0
        what = f'the {self.split} split'
        image_counts = ScoreCounts.from_scores(scores[known], labels[known])
        image = select_threshold(image_counts, self.rule, self.target,
                                 f'image scores of {what}')
        pixel, pixel_note, pixel_rates = self._pixel_point(results, what)
        histograms = dict(
            image_good=np.histogram(scores[labels == 0], IMAGE_BINS,
                                    (0, 1))[0].tolist(),
            image_defective=np.histogram(scores[labels == 1], IMAGE_BINS,
                                         (0, 1))[0].tolist())
        pooled = self._pooled(results)
        if pooled is not None:
            factor = SCORE_BINS // PIXEL_BINS
            histograms.update(
                pixel_background=binned_counts(pooled[0], factor),
                pixel_defect=binned_counts(pooled[1], factor))
        self.calibration = dict(
            rule=self.rule,
            target=self.target,
            split=self.split,
            num_images=len(results),
            num_good=int(np.sum(labels == 0)),
            num_defective=int(np.sum(labels == 1)),
            num_unlabelled=int(np.sum(~known)),
            image=image.to_dict(),
            pixel=None
            if pixel is None else dict(pixel.to_dict(), **pixel_rates),
            pixel_note=pixel_note,
            histograms=histograms)
        metrics = dict(
            image_threshold=image.threshold,
            image_false_call_rate=image.false_call_rate,
            image_recall=image.recall)
        if pixel is not None:
            metrics.update(pixel_threshold=pixel.threshold, **pixel_rates)
        return metrics

    @staticmethod
    def _pooled(results: list) -> Optional[np.ndarray]:
        histograms = [r[2] for r in results if r[2] is not None]
        return sum(histograms) if histograms else None

    def _pixel_point(self, results: list, what: str) -> tuple:
        """The pixel operating point, a note when there is none, and the
        pooled pixel rates it achieves."""
        pooled = self._pooled(results)
        if pooled is None:
            return None, ('the predictions carry no defect-probability map '
                          'with a mask'), {}
        pixel_counts = ScoreCounts.from_histogram(*pooled)
        if self.rule == 'f1_max':
            if pixel_counts.num_positives == 0:
                return None, f'no defect pixel is labelled in {what}', {}
            point = select_threshold(pixel_counts, 'f1_max')
        else:
            peaks = [(r[3], 0) for r in results
                     if r[3] is not None and r[1] == 0]
            peaks += [(r[4], 1) for r in results
                      if r[4] is not None and not math.isnan(r[4])]
            counts = ScoreCounts.from_scores(*zip(*peaks)) if peaks else None
            needs = dict(fpr='defect-free images', recall='defect masks')
            if self.rule in needs and (counts is None or
                                       (counts.num_negatives if self.rule ==
                                        'fpr' else counts.num_positives) == 0):
                return None, (f'no {needs[self.rule]} with a probability '
                              f'map in {what}'), {}
            point = (
                select_threshold(counts, self.rule, self.target,
                                 f'pixel peaks of {what}')
                if counts is not None else select_threshold(
                    pixel_counts, self.rule, self.target))
        pooled_point = achieved(pixel_counts, point.threshold)
        rates = dict(
            pixel_precision=pooled_point.precision,
            pixel_recall=pooled_point.recall,
            pixel_f1=pooled_point.f1)
        return point, None, rates
