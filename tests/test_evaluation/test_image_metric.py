import logging
import math
import warnings
from unittest.mock import patch

import pytest
import torch
from mmseg.registry import METRICS

from mmdefect.evaluation import ImageDefectMetric

# Golden cases of the MFFPA spec (Sec. 5), as fractions.
CASE_4 = dict(
    labels=[0, 0, 1, 1],
    scores=[0.1, 0.4, 0.35, 0.8],
    AP=0.833333,
    AP_trapz=0.791667,
    AUROC=0.75)
CASE_8 = dict(
    labels=[0, 1, 0, 1, 0, 0, 1, 0],
    scores=[0.2, 0.9, 0.6, 0.55, 0.1, 0.3, 0.4, 0.7],
    AP=0.70,
    AP_trapz=0.655556,
    AUROC=0.733333)


def samples(labels, scores):
    return [
        dict(
            img_path=f'img_{i}.png',
            pred_score=torch.tensor(score),
            gt_label=torch.tensor(label, dtype=torch.int64))
        for i, (label, score) in enumerate(zip(labels, scores))
    ]


def evaluate(labels, scores, **kwargs):
    metric = ImageDefectMetric(**kwargs)
    metric.dataset_meta = dict(classes=('background', 'defect'))
    metric.process([], samples(labels, scores))
    return metric.evaluate(len(labels))


def f1_at(labels, scores, threshold):
    """F1 of 'score >= threshold is defective', counted by hand."""
    tp = sum(s >= threshold and y == 1 for y, s in zip(labels, scores))
    fp = sum(s >= threshold and y == 0 for y, s in zip(labels, scores))
    fn = sum(s < threshold and y == 1 for y, s in zip(labels, scores))
    return 2 * tp / (2 * tp + fp + fn)


def test_registered():
    assert METRICS.get('ImageDefectMetric') is ImageDefectMetric


@pytest.mark.parametrize('case', [CASE_4, CASE_8])
def test_golden_ranking_metrics(case):
    metrics = evaluate(case['labels'], case['scores'])
    for key in ('AP', 'AP_trapz', 'AUROC'):
        assert metrics[f'image/{key}'] == round(case[key] * 100, 2), key


def test_f1_max_and_fixed_threshold_by_hand():
    # CASE_8 sorted by score: .9+ .7- .6- .55+ .4+ .3- .2- .1- (3 defective)
    # F1 of 'score >= t' for t = .9 .7 .6 .55 .4 .3 .2 .1:
    # 1/2, 2/5, 1/3, 4/7, 3/4, 2/3, 3/5, 6/11 -> best 3/4 at t = .4; the
    # next lower score is .3, so the reported threshold is (.3 + .4) / 2.
    labels, scores = CASE_8['labels'], CASE_8['scores']
    metrics = evaluate(labels, scores)
    assert metrics['image/F1_max'] == 75.0
    assert metrics['image/F1_max_threshold'] == 0.35
    assert f1_at(labels, scores, metrics['image/F1_max_threshold']) == 0.75
    # At 0.5: flagged .9+ .7- .6- .55+ -> TP 2, FP 2, FN 1 (.4), TN 3.
    assert metrics['image/FP'] == 2
    assert metrics['image/FN'] == 1
    assert metrics['image/precision'] == 50.0
    assert metrics['image/recall'] == 66.67
    assert metrics['image/accuracy'] == 62.5
    assert metrics['image/num_images'] == 8
    assert metrics['image/num_defective'] == 3
    # Counts are floats: mmengine's json log writes integers as null.
    assert all(
        type(metrics[f'image/{key}']) is float
        for key in ('FP', 'FN', 'num_images', 'num_defective'))


def test_configured_threshold():
    # CASE_4 at 0.3: flagged .4- .35+ .8+ -> TP 2, FP 1, FN 0, TN 1.
    metrics = evaluate(CASE_4['labels'], CASE_4['scores'], threshold=0.3)
    assert (metrics['image/FP'], metrics['image/FN']) == (1, 0)
    assert metrics['image/precision'] == 66.67
    assert metrics['image/recall'] == 100.0
    assert metrics['image/accuracy'] == 75.0
    # Best F1 (4/5) at .35, next lower score .1.
    assert metrics['image/F1_max'] == 80.0
    assert metrics['image/F1_max_threshold'] == 0.225


def test_f1_max_threshold_keeps_more_decimals_when_needed():
    # The midpoint 0.40002 rounds to 0.4 at 4 decimals, which would flag the
    # defect-free image too.
    labels, scores = [0, 1], [0.40001, 0.40003]
    metrics = evaluate(labels, scores)
    threshold = metrics['image/F1_max_threshold']
    assert metrics['image/F1_max'] == 100.0
    assert scores[0] < threshold <= scores[1]
    assert f1_at(labels, scores, threshold) == 1.0


def test_f1_max_at_the_lowest_score():
    # Flagging every image is best; no score lies below the threshold.
    labels, scores = [1, 0, 1], [0.2, 0.5, 0.9]
    metrics = evaluate(labels, scores)
    assert metrics['image/F1_max'] == 80.0
    assert metrics['image/F1_max_threshold'] == 0.2
    assert f1_at(labels, scores, 0.2) == 0.8


@pytest.mark.parametrize('label', [0, 1])
def test_one_class_is_nan_with_one_warning(label):
    with patch(f'{ImageDefectMetric.__module__}.print_log') as log, \
            warnings.catch_warnings():
        warnings.simplefilter('error')  # nor a warning from scikit-learn
        metrics = evaluate([label] * 3, [0.2, 0.6, 0.7])
    assert log.call_count == 1
    assert log.call_args.kwargs['level'] == logging.WARNING
    for key in ('AP', 'AP_trapz', 'AUROC', 'F1_max', 'F1_max_threshold'):
        assert math.isnan(metrics[f'image/{key}']), key
    assert metrics['image/num_images'] == 3
    assert metrics['image/num_defective'] == 3 * label
    assert metrics['image/accuracy'] == (66.67 if label else 33.33)


def test_missing_label_or_score_names_the_image():
    metric = ImageDefectMetric()
    sample = dict(
        img_path='data/ksdd2/test/20000.png', pred_score=torch.tensor(0.3))
    with pytest.raises(KeyError, match=r'20000\.png.*gt_label'):
        metric.process([], [sample])
    sample = dict(
        img_path='data/ksdd2/test/20001.png', gt_label=torch.tensor(1))
    with pytest.raises(KeyError, match=r'20001\.png.*pred_score'):
        metric.process([], [sample])


@pytest.mark.parametrize('seed', range(3))
def test_operator_metrics_against_sorting(seed):
    rng = torch.Generator().manual_seed(seed)
    good = torch.rand(200, generator=rng) * 0.7
    bad = torch.rand(120, generator=rng) * 0.7 + 0.3
    labels = [0] * 200 + [1] * 120
    metrics = evaluate(labels, (torch.cat([good, bad])).tolist())
    lowest_bad = bad.min()
    assert metrics['image/pass_rate_no_escape'] == round(
        float((good < lowest_bad).float().mean()) * 100, 2)
    # 1 % of 120: one defective image may escape.
    second_lowest = bad.sort().values[1]
    assert metrics['image/pass_rate_1pct_escape'] == round(
        float((good < second_lowest).float().mean()) * 100, 2)


def test_model_decisions_beside_the_reference_threshold():
    labels = [0, 0, 0, 0, 1, 1]
    scores = [0.1, 0.55, 0.6, 0.2, 0.7, 0.65]
    metric = ImageDefectMetric()
    metric.dataset_meta = dict(classes=('background', 'defect'))
    batch = samples(labels, scores)
    for sample, score in zip(batch, scores):
        sample['pred_label'] = torch.tensor(int(score >= 0.62))
    metric.process([], batch)
    metrics = metric.evaluate(len(labels))
    # Calibrated at 0.62: no false call; at 0.5 two of four good flagged.
    assert metrics['image/FP'] == 0 and metrics['image/FN'] == 0
    assert metrics['image/false_calls_per_1000'] == 0
    assert metrics['image/FP@0.5'] == 2
    assert metrics['image/false_calls_per_1000@0.5'] == 500
