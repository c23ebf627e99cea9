"""Defects and global change of SynLCD (CADNet, Section 4.1, Table 1).

A defective sample is ``x_ng = sigma(x_ok (+) x_defect)`` (Eq. 1): line and
abnormal-point (abpt) layers are overlaid on the template ``x_ok`` and the
global screen change ``sigma`` is applied last. The values the paper leaves
open are listed in the package docstring and in docs/synlcd.md.
"""
from functools import lru_cache

import cv2
import numpy as np

from .patterns import REFERENCE_SIZE, make_pattern, resolve_pattern

SAMPLE_TYPES = ('line', 'abpt', 'mixed', 'clean')

# Table 1. Colours are RGB; line widths and abpt radii are for 512x512.
DEFECT_COLORS = ((0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0,
                                                                        255))
OPACITIES = tuple(i / 10 for i in range(1, 11))
LINE_WIDTHS = tuple(range(3, 34, 3))
ABPT_RADII = (2, 3, 4, 5, 6)
BRIGHTNESS_BIASES = tuple(range(1, 7))
CONTRAST_ALPHAS = tuple(i / 10 for i in range(5, 16))
ISO_LEVELS = tuple(i / 10 for i in range(1, 11))
RGB_DEVIATIONS = tuple(range(3, 34, 3))

VISIBLE_DIFF = 3  # grey levels a label pixel must change by
ABPT_THRESHOLDS = tuple(range(50, 201, 10))
ABPT_MAX_AREA = 0.01  # fraction of the image
POISSON_PROB = 0.5
ISO_LUMA_STD = 10.0
ISO_CHROMA_STD = 4.0
MAX_TRIES = 20


@lru_cache(maxsize=None)
def edge_points(pattern, size=REFERENCE_SIZE):
    """Boundary points of ``gray > t`` for t = 50, 60, ..., 200.

    Returns (N, 2) int32 (x, y) points and (N,) float64 sampling weights: a
    point's weight is the number of thresholds it is a boundary point of, so
    sharp edges, hair and text (boundaries at many levels) are favoured over
    smooth shading (one level).
    """
    gray = cv2.cvtColor(make_pattern(pattern, size), cv2.COLOR_RGB2GRAY)
    kernel = np.ones((3, 3), np.uint8)
    count = np.zeros(gray.shape, np.int32)
    for t in ABPT_THRESHOLDS:
        binary = (gray > t).astype(np.uint8)
        count += cv2.morphologyEx(binary, cv2.MORPH_GRADIENT, kernel)
    ys, xs = np.nonzero(count)
    pts = np.stack([xs, ys], 1).astype(np.int32)
    weights = count[ys, xs].astype(np.float64)
    pts.flags.writeable = weights.flags.writeable = False
    return pts, weights / weights.sum()


def _scaled(px, size):
    return max(1, round(px * size / REFERENCE_SIZE))


def _soften(core, sigma):
    return cv2.GaussianBlur(core.astype(np.float32), (0, 0), sigma)


def _changed(a, b):
    return np.abs(a.astype(np.int16) - b).max(-1) >= VISIBLE_DIFF


def _poisson(src, dst, region):
    """MIXED_CLONE ``src`` into ``dst`` inside ``region``, one connected
    part at a time (small solves instead of one over the whole screen)."""
    out = dst.copy()
    s = dst.shape[0]
    n, parts, boxes, _ = cv2.connectedComponentsWithStats(region, None, 8)
    for i in range(1, n):
        x, y, w, h = boxes[i, :4]
        x0, y0 = max(x - 1, 0), max(y - 1, 0)
        x1, y1 = min(x + w + 1, s), min(y + h + 1, s)
        mask = (parts[y0:y1, x0:x1] == i).astype(np.uint8) * 255
        mask[[0, -1]] = 0  # seamlessClone ignores the patch border anyway
        mask[:, [0, -1]] = 0
        bx, by, bw, bh = cv2.boundingRect(mask)
        if bw < 2 or bh < 2:
            continue
        inside = mask > 0
        # seamlessClone overwrites the mask it is given, hence the copy
        patch = cv2.seamlessClone(
            np.ascontiguousarray(src[y0:y1, x0:x1]),
            np.ascontiguousarray(dst[y0:y1, x0:x1]), mask.copy(),
            (bx + bw // 2, by + bh // 2), cv2.MIXED_CLONE)
        out[y0:y1, x0:x1][inside] = patch[inside]
    return out


def _fuse(rng, base, src, coverage):
    """Fuse the alpha composite ``src`` into ``base``; returns the image and
    the label (footprint pixels that changed visibly)."""
    src = np.clip(src, 0, 255).round().astype(np.uint8)
    fused = src
    if rng.random() < POISSON_PROB:
        # OpenCV erodes the clone mask by 3 px before taking the guidance
        # field, so the mask must reach 4 px past the soft footprint.
        region = cv2.dilate((coverage > 0.02).astype(np.uint8),
                            np.ones((9, 9), np.uint8))
        cloned = _poisson(src, base, region).astype(np.float32)
        # The solve drifts a little all over the region; keep its result to
        # the soft footprint so nothing changes beyond the blur halo.
        weight = np.minimum(1, 2 * coverage)[..., None]
        fused = (base + (cloned - base) * weight).round().astype(np.uint8)
    label = (coverage >= 0.5) & _changed(fused, base)
    if fused is not src and not label.any():
        fused, label = src, (coverage >= 0.5) & _changed(src, base)
    return fused, label


def _visible_paint(rng, src, on):
    """Colour and opacity for a shape covering ``on``, redrawn (at most
    MAX_TRIES times) until >= 30 % of the shape would visibly change, so no
    defect is lost entirely (a faint white line on white, say)."""
    for _ in range(MAX_TRIES):
        color = np.array(DEFECT_COLORS[rng.integers(len(DEFECT_COLORS))],
                         np.float32)
        opacity = float(rng.choice(OPACITIES))
        contrast = opacity * np.abs(color - src[on]).max(-1)
        if np.mean(contrast > VISIBLE_DIFF) >= 0.3:
            break
    return color, opacity


def _paint(src, core, sigma, color, opacity):
    cov = _soften(core, sigma)
    alpha = (cov * opacity)[..., None]
    return src * (1 - alpha) + color * alpha, cov


def add_lines(rng, base):
    """Line defects: K bands, one edge-to-edge line per band."""
    s = base.shape[0]
    src = base.astype(np.float32)
    coverage = np.zeros((s, s), np.float32)
    n_areas = int(rng.integers(1, 4))
    vertical = bool(rng.random() < 0.5)
    bounds = np.linspace(0, s, n_areas + 1)
    for k in range(n_areas):
        width = _scaled(rng.choice(LINE_WIDTHS), s)
        a = rng.uniform(bounds[k], bounds[k + 1])
        b = rng.uniform(bounds[k], bounds[k + 1]) if rng.random() < 1 / 3 \
            else a
        # 1/16 px precision via shift=4; the ends lie beyond the borders
        p1, p2 = (-width, a), (s - 1 + width, b)
        if vertical:
            p1, p2 = p1[::-1], p2[::-1]
        core = np.zeros((s, s), np.uint8)
        cv2.line(core, tuple(int(round(v * 16)) for v in p1),
                 tuple(int(round(v * 16)) for v in p2), 1, width, cv2.LINE_8,
                 4)
        color, opacity = _visible_paint(rng, src, core > 0)
        src, cov = _paint(src, core, 0.5 + 0.05 * width, color, opacity)
        coverage = np.maximum(coverage, cov)
    return _fuse(rng, base, src, coverage)


@lru_cache(maxsize=None)
def _kmeans():
    # One OpenMP thread: K-means runs on at most 96 points, where waking a
    # thread team costs more than the clustering (and workers share cores).
    from sklearn.cluster import KMeans
    from threadpoolctl import ThreadpoolController  # scikit-learn's own dep
    return KMeans, ThreadpoolController()


def add_abpt(rng, base, points, weights):
    """Abnormal points: K-means clusters of edge points drawn as dots."""
    KMeans, threads = _kmeans()
    s = base.shape[0]
    max_area = ABPT_MAX_AREA * s * s
    src = base.astype(np.float32)
    coverage = np.zeros((s, s), np.float32)
    n_clusters = int(rng.integers(2, 7))
    n_points = min(
        int(rng.integers(4 * n_clusters, 16 * n_clusters + 1)), 96,
        len(points))
    pts = points[np.sort(rng.choice(len(points), n_points, False, weights))]
    n_clusters = min(n_clusters, n_points)
    kmeans = KMeans(
        n_clusters, n_init=1, random_state=int(rng.integers(2**31)))
    with threads.limit(limits=1, user_api='openmp'):
        groups = kmeans.fit_predict(pts.astype(np.float64))
    area = 0.0
    for c in range(n_clusters):
        radius = _scaled(rng.choice(ABPT_RADII), s)
        core = np.zeros((s, s), np.uint8)
        for x, y in pts[groups == c]:
            area += np.pi * (radius + 0.5)**2
            if area > max_area:
                break
            cv2.circle(core, (int(x), int(y)), radius, 1, -1, cv2.LINE_8)
        if not core.any():
            break
        color, opacity = _visible_paint(rng, src, core > 0)
        src, cov = _paint(src, core, 0.4 + 0.25 * radius, color, opacity)
        coverage = np.maximum(coverage, cov)
    return _fuse(rng, base, src, coverage)


def global_change(rng, img):
    """sigma of Eq. (1): contrast, brightness, RGB deviation and ISO noise."""
    alpha = float(rng.choice(CONTRAST_ALPHAS))
    bias = float(rng.choice(BRIGHTNESS_BIASES))
    dev = float(rng.choice(RGB_DEVIATIONS))
    iso = float(rng.choice(ISO_LEVELS))
    x = alpha * img.astype(np.float32) + bias + rng.uniform(
        -dev, dev, 3).astype(np.float32)
    x = np.clip(x, 0, 255)
    luma_std = iso * ISO_LUMA_STD * (0.2 + 0.8 * np.sqrt(x.mean(-1) / 255))
    luma_noise = luma_std * rng.standard_normal(luma_std.shape, np.float32)
    x += luma_noise[..., None]
    x += iso * ISO_CHROMA_STD * rng.standard_normal(x.shape, np.float32)
    return np.clip(x, 0, 255).round().astype(np.uint8)


def render_sample(pattern,
                  sample_type,
                  index,
                  seed=0,
                  size=REFERENCE_SIZE,
                  apply_sigma=True):
    """One sample: (image RGB uint8, mask uint8 with values 0/1/2).

    ``apply_sigma=False`` skips only the final global change; the defects are
    identical to those of the sigma-ed sample with the same arguments.
    """
    if sample_type not in SAMPLE_TYPES:
        raise ValueError(f'sample_type must be one of {SAMPLE_TYPES}, got '
                         f'{sample_type!r}')
    pid = resolve_pattern(pattern)
    rng = np.random.default_rng(
        [seed, pid, SAMPLE_TYPES.index(sample_type), index])
    image = clean = make_pattern(pid, size)
    mask = np.zeros((size, size), np.uint8)
    if sample_type in ('line', 'mixed'):
        image, label = add_lines(rng, image)
        mask[label] = 1
    if sample_type in ('abpt', 'mixed'):
        image, label = add_abpt(rng, image, *edge_points(pid, size))
        mask[label] = 2
        # a dot may have cancelled a line (or itself) back to the template
        mask[~_changed(image, clean)] = 0
    if apply_sigma:
        image = global_change(rng, image)
    return np.array(image), mask  # a copy: the template is cached
