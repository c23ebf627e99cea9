"""Pure numpy/OpenCV drawing of masks, errors and heat maps (RGB images).

The error overlay follows the convention of the CADNet paper (Liu et al.,
Fig. 1 and Fig. 9): correctly found defect pixels are white, missed
detections green, wrong detections red, and the total number of error pixels
is written as "Err" in yellow.  Every function takes and returns ``uint8``
RGB arrays of shape (H, W, 3) and has no side effects, so the same drawing
serves the Runner's visualizer (``tools/test.py --show-dir``) and
``tools/infer.py``.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

WHITE = (255, 255, 255)
GREEN = (0, 255, 0)
RED = (255, 0, 0)
YELLOW = (255, 255, 0)


def color_mask(mask: np.ndarray,
               palette: Sequence[Sequence[int]]) -> np.ndarray:
    """Paint a (H, W) map of class indices with ``palette[class]`` (RGB).

    Values without a palette entry (e.g. the ignore index 255) stay black.
    """
    mask = np.asarray(mask)
    lut = np.zeros((256, 3), np.uint8)
    colors = np.asarray(palette, np.uint8).reshape(-1, 3)[:256]
    lut[:len(colors)] = colors
    return lut[mask.astype(np.uint8)]


def blend(image_rgb: np.ndarray,
          color: np.ndarray,
          alpha: float = 0.5,
          mask: Optional[np.ndarray] = None) -> np.ndarray:
    """``(1 - alpha) * image + alpha * color``, only where ``mask`` if given.

    Restricting the blend to the labelled pixels keeps the background of a
    prediction overlay as the untouched image rather than darkening it with
    the (black) background colour.
    """
    if image_rgb.shape != color.shape:
        raise ValueError(f'image shape {image_rgb.shape} and colour shape '
                         f'{color.shape} differ')
    mixed = (
        image_rgb.astype(np.float32) * (1 - alpha) +
        color.astype(np.float32) * alpha)
    mixed = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    if mask is None:
        return mixed
    out = image_rgb.copy()
    mask = np.asarray(mask, bool)
    out[mask] = mixed[mask]
    return out


def hatch(image_rgb: np.ndarray, spacing: int = 8) -> np.ndarray:
    """The image dimmed under grey diagonal stripes: a tile whose pixels
    have no ground truth (an image labelled without a mask), which must not
    read as a mask with nothing in it."""
    rows, cols = np.indices(image_rgb.shape[:2])
    stripes = (rows + cols) % spacing < spacing // 2
    out = (image_rgb.astype(np.float32) * 0.5 + 64).astype(np.uint8)
    out[stripes] = 160
    return out


def put_text(image: np.ndarray,
             text: str,
             origin: Tuple[int, int] = (2, 2),
             color: Sequence[int] = YELLOW,
             scale: Optional[float] = None) -> np.ndarray:
    """Write ``text`` with its top-left corner at ``origin`` (in place).

    The font scales with the image (readable from 64 to 2048 pixels); a thin
    black outline keeps it legible on white defects.
    """
    if scale is None:
        scale = max(0.3, min(image.shape[:2]) / 400)
    thickness = max(1, int(round(scale * 1.5)))
    (_, height), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX,
                                            scale, thickness)
    org = (origin[0], origin[1] + height)
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0),
                thickness + 2, cv2.LINE_AA)
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale,
                tuple(int(c) for c in color), thickness, cv2.LINE_AA)
    return image


def error_overlay(pred: np.ndarray,
                  gt: np.ndarray,
                  ignore_index: int = 255,
                  draw_count: bool = True) -> Tuple[np.ndarray, int]:
    """Error map of a prediction against its ground truth (CADNet Fig. 1/9).

    * white: defect pixel predicted with its correct class;
    * green: missed detection, a defect pixel predicted as background or as
      another defect class (the paper paints all defect classes white, so a
      pixel of the wrong class is not counted as found);
    * red: wrong detection, a background pixel predicted as a defect;
    * black: correct background and ignored pixels (``gt == ignore_index``).

    Args:
        pred, gt (np.ndarray): (H, W) class indices, 0 = background.
        ignore_index (int): Ground-truth value of pixels to leave out.
        draw_count (bool): Write "Err: N" in yellow in the top-left corner
            (turn off for images too small to hold the text).

    Returns:
        tuple: RGB image (H, W, 3) and N, the number of missed plus wrong
        pixels (the paper's "Err").
    """
    pred = np.asarray(pred)
    gt = np.asarray(gt)
    if pred.shape != gt.shape:
        raise ValueError(f'prediction shape {pred.shape} and ground-truth '
                         f'shape {gt.shape} differ')
    valid = gt != ignore_index
    defect = valid & (gt > 0)
    found = defect & (pred == gt)
    missed = defect & (pred != gt)
    wrong = valid & (gt == 0) & (pred > 0)
    out = np.zeros(gt.shape + (3, ), np.uint8)
    out[found] = WHITE
    out[missed] = GREEN
    out[wrong] = RED
    count = int(missed.sum() + wrong.sum())
    if draw_count:
        put_text(out, f'Err: {count}')
    return out, count


def heat_map(array: np.ndarray,
             colormap: int = cv2.COLORMAP_JET,
             value_range: Optional[Tuple[float, float]] = None) -> np.ndarray:
    """Normalise a (H, W) map and paint it with an OpenCV colormap.

    The map is min-max normalised, or mapped from ``value_range`` (values
    outside clipped) where the values have a meaning of their own, e.g. a
    probability.  A constant map becomes the colormap's lowest colour;
    NaN/inf are treated as the lowest value.
    """
    array = np.asarray(array, np.float32)
    if array.ndim != 2:
        raise ValueError(f'heat map must be (H, W), got {array.shape}')
    finite = np.isfinite(array)
    if not finite.any():
        array = np.zeros_like(array)
    else:
        low, high = value_range or (array[finite].min(), array[finite].max())
        array = np.where(finite, array, low)
        span = high - low
        array = (array - low) / span if span > 0 else np.zeros_like(array)
    gray = np.clip(np.rint(array * 255), 0, 255).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(gray, colormap), cv2.COLOR_BGR2RGB)


def make_panel(tiles: Sequence[Tuple[str, np.ndarray]],
               height: Optional[int] = None,
               gap: int = 4) -> np.ndarray:
    """Titled tiles side by side in one RGB image.

    Every tile is resized (aspect ratio kept) to a common ``height``, by
    default that of the tallest tile; nearest-neighbour upscaling keeps
    masks crisp.  Titles are written in a bar above the tiles.

    Args:
        tiles: ``(title, image)`` pairs; images are (H, W, 3) RGB or (H, W)
            gray ``uint8``.
        height (int, optional): Tile height in pixels.
        gap (int): Black columns between tiles.
    """
    if not tiles:
        raise ValueError('make_panel needs at least one tile')
    images = []
    for title, img in tiles:
        img = np.asarray(img)
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'tile {title!r} must be (H, W, 3) or (H, W), '
                             f'got {img.shape}')
        images.append(img.astype(np.uint8))
    height = height or max(img.shape[0] for img in images)
    resized = []
    for img in images:
        width = max(1, int(round(img.shape[1] * height / img.shape[0])))
        interp = (
            cv2.INTER_NEAREST if height >= img.shape[0] else cv2.INTER_AREA)
        resized.append(cv2.resize(img, (width, height), interpolation=interp))
    scale = max(0.35, height / 500)
    bar = int(
        cv2.getTextSize('Ag', cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][1] *
        2) + 4
    total_width = sum(img.shape[1] for img in resized) + gap * (
        len(resized) - 1)
    panel = np.zeros((bar + height, total_width, 3), np.uint8)
    x = 0
    for (title, _), img in zip(tiles, resized):
        panel[bar:, x:x + img.shape[1]] = img
        # Drawn on a contiguous copy (OpenCV cannot draw into a strided
        # view) so that a long title is clipped to its own tile.
        head = np.ascontiguousarray(panel[:bar, x:x + img.shape[1]])
        panel[:bar, x:x + img.shape[1]] = put_text(head, title, (2, 2), WHITE,
                                                   scale)
        x += img.shape[1] + gap
    return panel
