"""CalibrationMetric: thresholds at both levels from prediction samples."""
import numpy as np
import pytest
import torch

from mmdefect.evaluation import CalibrationMetric
from mmdefect.evaluation.calibration import (CalibrationMismatch,
                                             apply_operating_point,
                                             config_hash)
from mmdefect.evaluation.functional import CalibrationError


def sample(score, label, probability=None, mask=None):
    result = dict(
        img_path=f'{score}.png',
        pred_score=torch.tensor(score),
        gt_label=torch.tensor(label))
    if probability is not None:
        result['seg_logits'] = dict(data=torch.tensor(probability)[None])
        result['gt_sem_seg'] = dict(data=torch.tensor(mask)[None])
    return result


def maps(rng, defective, peak):
    """A (16, 16) probability map whose largest value is ``peak``, with a
    4x4 defect (holding the peak) when ``defective``."""
    probability = rng.random((16, 16)).astype(np.float32) * 0.2
    mask = np.zeros((16, 16), np.int64)
    if defective:
        mask[4:8, 4:8] = 1
        probability[4:8, 4:8] = peak - 0.05
        probability[5, 5] = peak
    else:
        probability[0, 0] = peak
    return probability, mask


def calibrate(samples, rule, target=None):
    metric = CalibrationMetric(rule=rule, target=target, split='val')
    metric.process([], samples)
    metric.compute_metrics(metric.results)
    return metric.calibration


def test_fpr_rule_from_good_images_only():
    rng = np.random.default_rng(0)
    peaks = np.linspace(0.1, 0.6, 20)
    samples = [sample(float(p), 0, *maps(rng, False, float(p))) for p in peaks]
    record = calibrate(samples, 'fpr', 0.1)
    assert record['num_good'] == 20 and record['num_defective'] == 0
    # Two of 20 may be flagged: between the 3rd and 2nd highest scores.
    assert peaks[-3] < record['image']['threshold'] <= peaks[-2]
    assert record['image']['false_call_rate'] == 0.1
    # Pixel level: a good image with any pixel above is a false call.
    assert peaks[-3] < record['pixel']['threshold'] <= peaks[-2]
    assert sum(record['histograms']['image_good']) == 20


def test_f1_max_separates_labelled_pixels_and_images():
    rng = np.random.default_rng(1)
    samples = [sample(0.3, 0, *maps(rng, False, 0.3)) for _ in range(5)]
    samples += [sample(0.8, 1, *maps(rng, True, 0.8)) for _ in range(5)]
    record = calibrate(samples, 'f1_max')
    assert record['image']['f1'] == 1.0
    assert 0.3 < record['image']['threshold'] <= 0.8
    assert record['pixel']['f1'] == pytest.approx(1.0)
    assert 0.3 < record['pixel']['threshold'] <= 0.75


def test_label_only_images_leave_pixels_uncalibrated():
    samples = [sample(s, int(s > 0.5)) for s in (0.1, 0.2, 0.7, 0.9)]
    record = calibrate(samples, 'f1_max')
    assert record['pixel'] is None
    assert 'no defect-probability map' in record['pixel_note']
    assert record['image']['threshold'] == 0.45


def test_rules_need_their_images():
    goods = [sample(s, 0) for s in (0.1, 0.2)]
    with pytest.raises(
            CalibrationError,
            match='val split hold 2 defect-free '
            'and 0 defective'):
        calibrate(goods, 'recall', 1.0)
    bads = [sample(s, 1) for s in (0.6, 0.7)]
    with pytest.raises(CalibrationError, match='0 defect-free and 2'):
        calibrate(bads, 'fpr', 0.05)


def test_apply_operating_point_checks_the_config(tmp_path):
    from mmengine.config import Config
    cfg = Config(
        dict(
            model=dict(type='M', test_cfg=dict(mode='whole')),
            test_dataloader=dict(dataset=dict(pipeline=[dict(type='A')]))))
    record = dict(
        rule='fpr',
        target=0.05,
        split='val',
        config_hash=config_hash(cfg),
        image=dict(threshold=0.7),
        pixel=dict(threshold=0.6))
    assert apply_operating_point(cfg, record) == dict(
        image_threshold=0.7, pixel_threshold=0.6)
    assert cfg.model.test_cfg.image_threshold == 0.7
    # Thresholds and inference mode do not change the hash.
    cfg.model.test_cfg.mode = 'slide'
    assert config_hash(cfg) == record['config_hash']
    assert apply_operating_point(
        cfg, record, threshold=0.4) == dict(
            image_threshold=0.4, pixel_threshold=0.4)
    assert apply_operating_point(cfg, None) == {}
    assert 'image_threshold' not in cfg.model.test_cfg
    with pytest.raises(ValueError, match='outside the score range'):
        apply_operating_point(cfg, record, threshold=1.2)
    cfg.model.type = 'Other'
    with pytest.raises(CalibrationMismatch, match=record['config_hash']):
        apply_operating_point(cfg, record, 'calibration.json')
