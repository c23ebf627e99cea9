"""Anti-aliased drawing on float RGB canvases (numpy + OpenCV).

Shapes are drawn as coverage in [0, 1] (OpenCV's anti-aliased polygon
filling with 4 bits of sub-pixel precision) on a small window around them,
a :class:`Patch`, and composited with :func:`paint`; every element of a
scene thus has an exact footprint that the label rule can use, and drawing
costs in proportion to the element, not to the canvas.
"""
from math import comb
from typing import Tuple

import cv2
import numpy as np

SHIFT = 4  # sub-pixel bits of the OpenCV drawing calls
SCALE = 1 << SHIFT


class Patch:
    """Coverage ``values`` (float32, h x w) whose top-left pixel is (y, x)
    of the canvas."""

    __slots__ = ('values', 'y', 'x')

    def __init__(self, values: np.ndarray, y: int, x: int) -> None:
        self.values, self.y, self.x = values, y, x

    @property
    def window(self) -> Tuple[slice, slice]:
        h, w = self.values.shape
        return slice(self.y, self.y + h), slice(self.x, self.x + w)

    def full(self, shape) -> np.ndarray:
        """The coverage on the whole canvas."""
        out = np.zeros(shape[:2], np.float32)
        out[self.window] = self.values
        return out

    def times(self, keep: np.ndarray) -> 'Patch':
        """This coverage multiplied by a canvas-sized ``keep`` map."""
        return Patch(self.values * keep[self.window], self.y, self.x)


def _window(shape, points, margin):
    points = np.asarray(points, np.float64)
    y0 = int(max(np.floor(points[:, 1].min()) - margin, 0))
    x0 = int(max(np.floor(points[:, 0].min()) - margin, 0))
    y1 = int(min(np.ceil(points[:, 1].max()) + margin + 1, shape[0]))
    x1 = int(min(np.ceil(points[:, 0].max()) + margin + 1, shape[1]))
    return y0, x0, max(y1 - y0, 1), max(x1 - x0, 1)


def _fixed(points, y0, x0) -> np.ndarray:
    points = np.asarray(points, np.float64) - [x0, y0]
    return np.round(points * SCALE).astype(np.int32)


def polygon_mask(shape, *polygons) -> Patch:
    """Coverage of filled polygons (their union) given in canvas pixels."""
    y0, x0, h, w = _window(shape, np.vstack(polygons), 2)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [_fixed(p, y0, x0) for p in polygons], 255, cv2.LINE_AA,
                 SHIFT)
    return Patch(mask.astype(np.float32) / 255, y0, x0)


def stroke_mask(shape, points, width: float) -> Patch:
    """Coverage of a polyline of ``width`` pixels.

    OpenCV strokes have integer widths; a fractional width is drawn as the
    next integer width with its coverage scaled, which keeps the stroke's
    total ink proportional to the width.
    """
    thickness = max(1, int(np.ceil(width)))
    y0, x0, h, w = _window(shape, points, thickness + 2)
    mask = np.zeros((h, w), np.uint8)
    cv2.polylines(mask, [_fixed(points, y0, x0)], False, 255, thickness,
                  cv2.LINE_AA, SHIFT)
    scale = min(1.0, width / thickness)
    return Patch(mask.astype(np.float32) / 255 * scale, y0, x0)


def paint(image: np.ndarray,
          patch: Patch,
          color,
          opacity: float = 1.0,
          texture: np.ndarray = None) -> None:
    """Blend a colour (plus the window of a canvas-sized grey ``texture``)
    into ``image`` in place."""
    window = patch.window
    color = np.asarray(color, np.float32)
    if texture is not None:
        color = color + texture[window][..., None]
    alpha = (patch.values * opacity)[..., None]
    target = image[window]
    target *= 1 - alpha
    target += alpha * color


def rotated_rect(cx, cy, w, h, angle_deg) -> np.ndarray:
    """Corners (4 x 2) of a ``w`` x ``h`` rectangle centred at (cx, cy)."""
    a = np.deg2rad(angle_deg)
    c, s = np.cos(a), np.sin(a)
    corners = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
    return corners @ np.array([[c, s], [-s, c]]) + [cx, cy]


def rounded_rect(cx, cy, w, h, radius, steps: int = 6) -> np.ndarray:
    """Outline of an axis-aligned rectangle with rounded corners."""
    radius = min(radius, w / 2, h / 2)
    points = []
    for (sx, sy), start in zip(((1, 1), (-1, 1), (-1, -1), (1, -1)),
                               (0, 90, 180, 270)):
        ox, oy = cx + sx * (w / 2 - radius), cy + sy * (h / 2 - radius)
        for t in np.linspace(start, start + 90, steps):
            points.append((ox + radius * np.cos(np.deg2rad(t)),
                           oy + radius * np.sin(np.deg2rad(t))))
    return np.array(points)


def bezier(points, num: int = 24) -> np.ndarray:
    """``num`` points along the Bezier curve of the control ``points``."""
    points = np.asarray(points, np.float64)
    t = np.linspace(0, 1, num)[:, None]
    order = len(points) - 1
    return sum(
        comb(order, i) * (1 - t)**(order - i) * t**i * points[i]
        for i in range(order + 1))


def local_to_world(points, cx, cy, angle_deg) -> np.ndarray:
    """Rotate points given relative to a centre by ``angle_deg`` and move
    them to (cx, cy)."""
    a = np.deg2rad(angle_deg)
    c, s = np.cos(a), np.sin(a)
    return np.asarray(points, np.float64) @ np.array([[c, s], [-s, c]]) + [
        cx, cy
    ]


def smooth_noise(rng: np.random.Generator,
                 shape,
                 sigma: float,
                 angle: float = 0.,
                 streak: float = 0.) -> np.ndarray:
    """Unit-variance Gaussian noise smoothed with ``sigma`` pixels; with
    ``streak`` > 1 also smeared over that many pixels along ``angle``
    (brushed metal)."""
    noise = rng.standard_normal(shape[:2], np.float32)
    if sigma > 0.3:
        noise = cv2.GaussianBlur(noise, (0, 0), sigma)
    if streak > 1:
        length = int(np.ceil(streak)) | 1
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2] = 1
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5),
                                      angle, 1)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        noise = cv2.filter2D(noise, -1, kernel / max(kernel.sum(), 1e-6))
    std = noise.std()
    return noise / std if std > 0 else noise
