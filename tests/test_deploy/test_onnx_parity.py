"""The exported decision of every leaderboard method against PyTorch.

For each method of ``tools/benchmarks/board.yaml`` (its SynLCD config):
random-init weights in a checkpoint, an operating point chosen by
``CalibrationMetric`` (rule ``manual``) and stored in the checkpoint as
``tools/calibrate.py`` stores it, then ``tools/deployment/export_onnx.py``;
the torch-free runtime must reproduce ``DefectInferencer`` on generated
pairs: heat maps and image scores within 1e-4, masks and decisions
identical.  Images are 72 x 88, a multiple of no model's size divisor but
MFFPA's, so the padding in the graph is exercised; every model is exported
with a dynamic size and checked again at 64 x 64.
"""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
import yaml

from mmdefect.apis import DefectInferencer, init_model
from mmdefect.evaluation.calibration import config_hash
from mmdefect.evaluation.metrics import CalibrationMetric
from mmdefect.models.segmentors import defect_probability

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BOARD = 'tools/benchmarks/board.yaml'
TOLERANCE = 1e-4


def board_methods():
    with open(f'{REPO}/{BOARD}') as f:
        methods = yaml.safe_load(f)['methods']
    return {name: m['configs']['synlcd'] for name, m in methods.items()}


def generated_pairs(seed, count, size):
    """Templates of smooth texture; every other sample has a bright line
    and a dark spot (mask 1), the others equal their template (good)."""
    rng = np.random.default_rng(seed)
    samples, templates, masks = [], [], []
    height, width = size
    for i in range(count):
        small = rng.integers(0, 256, (height // 8, width // 8, 3), np.uint8)
        template = cv2.resize(
            small, (width, height), interpolation=cv2.INTER_CUBIC)
        sample, mask = template.copy(), np.zeros(size, np.uint8)
        if i % 2 == 0:
            row = int(rng.integers(4, height - 8))
            mask[row:row + 3] = 1
            cy, cx = (int(v) for v in rng.integers(8, min(size) - 8, 2))
            cv2.circle(mask, (cx, cy), 3, 1, -1)
            sample[mask == 1] = (255, 255, 255)
        samples.append(sample)
        templates.append(template)
        masks.append(mask)
    return samples, templates, masks


def predict(inferencer, samples, templates):
    inputs = ([[s, t] for s, t in zip(samples, templates)]
              if inferencer.paired else samples)
    preds = inferencer(
        inputs, batch_size=len(samples),
        return_datasamples=True)['predictions']
    return dict(
        preds=preds,
        heat_map=np.stack(
            [defect_probability(p.seg_logits.data).numpy() for p in preds]),
        mask=np.stack(
            [p.pred_sem_seg.data[0].numpy().astype(np.uint8) for p in preds]),
        score=np.array([float(p.pred_score) for p in preds], np.float32),
        decision=np.array([int(p.pred_label) for p in preds], np.uint8))


def threshold_in_a_gap(pred):
    """A threshold between two image scores (images on both sides) as far
    from every score and pixel probability as such a threshold can be:
    float32 differences cannot flip a decision there."""
    scores = np.sort(pred['score'])
    values = np.concatenate([pred['heat_map'].ravel(), scores])
    best, margin = None, -1.0
    for low, high in zip(scores[:-1], scores[1:]):
        for t in np.linspace(low, high, 66)[1:-1]:
            distance = np.abs(values - t).min()
            if distance > margin:
                best, margin = float(t), float(distance)
    return best, margin


def calibration_record(pred, masks, threshold, cfg):
    """The record CalibrationMetric makes on these predictions, with the
    config hash tools/calibrate.py adds."""
    metric = CalibrationMetric(rule='manual', target=threshold, split='val')
    metric.process({}, [
        dict(
            img_path=f'pair{i}',
            pred_score=p.pred_score,
            gt_label=torch.tensor(int(mask.any())),
            seg_logits=dict(data=p.seg_logits.data),
            gt_sem_seg=dict(data=torch.from_numpy(mask)[None]))
        for i, (p, mask) in enumerate(zip(pred['preds'], masks))
    ])
    metric.compute_metrics(metric.results)
    return dict(metric.calibration, config_hash=config_hash(cfg))


def assert_same(outputs, expected):
    heat = np.abs(outputs['heat_map'] - expected['heat_map']).max()
    score = np.abs(outputs['score'] - expected['score']).max()
    assert heat <= TOLERANCE and score <= TOLERANCE, (heat, score)
    np.testing.assert_array_equal(outputs['mask'], expected['mask'])
    np.testing.assert_array_equal(outputs['decision'], expected['decision'])
    return heat, score


@pytest.mark.parametrize('method', list(board_methods()))
def test_exported_decision_equals_pytorch(repo, tool, tmp_path, method):
    runtime = tool('tools/deployment/onnx_infer.py')
    export = tool('tools/deployment/export_onnx.py')
    config = f'{repo}/{board_methods()[method]}'
    torch.manual_seed(0)
    ckpt = tmp_path / 'model.pth'
    torch.save(dict(state_dict=init_model(config).state_dict(), meta={}), ckpt)
    samples, templates, masks = generated_pairs(0, 4, (72, 88))

    uncalibrated = DefectInferencer(config, str(ckpt), device='cpu')
    pred = predict(uncalibrated, samples, templates)
    threshold, margin = threshold_in_a_gap(pred)
    # ONNX Runtime and PyTorch differ by about 1e-6 in float32.
    assert margin > 1e-5, f'no clear threshold ({margin:.2g})'
    state = torch.load(ckpt, weights_only=False)
    state['meta']['calibration'] = calibration_record(pred, masks, threshold,
                                                      uncalibrated.cfg)
    torch.save(state, ckpt)

    inferencer = DefectInferencer(config, str(ckpt), device='cpu')
    assert inferencer.model.test_cfg.image_threshold == pytest.approx(
        threshold)
    expected = predict(inferencer, samples, templates)
    assert set(expected['decision']) == {0, 1}  # both sides of the point

    out = tmp_path / 'model.onnx'
    assert export.main(
        [config, str(ckpt), '--out',
         str(out), '--shape', '72', '88']) == 0
    model = runtime.DefectOnnxModel(str(out))
    assert model.paired == inferencer.paired
    assert model.operating_point == pytest.approx(
        dict(pixel_threshold=threshold, image_threshold=threshold))
    assert model.meta['config_hash'] == config_hash(inferencer.cfg)
    assert model.meta['operating_point'].startswith('calibrated: rule manual')
    templates_in = np.stack(templates) if model.paired else None
    assert_same(model(np.stack(samples), templates_in), expected)

    assert model.input_size is None  # every method: dynamic H and W
    samples, templates, _ = generated_pairs(1, 2, (64, 64))
    expected = predict(inferencer, samples, templates)
    outputs = model(
        np.stack(samples),
        np.stack(templates) if model.paired else None)
    heat = np.abs(outputs['heat_map'] - expected['heat_map']).max()
    assert heat <= TOLERANCE
    assert np.abs(outputs['score'] - expected['score']).max() <= TOLERANCE
    # Not chosen in a gap at this size: identical where not borderline.
    near = np.abs(expected['heat_map'] - threshold) <= TOLERANCE
    assert np.array_equal(outputs['mask'][~near], expected['mask'][~near])
