"""Image-level defect detection metrics (SegDecNet / MFFPA protocol)."""
import logging
from typing import Dict, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmseg.registry import METRICS
from sklearn.metrics import (auc, average_precision_score,
                             precision_recall_curve, roc_auc_score)

from ..functional import ScoreCounts, select_threshold


def _percent(value: float) -> float:
    """A fraction as a percentage with 2 decimals, like mmseg's IoUMetric."""
    return round(float(value) * 100, 2)


def _ratio(numerator: int, denominator: int) -> float:
    """``numerator / denominator``; NaN when it is undefined (0 / 0)."""
    return numerator / denominator if denominator else float('nan')


def _round_between(value: float, low: float, high: float) -> float:
    """``value`` rounded to 4 decimals, or more if rounding would leave
    ``(low, high]``; ``high`` where no rounding stays inside."""
    for decimals in range(4, 16):
        rounded = round(value, decimals)
        if low < rounded <= high:
            return rounded
    return high


@METRICS.register_module()
class ImageDefectMetric(BaseMetric):
    """Is there a defect in the image? Scores the image-level prediction.

    The decision-network protocol of SegDecNet (Božič et al., "Mixed
    supervision for surface-defect detection", 2021) that MFFPA follows:
    each image has a defect probability ``pred_score`` and a label
    ``gt_label`` (1 defective, 0 defect-free; the packing transform derives
    it from the mask or the image-level annotation), and the ranking of the
    scores over the test set is evaluated.

    Returned keys (``image/`` prefix by default), in percent with 2 decimals
    unless stated:

    - ``AP``: scikit-learn's ``average_precision_score``, the step-wise sum
      of ``ΔRecall · Precision``. The reference's published tables use it
      (the paper's Eq. 5 writes AP as the area under the PR curve).
    - ``AP_trapz``: the trapezoid area under the PR curve,
      ``auc(recall, precision)``, which the reference logs for each run.
      It is lower than ``AP`` when precision drops between recall steps.
    - ``AUROC``: area under the ROC curve.
    - ``F1_max``: the best F1 over the points of the PR curve;
      ``F1_max_threshold`` (a fraction, 4 decimals): a score threshold that
      gives it when an image is predicted defective iff
      ``score >= threshold``. Like the reference's evaluation script, it is
      the midpoint between the lowest score predicted defective at the best
      point and the next lower score in the test set (the lowest score
      itself when no score is lower), so it keeps a margin on both sides
      instead of sitting on a test image's score. Unlike the reference, the
      neighbour is the next lower score even at the first point of the
      curve, and the midpoint is rounded to more than 4 decimals where 4
      would move it past one of the two scores, so thresholding at the
      reported value always reproduces ``F1_max``.
    - At the model's operating point: the decision ``pred_label`` of the
      predictions (the calibrated image threshold, see
      ``tools/calibrate.py``), or ``score >= threshold`` where the
      predictions carry no decision: ``precision``, ``recall``,
      ``accuracy``, the counts ``FP`` (defect-free images flagged) and
      ``FN`` (defective images missed) and ``false_calls_per_1000`` (FP per
      1,000 defect-free images, not in percent).  A ratio with a zero
      denominator (no image flagged, no defective image) is NaN.  Where
      the decisions are the model's, the same five at ``threshold`` follow
      as ``precision@<threshold>``, ... for comparison.
    - Operator metrics, threshold-free: ``pass_rate_no_escape``, the share
      of defect-free images passed at the strictest threshold that still
      flags every defective image, and ``pass_rate_1pct_escape``, the same
      when at most 1 % of the defective images may escape.
    - ``num_images`` and ``num_defective`` (counts).

    With a single class in the test set the ranking metrics (``AP``,
    ``AP_trapz``, ``AUROC``, ``F1_max`` and its threshold) are undefined:
    they are NaN and a warning is logged.

    Args:
        threshold (float): Decision threshold on ``pred_score`` for the
            fixed-threshold metrics. Defaults to 0.5 (SegDecNet's
            ``50_perc`` threshold).
        collect_device (str): Device for collecting results across ranks,
            ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            ``default_prefix``, ``'image'``.
    """

    default_prefix = 'image'

    def __init__(self,
                 threshold: float = 0.5,
                 collect_device: str = 'cpu',
                 prefix: str = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.threshold = threshold

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for data_sample in data_samples:
            name = data_sample.get('img_path', 'an image without img_path')
            if 'pred_score' not in data_sample:
                raise KeyError(
                    f'{name}: the prediction has no pred_score; '
                    f'{self.__class__.__name__} needs a model that outputs '
                    'an image-level defect probability.')
            if 'gt_label' not in data_sample:
                raise KeyError(
                    f'{name}: the sample has no gt_label; its annotation '
                    'carries neither a mask nor an image-level label.')
            decision = data_sample.get('pred_label')
            self.results.append((float(data_sample['pred_score']),
                                 int(data_sample['gt_label']),
                                 -1 if decision is None else int(decision)))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        scores, labels, decisions = (
            np.array(column) for column in zip(*results))
        metrics = self._ranking_metrics(scores, labels)
        metrics.update(self._operator_metrics(scores, labels))
        at_threshold = scores >= self.threshold
        if np.all(decisions >= 0):
            metrics.update(self._decision_metrics(decisions == 1, labels))
            metrics.update({
                f'{key}@{self.threshold:g}': value
                for key, value in self._decision_metrics(at_threshold,
                                                         labels).items()
            })
        else:
            metrics.update(self._decision_metrics(at_threshold, labels))
        # Counts as floats: mmengine's json log keeps Python floats but
        # writes the numpy integers its message hub makes of ints as null.
        metrics.update(
            num_images=float(len(labels)),
            num_defective=float(np.sum(labels == 1)))
        return metrics

    @staticmethod
    def _decision_metrics(predicted: np.ndarray,
                          labels: np.ndarray) -> Dict[str, float]:
        positive = labels == 1
        tp = int(np.sum(predicted & positive))
        fp = int(np.sum(predicted & ~positive))
        fn = int(np.sum(~predicted & positive))
        good = int(np.sum(~positive))
        return dict(
            precision=_percent(_ratio(tp, tp + fp)),
            recall=_percent(_ratio(tp, tp + fn)),
            accuracy=_percent(
                _ratio(int(np.sum(predicted == positive)), len(labels))),
            FP=float(fp),
            FN=float(fn),
            false_calls_per_1000=round(_ratio(fp, good) * 1000, 2))

    @staticmethod
    def _operator_metrics(scores: np.ndarray,
                          labels: np.ndarray) -> Dict[str, float]:
        """Share of good images passed at zero and at <= 1 % escapes."""
        counts = ScoreCounts.from_scores(scores, labels)
        if counts.num_positives == 0 or counts.num_negatives == 0:
            return dict(
                pass_rate_no_escape=float('nan'),
                pass_rate_1pct_escape=float('nan'))
        return {
            name:
            _percent(
                1 - select_threshold(counts, 'recall', recall).false_call_rate)
            for name, recall in (('pass_rate_no_escape', 1.0),
                                 ('pass_rate_1pct_escape', 0.99))
        }

    @staticmethod
    def _ranking_metrics(scores: np.ndarray,
                         labels: np.ndarray) -> Dict[str, float]:
        """AP, AP_trapz, AUROC and the best F1 with its threshold."""
        if len(np.unique(labels)) < 2:
            print_log(
                f'image-level metrics: the {len(labels)} test images do not '
                'hold both defective and defect-free images, so AP, '
                'AP_trapz, AUROC and F1_max are undefined (NaN).',
                logger='current',
                level=logging.WARNING)
            return dict(
                AP=float('nan'),
                AP_trapz=float('nan'),
                AUROC=float('nan'),
                F1_max=float('nan'),
                F1_max_threshold=float('nan'))

        precision, recall, thresholds = precision_recall_curve(labels, scores)
        ap_trapz = auc(recall, precision)
        # The curve's last point (precision 1, recall 0) has no threshold.
        precision, recall = precision[:-1], recall[:-1]
        denominator = precision + recall
        f1 = np.divide(
            2 * precision * recall,
            denominator,
            out=np.zeros_like(denominator),
            where=denominator > 0)
        best = int(np.argmax(f1))
        lowest_flagged = thresholds[best]
        below = scores[scores < lowest_flagged]
        if below.size:
            highest_passed = below.max()
            threshold = _round_between((highest_passed + lowest_flagged) / 2,
                                       highest_passed, lowest_flagged)
        else:
            threshold = _round_between(lowest_flagged, -np.inf, lowest_flagged)
        return dict(
            AP=_percent(average_precision_score(labels, scores)),
            AP_trapz=_percent(ap_trapz),
            AUROC=_percent(roc_auc_score(labels, scores)),
            F1_max=_percent(f1[best]),
            F1_max_threshold=float(threshold))
