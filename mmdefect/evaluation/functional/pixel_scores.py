"""Per-pixel defect scores of a prediction, counted for ranking metrics and
calibration."""
from typing import Optional, Tuple

import numpy as np
import torch

from mmdefect.models.segmentors import defect_probability

# Defect probabilities are counted in this many equal bins of [0, 1]: the
# ranking metrics and pixel thresholds resolve scores to 1e-3.
SCORE_BINS = 1000


def score_bins(probability: torch.Tensor) -> torch.Tensor:
    """Bin index of every probability; bin ``b`` holds ``[b, b + 1) /
    SCORE_BINS`` (a probability of exactly 1 falls into the last bin)."""
    return (probability.float() * SCORE_BINS).long().clamp(0, SCORE_BINS - 1)


def pixel_scores(
        data_sample: dict,
        ignore_index: int = 255
) -> Optional[Tuple[torch.Tensor, torch.Tensor]]:
    """``(probability, label)`` of a prediction with ``seg_logits``:
    the (H, W) defect probability and the (H, W) ground truth (1 defect, 0
    background, ``ignore_index`` unlabelled); None without ``seg_logits`` or
    a ground-truth mask."""
    if 'seg_logits' not in data_sample or 'gt_sem_seg' not in data_sample:
        return None
    probability = defect_probability(data_sample['seg_logits']['data'])
    label = data_sample['gt_sem_seg']['data'].squeeze().to(probability.device)
    binary = torch.where(label == ignore_index, label, (label > 0).to(label))
    return probability, binary


def pixel_histogram(probability: torch.Tensor,
                    label: torch.Tensor,
                    ignore_index: int = 255) -> torch.Tensor:
    """(2, SCORE_BINS) counts of background (row 0) and defect (row 1)
    pixels per probability bin; ignored pixels left out."""
    kept = label != ignore_index
    index = label[kept].long() * SCORE_BINS + score_bins(probability)[kept]
    return torch.bincount(
        index, minlength=2 * SCORE_BINS).view(2, SCORE_BINS).cpu()


def max_in(probability: torch.Tensor, where: torch.Tensor) -> float:
    """Largest probability over the pixels ``where`` is true; NaN if
    none."""
    if not bool(where.any()):
        return float('nan')
    return float(probability[where].max())


def binned_counts(histogram: np.ndarray, factor: int) -> list:
    """A histogram with every ``factor`` neighbouring bins merged, as a
    list (for JSON records and plots)."""
    histogram = np.asarray(histogram)
    return histogram.reshape(*histogram.shape[:-1], -1,
                             factor).sum(-1).tolist()
