"""AUPRO against a naive implementation that thresholds the maps."""
import cv2
import numpy as np
import pytest
import torch

from mmdefect.evaluation import DefectIoUMetric
from mmdefect.evaluation.functional import aupro, region_histograms

BINS = 20


def naive_aupro(maps, labels, max_fpr=0.3):
    """Threshold every map at each bin edge, measure the overlap of every
    8-connected region and the false-positive rate, integrate."""
    regions = []
    for label in labels:
        count, comp = cv2.connectedComponents(
            label.astype(np.uint8), connectivity=8)
        regions += [(len(regions), comp == i, label) for i in range(1, count)]
    points = []
    for edge in range(BINS, -1, -1):
        t = edge / BINS
        flagged = [m >= t for m in maps]
        fp = sum((f & ~lab).sum() for f, lab in zip(flagged, labels))
        fpr = fp / sum((~lab).sum() for lab in labels)
        overlaps = []
        for index, label in enumerate(labels):
            count, comp = cv2.connectedComponents(
                label.astype(np.uint8), connectivity=8)
            for i in range(1, count):
                region = comp == i
                overlaps.append((flagged[index] & region).sum() / region.sum())
        points.append((fpr, np.mean(overlaps)))
    xs, ys = map(np.array, zip(*points))
    area, x0, y0 = 0.0, xs[0], ys[0]
    for x, y in zip(xs[1:], ys[1:]):
        if x > max_fpr:
            y_cut = y0 + (y - y0) * (max_fpr - x0) / (x - x0)
            area += (max_fpr - x0) * (y0 + y_cut) / 2
            break
        area += (x - x0) * (y0 + y) / 2
        x0, y0 = x, y
    return area / max_fpr


def histograms(maps, labels):
    background = np.zeros(BINS, np.int64)
    regions = []
    for score, label in zip(maps, labels):
        bins = np.clip((score * BINS).astype(np.int64), 0, BINS - 1)
        background += np.bincount(bins[~label], minlength=BINS)
        regions.append(region_histograms(bins, label, BINS))
    return background, np.concatenate(regions)


@pytest.mark.parametrize('seed', range(4))
def test_aupro_matches_naive_thresholding(seed):
    rng = np.random.default_rng(seed)
    maps, labels = [], []
    for _ in range(3):
        label = np.zeros((32, 32), bool)
        for _ in range(rng.integers(1, 4)):
            y, x = rng.integers(0, 28, 2)
            label[y:y + rng.integers(2, 5), x:x + rng.integers(2, 5)] = True
        # Scores on bin centres so that bins and thresholds agree exactly.
        raw = rng.random((32, 32)) * 0.7 + label * rng.random() * 0.5
        maps.append((np.floor(np.clip(raw, 0, 0.999) * BINS) + 0.5) / BINS)
        labels.append(label)
    background, regions = histograms(maps, labels)
    for max_fpr in (0.3, 0.05, 1.0):
        assert aupro(background, regions, max_fpr) == pytest.approx(
            naive_aupro(maps, labels, max_fpr), abs=1e-9)


def test_aupro_perfect_and_random_maps():
    label = np.zeros((16, 16), bool)
    label[2:5, 2:5] = label[10:14, 9:12] = True
    perfect = np.where(label, 0.975, 0.025)
    background, regions = histograms([perfect], [label])
    assert len(regions) == 2
    assert aupro(background, regions) == pytest.approx(1.0)
    # A map that ignores the defects: overlap equals the FPR, area 0.15.
    flat = np.full((16, 16), 0.525)
    background, regions = histograms([flat], [label])
    assert aupro(background, regions) == pytest.approx(0.15)
    assert np.isnan(aupro(background, regions[:0]))


def test_defect_iou_metric_reports_the_naive_aupro():
    # Scores on the centres of the 20 naive bins: the metric's 1,000 bins
    # only add thresholds that flag the same pixels (zero-width steps).
    rng = np.random.default_rng(7)
    metric = DefectIoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=('background', 'defect'))
    maps, labels = [], []
    for _ in range(3):
        label = np.zeros((32, 32), bool)
        y, x = rng.integers(0, 24, 2)
        label[y:y + 6, x:x + 5] = True
        label[26:29, 2:30] = rng.random() < 0.5
        raw = np.clip(rng.random((32, 32)) * 0.6 + label * 0.35, 0, 0.999)
        score = (np.floor(raw * BINS) + 0.5) / BINS
        maps.append(score)
        labels.append(label)
        probability = torch.tensor(score, dtype=torch.float32)[None]
        metric.process([], [
            dict(
                seg_logits=dict(data=probability),
                pred_sem_seg=dict(data=(probability >= 0.5).long()),
                gt_sem_seg=dict(data=torch.tensor(label)[None].long()))
        ])
    metrics = metric.compute_metrics(metric.results)
    assert metrics['defect.AUPRO'] == round(naive_aupro(maps, labels) * 100, 2)
    # Pixels at >= 0.5 are the predicted ones here: the @0.5 metrics
    # agree with the ones of pred_sem_seg.
    assert metrics['defect.IoU@0.5'] == metrics['defect.IoU']
    assert metrics['defect.F1@0.5'] == metrics['defect.F1']
