"""Draws the test scores against the operating point, once per test run."""
import io
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from mmdefect.evaluation.functional import ScoreCounts, achieved
from mmdefect.evaluation.functional.pixel_scores import (SCORE_BINS,
                                                         pixel_histogram,
                                                         pixel_scores)
from mmdefect.utils import write_file

BINS = 50


@HOOKS.register_module()
class ThresholdReviewHook(Hook):
    """Writes ``threshold_review.png`` into the log folder of a test run.

    Left: histograms of the image scores (``pred_score``) of defect-free
    and defective test images with the image threshold, the false-call
    rate of the good images right of it and the escape rate of the
    defective images left of it.  Right, where predictions carry a defect
    probability map and a mask: the same for background and defect pixels
    (log counts) at the pixel threshold.  The thresholds are the model's
    operating point (``test_cfg.image_threshold`` / ``pixel_threshold``,
    see ``tools/calibrate.py``), 0.5 where it is not calibrated.  In
    distributed testing each rank draws the images it saw.

    Args:
        filename (str): Name of the figure in the log folder.
    """

    priority = 'LOW'

    def __init__(self, filename: str = 'threshold_review.png') -> None:
        self.filename = filename
        self._scores = []
        self._pixels = None

    def before_test_epoch(self, runner) -> None:
        self._scores, self._pixels = [], None

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence] = None) -> None:
        for sample in outputs or []:
            if 'pred_score' not in sample:
                continue
            label = int(sample.gt_label) if 'gt_label' in sample else -1
            self._scores.append((float(sample.pred_score), label))
            scores = pixel_scores(sample.to_dict())
            if scores is not None:
                histogram = pixel_histogram(*scores).numpy()
                self._pixels = histogram if self._pixels is None else \
                    self._pixels + histogram

    def after_test_epoch(self, runner, metrics=None) -> None:
        if not self._scores:
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        test_cfg = getattr(model, 'test_cfg', None) or {}
        figure = review_figure(
            np.array(self._scores),
            self._pixels,
            test_cfg.get('image_threshold', 0.5),
            test_cfg.get('pixel_threshold', 0.5),
            calibrated='image_threshold' in test_cfg)
        write_file(osp.join(runner.log_dir, self.filename), figure)


def _rates_text(counts: ScoreCounts, threshold: float, negative: str,
                positive: str) -> str:
    point = achieved(counts, threshold)
    lines = [f'threshold {threshold:.4g}']
    if point.num_negatives:
        lines.append(f'{negative} flagged {100 * point.false_call_rate:.2f} '
                     f'% of {point.num_negatives}')
    if point.num_positives:
        lines.append(f'{positive} missed {100 * (1 - point.recall):.2f} % '
                     f'of {point.num_positives}')
    return '\n'.join(lines)


def review_figure(scores: np.ndarray, pixels: Optional[np.ndarray],
                  image_threshold: float, pixel_threshold: float,
                  calibrated: bool) -> bytes:
    """PNG bytes of the review figure; ``scores`` is (N, 2): score,
    label (1 defective, 0 good, -1 unknown)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    panels = 1 if pixels is None else 2
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 4), squeeze=False)
    edges = np.linspace(0, 1, BINS + 1)
    ax = axes[0, 0]
    labelled = scores[scores[:, 1] >= 0]
    for label, name, colour in ((0, 'good', 'tab:green'), (1, 'defective',
                                                           'tab:red')):
        values = labelled[labelled[:, 1] == label, 0]
        if values.size:
            ax.hist(
                values,
                edges,
                alpha=0.6,
                color=colour,
                label=f'{name} ({values.size})')
    ax.axvline(image_threshold, color='k', linestyle='--')
    counts = ScoreCounts.from_scores(labelled[:, 0], labelled[:, 1])
    ax.text(
        0.02,
        0.97,
        _rates_text(counts, image_threshold, 'good images',
                    'defective images'),
        transform=ax.transAxes,
        va='top',
        fontsize=8)
    ax.set(
        xlabel='image score',
        ylabel='images',
        title='image scores' + ('' if calibrated else ' (uncalibrated)'))
    ax.legend(loc='upper right', fontsize=8)
    if pixels is not None:
        ax = axes[0, 1]
        merged = pixels.reshape(2, BINS, SCORE_BINS // BINS).sum(-1)
        for row, name, colour in ((0, 'background', 'tab:green'), (1, 'defect',
                                                                   'tab:red')):
            ax.stairs(
                np.maximum(merged[row], 0.5),
                edges,
                fill=True,
                alpha=0.6,
                color=colour,
                label=f'{name} pixels ({int(pixels[row].sum())})')
        ax.set_yscale('log')
        ax.set_ylim(bottom=0.8)  # empty bins (drawn at 0.5) stay hidden
        ax.axvline(pixel_threshold, color='k', linestyle='--')
        ax.text(
            0.02,
            0.97,
            _rates_text(
                ScoreCounts.from_histogram(*pixels), pixel_threshold,
                'background pixels', 'defect pixels'),
            transform=ax.transAxes,
            va='top',
            fontsize=8)
        ax.set(
            xlabel='defect probability',
            ylabel='pixels (log)',
            title='pixel scores')
        ax.legend(loc='upper right', fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=100)
    plt.close(fig)
    return buffer.getvalue()
