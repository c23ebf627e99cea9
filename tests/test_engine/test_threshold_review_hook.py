"""ThresholdReviewHook: one review figure per test run, at the model's
operating point."""
import cv2
import numpy as np
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmdefect.engine.hooks import ThresholdReviewHook


class FakeRunner:

    def __init__(self, log_dir, test_cfg):
        self.log_dir = str(log_dir)
        self.model = torch.nn.Module()
        self.model.test_cfg = test_cfg


def prediction(score, label, defect):
    sample = SegDataSample()
    sample.pred_score = torch.tensor(score)
    sample.gt_label = torch.tensor(label)
    probability = torch.full((1, 16, 16), 0.1)
    mask = torch.zeros((1, 16, 16), dtype=torch.long)
    if defect:
        probability[:, 4:8, 4:8] = score
        mask[:, 4:8, 4:8] = 1
    sample.seg_logits = PixelData(data=probability)
    sample.gt_sem_seg = PixelData(data=mask)
    return sample


def test_writes_the_figure_with_both_levels(tmp_path):
    hook = ThresholdReviewHook()
    runner = FakeRunner(tmp_path,
                        ConfigDict(image_threshold=0.6, pixel_threshold=0.4))
    hook.before_test_epoch(runner)
    for i in range(6):
        hook.after_test_iter(runner, i, None,
                             [prediction(0.2 + 0.1 * i, int(i > 2), i > 2)])
    assert len(hook._scores) == 6
    # 16 * 16 pixels per image, 3 defects of 16 pixels.
    assert hook._pixels.sum() == 6 * 256 and hook._pixels[1].sum() == 48
    hook.after_test_epoch(runner)
    image = cv2.imread(str(tmp_path / 'threshold_review.png'))
    assert image.shape[1] > 2 * image.shape[0]  # two panels side by side
    # A second run starts from nothing.
    hook.before_test_epoch(runner)
    assert hook._scores == [] and hook._pixels is None


def test_label_only_predictions_draw_one_panel(tmp_path):
    hook = ThresholdReviewHook(filename='review.png')
    runner = FakeRunner(tmp_path, None)
    hook.before_test_epoch(runner)
    samples = []
    for i, score in enumerate(np.linspace(0.1, 0.9, 5)):
        sample = SegDataSample()
        sample.pred_score = torch.tensor(float(score))
        sample.gt_label = torch.tensor(int(i > 2))
        samples.append(sample)
    hook.after_test_iter(runner, 0, None, samples)
    hook.after_test_epoch(runner)
    image = cv2.imread(str(tmp_path / 'review.png'))
    assert image.shape[1] < 2 * image.shape[0]  # one panel
