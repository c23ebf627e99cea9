"""The operating point in the segmentor's predictions (whole, slide, TTA)."""
import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmdefect.models.segmentors import defect_classes, defect_probability

SEGFORMER = 'configs/baselines/segformer_mit-b0_synlcd-256_defect.py'


def test_defect_classes_threshold_the_defect_probability():
    logits = torch.tensor([[[2.0, 0.0]], [[0.0, 0.5]], [[1.0, 0.4]]])
    probability = defect_probability(logits)  # (1, 2)
    low = float(probability.min())
    assert defect_classes(logits, 1.0).tolist() == [[0, 0]]
    assert defect_classes(logits, low).tolist() == [[2, 1]]
    sigmoid = torch.tensor([[[0.2, 0.7]]])
    assert defect_classes(sigmoid, 0.7).tolist() == [[0, 1]]


@pytest.fixture
def model(repo):
    cfg = Config.fromfile(f'{repo}/{SEGFORMER}')
    torch.manual_seed(0)
    return MODELS.build(cfg.model).eval()


def predict(model, x):
    meta = dict(img_shape=(64, 64), ori_shape=(64, 64), pad_shape=(64, 64))
    samples = [SegDataSample(metainfo=meta) for _ in range(len(x))]
    with torch.no_grad():
        return model.predict(x, samples)


def test_thresholds_decide_pixels_and_images(model):
    x = torch.randn(2, 3, 64, 64)
    plain = predict(model, x)
    assert all(int(s.pred_label) == int(s.pred_score >= 0.5) for s in plain)
    probability = defect_probability(plain[0].seg_logits.data)
    threshold = float(probability.median())
    model.test_cfg = ConfigDict(
        mode='whole', pixel_threshold=threshold, image_threshold=1.0)
    decided = predict(model, x)
    flagged = decided[0].pred_sem_seg.data[0] > 0
    assert torch.equal(flagged, probability >= threshold)
    assert 0 < flagged.float().mean() < 1
    assert all(int(s.pred_label) == 0 for s in decided)
    # Slide inference in one window decides the same pixels.
    model.test_cfg = ConfigDict(
        mode='slide',
        crop_size=(64, 64),
        stride=(32, 32),
        pixel_threshold=threshold,
        image_threshold=1.0)
    slid = predict(model, x)
    # The window is preprocessed on its own: equal up to rounding, so the
    # pixels within 1e-5 of the threshold (the median's own) may differ.
    clear = (probability - threshold).abs() > 1e-5
    assert torch.equal(slid[0].pred_sem_seg.data[0][clear],
                       decided[0].pred_sem_seg.data[0][clear])
    assert clear.float().mean() > 0.99


def test_tta_applies_the_operating_point(model):
    x = torch.randn(1, 3, 64, 64)
    tta = MODELS.build(dict(type='DefectTTAModel', module=model))
    copies = predict(model, x) + predict(model, x.flip(3))
    threshold = float(copies[0].pred_score) + 1e-3
    model.test_cfg = ConfigDict(
        mode='whole', pixel_threshold=0.0, image_threshold=threshold)
    merged = tta.merge_preds([copies])[0]
    assert bool((merged.pred_sem_seg.data > 0).all())
    assert int(merged.pred_label) == int(merged.pred_score >= threshold)
