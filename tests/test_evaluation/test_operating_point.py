"""Threshold rules against hand-computed cases and a brute-force search."""
import numpy as np
import pytest

from mmdefect.evaluation.functional import (CalibrationError, ScoreCounts,
                                            achieved, select_threshold)

GOOD = [0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.9]
BAD = [0.45, 0.65, 0.8, 0.95]


def counts(good=GOOD, bad=BAD):
    return ScoreCounts.from_scores(
        list(good) + list(bad), [0] * len(good) + [1] * len(bad))


def rates(good, bad, threshold):
    """Naive rates of flagging every score >= threshold."""
    good, bad = np.asarray(good), np.asarray(bad)
    fp, tp = (good >= threshold).sum(), (bad >= threshold).sum()
    return fp / max(len(good), 1), tp / max(len(bad), 1), fp, tp


def test_fpr_rule_by_hand():
    # 10 good parts, 10 % false calls: only the 0.9 good part may be
    # flagged, so the threshold lies between 0.7 and 0.8 (the next score).
    point = select_threshold(counts(), 'fpr', 0.1)
    assert 0.7 < point.threshold <= 0.8
    assert point.threshold == 0.75
    assert point.false_call_rate == 0.1
    assert point.recall == 0.5  # 0.8 and 0.95
    # No false call at all: above the highest good score.
    point = select_threshold(counts(), 'fpr', 0.0)
    assert 0.9 < point.threshold <= 0.95 and point.false_call_rate == 0


def test_fpr_rule_from_good_parts_only():
    point = select_threshold(counts(bad=[]), 'fpr', 0.2)
    # Two of ten may be flagged (0.7, 0.9): halfway between 0.6 and 0.7.
    assert point.threshold == 0.65
    assert point.false_call_rate == 0.2
    assert np.isnan(point.recall) and point.num_positives == 0
    assert point.to_dict()['recall'] is None  # plain JSON
    # Nothing may be flagged: just above the highest score.
    point = select_threshold(counts(bad=[]), 'fpr', 0.0)
    assert 0.9 < point.threshold < 0.9003


def test_recall_rule_by_hand():
    # No escapes: the lowest defective score (0.45) must stay flagged, the
    # threshold lies between it and the next lower score (0.4).
    point = select_threshold(counts(), 'recall', 1.0)
    assert point.threshold == 0.425
    assert point.recall == 1.0
    assert point.false_call_rate == 0.4  # 0.5, 0.6, 0.7, 0.9
    # 3 of 4 flagged is enough: between 0.6 and 0.65.
    assert select_threshold(counts(), 'recall', 0.75).threshold == 0.625


def test_f1_max_by_hand():
    point = select_threshold(counts(), 'f1_max')
    # Brute force over every candidate threshold.
    best = max((2 * tp / (2 * tp + fp + (len(BAD) - tp)), t)
               for t in sorted(set(GOOD + BAD))
               for _, _, fp, tp in [rates(GOOD, BAD, t)])
    assert point.f1 == pytest.approx(best[0])
    assert rates(GOOD, BAD, point.threshold)[1] == pytest.approx(point.recall)


@pytest.mark.parametrize('seed', range(5))
def test_rules_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    good = np.round(rng.beta(2, 5, 60), 3)
    bad = np.round(rng.beta(5, 2, 25), 3)
    c = counts(good, bad)
    candidates = np.concatenate([[0.0], np.unique(np.r_[good, bad]) + 1e-7])
    table = [rates(good, bad, t) for t in candidates]
    for target in (0.0, 0.05, 0.2):
        point = select_threshold(c, 'fpr', target)
        fpr, recall = rates(good, bad, point.threshold)[:2]
        assert fpr <= target and fpr == point.false_call_rate
        # No threshold within the false-call rate finds more defects.
        assert recall == max(r for f, r, *_ in table if f <= target)
    for target in (1.0, 0.9, 0.5):
        point = select_threshold(c, 'recall', target)
        fpr, recall = rates(good, bad, point.threshold)[:2]
        assert recall >= target and recall == point.recall
        assert fpr == min(f for f, r, *_ in table if r >= target)
    point = select_threshold(c, 'f1_max')
    f1s = [2 * tp / (2 * tp + fp + len(bad) - tp) for *_, fp, tp in table]
    assert point.f1 == pytest.approx(max(f1s))


def test_binned_counts_sit_on_edges():
    # Pixels counted in 10 bins of [0, 1]: negatives low, positives high.
    neg = np.array([50, 30, 10, 5, 3, 1, 1, 0, 0, 0])
    pos = np.array([0, 0, 0, 1, 1, 2, 3, 5, 4, 4])
    c = ScoreCounts.from_histogram(neg, pos)
    point = select_threshold(c, 'fpr', 0.02)
    # 2 % of 100 negatives: bins 5 and 6 (2 pixels) may be flagged.
    assert point.threshold == 0.5 and point.false_call_rate == 0.02
    assert point.recall == 18 / 20
    point = select_threshold(c, 'recall', 1.0)
    assert point.threshold == 0.3
    assert achieved(c, 0.5).threshold == 0.5


def test_manual_rule_and_bad_input():
    point = select_threshold(counts(), 'manual', 0.5)
    assert point.threshold == 0.5
    assert point.false_call_rate == rates(GOOD, BAD, 0.5)[0]
    with pytest.raises(CalibrationError, match='outside the score range'):
        select_threshold(counts(), 'manual', 1.5)
    with pytest.raises(CalibrationError, match='0 defect-free and 4'):
        select_threshold(counts(good=[]), 'fpr', 0.05, 'val images')
    with pytest.raises(CalibrationError, match='10 defect-free and 0'):
        select_threshold(counts(bad=[]), 'recall', 1.0)
    with pytest.raises(CalibrationError, match='needs defective'):
        select_threshold(counts(bad=[]), 'f1_max')
    with pytest.raises(CalibrationError, match='unknown rule'):
        select_threshold(counts(), 'youden')
    with pytest.raises(CalibrationError, match='in \\[0, 1\\)'):
        select_threshold(counts(), 'fpr', 1.0)
