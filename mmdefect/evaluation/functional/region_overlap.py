"""Per-region overlap (PRO) of a pixel score map and the area under its
curve up to a false-positive rate (AUPRO).

Bergmann et al., "The MVTec Anomaly Detection Dataset", IJCV 2021, Sec. 4.2:
every connected defect region of the ground truth counts equally, however
small, as the share of its pixels the thresholded map covers; averaged over
the regions and plotted against the false-positive rate on defect-free
pixels, the curve is integrated up to a rate (30 % there) and divided by it
so that a perfect map scores 1.
"""
import cv2
import numpy as np


def region_histograms(score_bins: np.ndarray, label: np.ndarray,
                      num_bins: int) -> np.ndarray:
    """(R, num_bins) counts of each defect region's pixels per score bin.

    Args:
        score_bins (np.ndarray): (H, W) bin index of each pixel's score.
        label (np.ndarray): (H, W) bool, the defect pixels; regions are its
            8-connected components (as the MVTec AD evaluation labels them,
            with a 3x3 structuring element).
        num_bins (int): Number of score bins.
    """
    count, regions = cv2.connectedComponents(
        label.astype(np.uint8), connectivity=8)
    if count <= 1:
        return np.zeros((0, num_bins), np.int64)
    index = (regions - 1)[label] * num_bins + score_bins[label]
    return np.bincount(
        index.ravel(),
        minlength=(count - 1) * num_bins).reshape(count - 1, num_bins)


def aupro(background: np.ndarray,
          regions: np.ndarray,
          max_fpr: float = 0.3) -> float:
    """Normalised area under the PRO curve up to ``max_fpr``.

    Args:
        background (np.ndarray): (B,) defect-free pixels per score bin.
        regions (np.ndarray): (R, B) pixels of each defect region per bin.
        max_fpr (float): Upper limit of the false-positive rate.

    Returns:
        float: In [0, 1]; NaN without regions or defect-free pixels.
    """
    background = np.asarray(background, dtype=np.float64)
    regions = np.asarray(regions, dtype=np.float64)
    if len(regions) == 0 or background.sum() == 0:
        return float('nan')
    # Thresholds from above every bin (nothing flagged) down to bin 0.
    fpr = np.concatenate([[0.0], np.cumsum(background[::-1])]) / \
        background.sum()
    covered = np.cumsum(
        regions[:, ::-1], axis=1) / regions.sum(
            1, keepdims=True)
    pro = np.concatenate([[0.0], covered.mean(0)])
    # Equal rates at successive thresholds give vertical steps, which the
    # trapezoid rule integrates to zero width.
    end = np.searchsorted(fpr, max_fpr, side='right')
    xs, ys = fpr[:end], pro[:end]
    if xs[-1] < max_fpr and end < len(fpr):
        y_end = np.interp(max_fpr, fpr[end - 1:end + 1], pro[end - 1:end + 1])
        xs, ys = np.append(xs, max_fpr), np.append(ys, y_end)
    return float(np.trapezoid(ys, xs) / max_fpr)
