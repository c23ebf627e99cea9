"""tools/calibrate.py, then the same decisions in tools/test.py,
tools/infer.py and DefectInferencer."""
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from mmdefect.apis import DefectInferencer, init_model
from mmdefect.evaluation.calibration import CalibrationMismatch

QUICK = 'configs/cadnet/cadnet_synlcd-quickstart.py'


@pytest.fixture(scope='module')
def calibrated(tool, repo, paired_root, tmp_path_factory):
    """A random-init CADNet calibrated (f1_max) on the validation part of
    the tiny paired data set."""
    folder = tmp_path_factory.mktemp('calibrated')
    cfg = folder / 'tiny.py'
    cfg.write_text(f"""
_base_ = '{repo}/{QUICK}'
data_root = '{paired_root}'
train_dataloader = dict(num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root))
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root))
test_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                       dataset=dict(data_root=data_root))
""")
    torch.manual_seed(0)
    model = init_model(str(cfg))
    ckpt = folder / 'model.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    calibrate = tool('tools/calibrate.py')
    calibrate.main([
        str(cfg),
        str(ckpt), '--rule', 'f1_max', '--work-dir',
        str(folder / 'calibrate')
    ])
    return str(cfg), str(ckpt)


def test_calibration_record_in_checkpoint_and_json(calibrated):
    cfg, ckpt = calibrated
    record = json.loads((Path(ckpt).parent / 'calibration.json').read_text())
    meta = torch.load(ckpt, map_location='cpu', weights_only=False)['meta']
    assert meta['calibration'] == record
    assert record['rule'] == 'f1_max' and record['split'] == 'val'
    assert record['num_defective'] >= 1
    assert 0 < record['pixel']['threshold'] < 1
    assert len(record['config_hash']) == 16
    assert sum(record['histograms']['pixel_defect']) > 0


def test_decisions_agree_across_tools(tool, repo, paired_root, calibrated,
                                      tmp_path):
    cfg, ckpt = calibrated
    proc = subprocess.run([
        sys.executable, 'tools/test.py', cfg, ckpt, '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(tmp_path / 'test_masks')
    ],
                          cwd=repo,
                          capture_output=True,
                          text=True,
                          timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert 'operating point from checkpoint' in log
    assert list((tmp_path / 'test').rglob('threshold_review.png'))
    metrics = json.loads(next((tmp_path / 'test').rglob('*.json')).read_text())
    assert 'defect.IoU@0.5' in metrics and 'defect.AUPRO' in metrics

    infer = tool('tools/infer.py')
    out = tmp_path / 'infer'
    infer.main([
        cfg, ckpt, '--pairs',
        str(paired_root / 'splits' / 'test.txt'), '--root',
        str(paired_root), '--out',
        str(out)
    ])
    rows = json.loads((out / 'summary.json').read_text())['results']
    inferencer = DefectInferencer(cfg, ckpt, device='cpu')
    items = inferencer.dataset_items(
        str(paired_root / 'splits' / 'test.txt'), str(paired_root))
    preds = inferencer(items, batch_size=2)['predictions']
    flagged = 0
    for row, pred in zip(rows, preds):
        tool = cv2.imread(
            str(tmp_path / 'test_masks' / f"{row['output']}.png"),
            cv2.IMREAD_UNCHANGED)
        infer_mask = cv2.imread(
            str(out / 'masks' / f"{row['output']}.png"), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(tool, infer_mask)
        np.testing.assert_array_equal(tool, pred['sem_seg'])
        assert row['decision'] == pred['label']
        flagged += pred['label']
    # Every test image is defective: the images the test flagged.
    assert metrics['image/FN'] == len(rows) - flagged
    assert metrics['image/recall'] == round(100 * flagged / len(rows), 2)


def test_threshold_override_and_foreign_config(repo, calibrated, tmp_path):
    cfg, ckpt = calibrated
    strict = DefectInferencer(cfg, ckpt, device='cpu', threshold=1.0)
    assert strict.model.test_cfg.pixel_threshold == 1.0
    other = tmp_path / 'other.py'
    other.write_text(f"_base_ = '{cfg}'\n"
                     'model = dict(decode_head=dict(dropout_ratio=0.2))\n')
    with pytest.raises(CalibrationMismatch, match='config hash'):
        DefectInferencer(str(other), ckpt, device='cpu')
