from unittest.mock import patch

import numpy as np
import pytest
import torch

from mmdefect.evaluation import DefectIoUMetric

CLASSES = ('background', 'line', 'abpt')
IGNORE = 255

# (prediction, ground truth) of four 2x3 images.
IMAGES = [
    # Defect: prediction {(0,1), (0,2), (1,0), (1,1)}, truth {(0,1), (0,2),
    # (1,1)}, (1,2) ignored: intersection 3, union 4.
    ([[0, 1, 2], [1, 2, 0]], [[0, 1, 1], [0, 2, IGNORE]]),
    # No defect, no false positive: counts 1 per image.
    ([[0, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0]]),
    # Image label only: every pixel ignored, skipped.
    ([[1, 1, 0], [0, 0, 0]], [[IGNORE] * 3] * 2),
    # Defect: prediction {(0,0), (1,2)}, truth {(0,0), (0,1)}: 1 of 3.
    ([[1, 0, 0], [0, 0, 1]], [[1, 1, 0], [0, 0, 0]]),
]


def samples(images=IMAGES):
    return [
        dict(
            img_path=f'img_{i}.png',
            pred_sem_seg=dict(data=torch.tensor([pred])),
            gt_sem_seg=dict(data=torch.tensor([gt])))
        for i, (pred, gt) in enumerate(images)
    ]


def evaluate(images=IMAGES, **kwargs):
    metric = DefectIoUMetric(iou_metrics=['mIoU', 'mFscore'], **kwargs)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process([], samples(images))
    return metric.evaluate(len(images))


def test_per_class_iou_and_fscore_match_numpy():
    metrics = evaluate()
    pred = np.concatenate([np.ravel(p) for p, _ in IMAGES])
    gt = np.concatenate([np.ravel(g) for _, g in IMAGES])
    pred, gt = pred[gt != IGNORE], gt[gt != IGNORE]
    for index, name in enumerate(CLASSES):
        inter = np.sum((pred == index) & (gt == index))
        iou = inter / np.sum((pred == index) | (gt == index))
        fscore = 2 * inter / (np.sum(pred == index) + np.sum(gt == index))
        assert metrics[f'IoU.{name}'] == round(iou * 100, 2), name
        assert metrics[f'Fscore.{name}'] == round(fscore * 100, 2), name
    # By hand: line 2 / 6, abpt 1 / 2; background 10 / 13.
    assert metrics['IoU.line'] == 33.33
    assert metrics['IoU.abpt'] == 50.0
    assert metrics['IoU.background'] == 76.92
    assert {'aAcc', 'mIoU', 'mAcc', 'mFscore'} <= set(metrics)


def test_pooled_defect_metrics_by_hand():
    # Line and abpt merge. Defect pixels over the images: TP 3 + 0 + 1,
    # predicted 4 + 0 + 2, true 3 + 0 + 2 (the ignored image adds nothing):
    # TP 4, FP 2, FN 1.
    metrics = evaluate()
    precision, recall = 4 / 6, 4 / 5
    assert metrics['defect.Precision'] == round(precision * 100, 2) == 66.67
    assert metrics['defect.Recall'] == 80.0
    assert metrics['defect.F1'] == round(2 * 4 / (2 * 4 + 2 + 1) * 100, 2)
    f2 = 5 * precision * recall / (4 * precision + recall)
    assert metrics['defect.F2'] == round(f2 * 100, 2) == 76.92
    assert metrics['defect.IoU'] == round(4 / (4 + 2 + 1) * 100, 2)


def test_per_image_defect_iou_by_hand():
    metrics = evaluate()
    per_image = [(3 + 1e-5) / (4 + 1e-5), 1.0, (1 + 1e-5) / (3 + 1e-5)]
    assert metrics['defect.IoU_per_image'] == round(
        np.mean(per_image) * 100, 2) == 69.44


def test_per_image_dice_and_pixel_accuracy_by_hand():
    # LSA-Net Eqs. 7-8 per image; the image-label-only image is skipped.
    metrics = evaluate()
    dice = [(6 + 1e-5) / (7 + 1e-5), 1.0, (2 + 1e-5) / (4 + 1e-5)]
    accuracy = [4 / 5, 1.0, 4 / 6]
    assert metrics['defect.Dice_per_image'] == round(np.mean(dice) * 100,
                                                     2) == 78.57
    assert metrics['PA_per_image'] == round(np.mean(accuracy) * 100,
                                            2) == 82.22


def test_two_classes_defect_is_class_one():
    images = [([[0, 1], [1, 1]], [[0, 1], [0, 1]]),
              ([[1, 0], [0, 0]], [[0, 0], [1, 1]])]
    metric = DefectIoUMetric(iou_metrics=['mIoU', 'mFscore'])
    metric.dataset_meta = dict(classes=('background', 'defect'))
    metric.process([], samples(images))
    metrics = metric.evaluate(len(images))
    assert metrics['defect.IoU'] == metrics['IoU.defect'] == 33.33
    assert metrics['defect.F1'] == metrics['Fscore.defect']


def test_tested_class_counts_every_defect_as_the_tested_class():
    # Truth is abpt everywhere it has a defect; the model predicts line.
    images = [([[1, 1], [0, 0]], [[2, 2], [0, 0]])]
    plain = evaluate(images)
    tested = evaluate(images, tested_class=2)
    assert plain['IoU.abpt'] == 0.0
    assert tested['IoU.abpt'] == 100.0
    assert tested['defect.IoU'] == plain['defect.IoU'] == 100.0
    with pytest.raises(ValueError, match='tested_class'):
        DefectIoUMetric(tested_class=0)


def test_format_only_writes_predictions_and_no_metrics(tmp_path):
    metric = DefectIoUMetric(format_only=True, output_dir=str(tmp_path))
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process([], samples())
    assert metric.results == []
    assert metric.compute_metrics(metric.results) == {}
    assert (tmp_path / 'img_0.png').exists()


def scored_samples(probabilities, labels):
    """Two-class samples carrying logits whose defect softmax is
    ``probabilities`` (prediction: the arg-max)."""
    out = []
    for prob, label in zip(probabilities, labels):
        prob = torch.as_tensor(prob, dtype=torch.float64)
        logits = torch.stack([torch.zeros_like(prob), torch.logit(prob)])
        out.append(
            dict(
                img_path='x.png',
                seg_logits=dict(data=logits.float()),
                pred_sem_seg=dict(data=(prob > 0.5).long()[None]),
                gt_sem_seg=dict(data=torch.as_tensor(label)[None])))
    return out


def evaluate_scored(probabilities, labels):
    metric = DefectIoUMetric(iou_metrics=['mIoU', 'mFscore'])
    metric.dataset_meta = dict(classes=('background', 'defect'))
    metric.process([], scored_samples(probabilities, labels))
    return metric.evaluate(len(labels))


def test_pixel_ap_and_best_f1_by_hand():
    # Scores 0.9 (defect), 0.8 (background), 0.7 (defect), 0.2 (background),
    # 0.6 ignored: precision 1 at recall 0.5, 2/3 at recall 1:
    # AP = 0.5 * 1 + 0.5 * 2/3; best F1 = 0.8 at p >= 0.7.
    metrics = evaluate_scored([[[0.9, 0.8, 0.7], [0.2, 0.6, 0.2]]],
                              [[[1, 0, 1], [0, IGNORE, 0]]])
    assert metrics['defect.AP_pixel'] == round((0.5 + 0.5 * 2 / 3) * 100, 2)
    assert metrics['defect.F1_max_pixel'] == 80.0
    assert metrics['defect.F1_max_threshold'] == 0.7


def test_pixel_ap_ranks_a_model_that_never_crosses_one_half():
    # Defects at 0.45, background at 0.05: the arg-max finds nothing, the
    # ranking is perfect.
    prob = np.full((8, 8), 0.05)
    prob[2:4, 2:5] = 0.45
    metrics = evaluate_scored([prob], [(prob > 0.4).astype(np.int64)])
    assert metrics['defect.IoU'] == 0.0
    assert metrics['defect.AP_pixel'] == 100.0
    assert metrics['defect.F1_max_pixel'] == 100.0
    assert metrics['defect.F1_max_threshold'] == 0.45


def test_pixel_ap_matches_scikit_learn_on_random_scores():
    from sklearn.metrics import average_precision_score
    rng = np.random.default_rng(0)
    # Scores at bin centres, so that binning does not merge distinct ones.
    probs = (rng.integers(0, 1000, (3, 16, 16)) + 0.5) / 1000
    labels = (rng.random((3, 16, 16)) < probs**2).astype(np.int64)
    metrics = evaluate_scored(list(probs), list(labels))
    expected = average_precision_score(labels.ravel(), probs.ravel())
    assert abs(metrics['defect.AP_pixel'] - expected * 100) < 0.006


def test_ranking_metrics_need_scores():
    assert 'defect.AP_pixel' not in evaluate()  # no seg_logits


def explained(images, runs=1):
    """The metrics of ``images`` evaluated ``runs`` times by one metric,
    and what it logged."""
    messages = []
    metric = DefectIoUMetric(iou_metrics=['mIoU', 'mFscore'])
    metric.dataset_meta = dict(classes=CLASSES)
    with patch(f'{DefectIoUMetric.__module__}.print_log',
               lambda msg, **kwargs: messages.append(msg)):
        for _ in range(runs):
            metric.process([], samples(images))
            metrics = metric.evaluate(len(images))
    return metrics, messages


# A label-only test set: defect-free images (a mask of zeros made from the
# label) and defective ones with the label alone (every pixel ignored).
LABEL_ONLY = [
    ([[0, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0]]),
    ([[0, 1, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0]]),
    ([[1, 1, 0], [0, 0, 0]], [[IGNORE] * 3] * 2),
    ([[0, 0, 0], [0, 0, 0]], [[IGNORE] * 3] * 2),
]


def test_label_only_set_reports_no_segmentation_metric_and_says_why_once():
    metrics, messages = explained(LABEL_ONLY, runs=2)
    assert metrics == {}  # not mIoU 100 and a NaN defect IoU
    assert len(messages) == 1
    assert 'none of the 4 images has a defect pixel' in messages[0]
    assert '2 defective with an image label only' in messages[0]
    # Through the evaluator, the image metrics remain.
    from mmengine.evaluator import Evaluator

    from mmdefect.evaluation import ImageDefectMetric
    evaluator = Evaluator([
        DefectIoUMetric(iou_metrics=['mIoU']),
        ImageDefectMetric(),
    ])
    evaluator.dataset_meta = dict(classes=CLASSES)
    data = samples(LABEL_ONLY)
    for sample, score, label in zip(data, (0.1, 0.6, 0.9, 0.2), (0, 0, 1, 1)):
        sample.update(
            pred_score=torch.tensor(score), gt_label=torch.tensor(label))
    evaluator.process(data)
    metrics = evaluator.evaluate(len(data))
    assert metrics and all(key.startswith('image/') for key in metrics)


def test_mixed_set_scores_the_masked_images_and_counts_them():
    # IMAGES: three with pixel ground truth, one with its label alone.
    metrics, messages = explained(IMAGES)
    assert messages == []
    assert metrics['defect.masked_images'] == 3
    without = evaluate([image for i, image in enumerate(IMAGES) if i != 2])
    assert without.pop('defect.masked_images') == 3
    assert {
        k: v
        for k, v in metrics.items() if k != 'defect.masked_images'
    } == without
    # By hand over the three: defect TP 3 + 1, FP 1 + 1, FN 0 + 1.
    assert metrics['defect.IoU'] == round(4 / 7 * 100, 2)
