"""Operating points: a decision threshold chosen by a rule from scores.

One mechanism serves pixel maps and image scores.  Scores are held as
counts of negatives (defect-free) and positives (defective) per distinct
score value (:class:`ScoreCounts`): exact values for image scores, the lower
edges of probability bins for pixel maps.  A threshold ``t`` flags every
score ``>= t``.  :func:`select_threshold` applies one of the rules an
inspection engineer chooses an operating point by:

* ``f1_max``: the best F1 on a labelled split;
* ``fpr``: the most sensitive threshold whose false-call rate on the
  negatives is at most ``target`` (needs negatives only, so it works from
  good parts alone);
* ``recall``: the least sensitive threshold that still flags at least
  ``target`` of the positives (``target=1``: no escapes);
* ``manual``: ``target`` is the threshold.
"""
from dataclasses import asdict, dataclass
from typing import Optional

import numpy as np

RULES = ('f1_max', 'fpr', 'recall', 'manual')


class CalibrationError(ValueError):
    """The scores cannot give the requested operating point."""


@dataclass(frozen=True)
class ScoreCounts:
    """Negatives and positives counted per distinct score.

    Attributes:
        values (np.ndarray): Ascending distinct scores, float64.
        negatives (np.ndarray): Number of negatives at each value.
        positives (np.ndarray): Number of positives at each value.
        binned (bool): ``values`` are lower bin edges (every score of a bin
            counts at its edge): a threshold can only sit on an edge.
            Otherwise a threshold sits halfway between neighbouring values,
            a margin on both sides for scores not seen in calibration.
    """
    values: np.ndarray
    negatives: np.ndarray
    positives: np.ndarray
    binned: bool = False

    @classmethod
    def from_scores(cls, scores, labels) -> 'ScoreCounts':
        """Counts of exact scores; ``labels`` 1 marks a positive."""
        scores = np.asarray(scores, dtype=np.float64).ravel()
        labels = np.asarray(labels).ravel().astype(bool)
        if scores.shape != labels.shape:
            raise ValueError(f'{scores.size} scores but {labels.size} labels')
        values, index = np.unique(scores, return_inverse=True)
        positives = np.bincount(index, weights=labels, minlength=values.size)
        negatives = np.bincount(index, minlength=values.size) - positives
        return cls(values, negatives, positives)

    @classmethod
    def from_histogram(cls, negatives, positives) -> 'ScoreCounts':
        """Counts per bin of ``len(negatives)`` equal bins of [0, 1]."""
        negatives = np.asarray(negatives, dtype=np.float64)
        positives = np.asarray(positives, dtype=np.float64)
        values = np.arange(negatives.size, dtype=np.float64) / negatives.size
        return cls(values, negatives, positives, binned=True)

    @property
    def num_negatives(self) -> int:
        return int(self.negatives.sum())

    @property
    def num_positives(self) -> int:
        return int(self.positives.sum())

    def flagged(self) -> tuple:
        """``(false, true)`` positives when the threshold flags
        ``values[k:]``, for ``k = 0 .. len(values)`` (the last flags
        nothing)."""
        tail = np.zeros(1)
        false = np.concatenate([np.cumsum(self.negatives[::-1])[::-1], tail])
        true = np.concatenate([np.cumsum(self.positives[::-1])[::-1], tail])
        return false, true

    def threshold_at(self, k: int) -> float:
        """A threshold that flags exactly ``values[k:]``."""
        values = self.values
        if self.binned:
            return float(values[k]) if k < values.size else 1.0
        if k == 0:
            return float(values[0])
        if k == values.size:
            # Above every score by a margin that survives float32.
            return _between(values[-1], values[-1] + 2e-4)
        return _between(values[k - 1], values[k])

    def index_of(self, threshold: float) -> int:
        """``k`` such that ``threshold`` flags ``values[k:]``."""
        return int(np.searchsorted(self.values, threshold, side='left'))


def _between(low: float, high: float) -> float:
    """The midpoint of ``(low, high]``, rounded to as few decimals as keep
    it strictly above ``low`` and at most ``high``."""
    middle = (low + high) / 2
    for decimals in range(4, 17):
        rounded = round(middle, decimals)
        if low < rounded <= high:
            return rounded
    return float(high)


@dataclass(frozen=True)
class OperatingPoint:
    """A threshold, the rule that chose it, and what it achieves on the
    scores it was chosen from (rates as fractions, NaN where undefined)."""
    rule: str
    target: Optional[float]
    threshold: float
    false_call_rate: float
    recall: float
    precision: float
    f1: float
    num_negatives: int
    num_positives: int

    def to_dict(self) -> dict:
        """The fields, undefined rates as None (plain JSON)."""
        return {
            key:
            None if isinstance(value, float) and np.isnan(value) else value
            for key, value in asdict(self).items()
        }


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float('nan')


def achieved(counts: ScoreCounts,
             threshold: float,
             rule: str = 'manual',
             target: Optional[float] = None) -> OperatingPoint:
    """The rates of ``threshold`` on ``counts``."""
    false, true = counts.flagged()
    k = counts.index_of(threshold)
    fp, tp = float(false[k]), float(true[k])
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, counts.num_positives)
    f1 = _ratio(2 * tp, 2 * tp + fp + (counts.num_positives - tp))
    return OperatingPoint(
        rule=rule,
        target=target,
        threshold=float(threshold),
        false_call_rate=_ratio(fp, counts.num_negatives),
        recall=recall,
        precision=precision,
        f1=f1,
        num_negatives=counts.num_negatives,
        num_positives=counts.num_positives)


def select_threshold(counts: ScoreCounts,
                     rule: str,
                     target: Optional[float] = None,
                     what: str = 'the scores') -> OperatingPoint:
    """The operating point of ``rule`` (see the module docstring).

    Args:
        counts (ScoreCounts): Scores of negatives and positives.
        rule (str): One of :data:`RULES`.
        target (float, optional): The false-call rate (``fpr``), the share
            of positives to flag (``recall``) or the threshold
            (``manual``); unused by ``f1_max``.
        what (str): Names the scores in error messages (e.g. ``'image
            scores of the val split'``).

    Raises:
        CalibrationError: The rule needs negatives or positives that
            ``counts`` does not hold, or the target is out of range.
    """
    neg, pos = counts.num_negatives, counts.num_positives
    held = f'{what} hold {neg} defect-free and {pos} defective'
    if rule not in RULES:
        raise CalibrationError(f'unknown rule {rule!r}; one of {RULES}')
    if rule != 'f1_max' and target is None:
        raise CalibrationError(f'rule {rule!r} needs a target')
    if rule == 'manual':
        if not 0.0 <= target <= 1.0:
            raise CalibrationError(
                f'threshold {target} is outside the score range [0, 1]')
        return achieved(counts, target, rule, target)
    false, true = counts.flagged()
    if rule == 'fpr':
        if not 0.0 <= target < 1.0:
            raise CalibrationError(
                f'fpr target {target} must be in [0, 1) (a false-call rate)')
        if neg == 0:
            raise CalibrationError(
                f"rule 'fpr' needs defect-free samples but {held}")
        # The lowest threshold (most sensitive) within the false-call rate.
        k = int(np.argmax(false <= target * neg + 1e-9))
    elif rule == 'recall':
        if not 0.0 < target <= 1.0:
            raise CalibrationError(
                f'recall target {target} must be in (0, 1] (1: no escapes)')
        if pos == 0:
            raise CalibrationError(
                f"rule 'recall' needs defective samples but {held}")
        # The highest threshold that still flags the share of positives.
        k = int(np.nonzero(true >= target * pos - 1e-9)[0].max())
    else:
        if pos == 0:
            raise CalibrationError(
                f"rule 'f1_max' needs defective samples but {held}")
        f1 = 2 * true / np.maximum(true + false + pos, 1e-12)
        k = int(np.argmax(f1))
    return achieved(counts, counts.threshold_at(k), rule, target)
