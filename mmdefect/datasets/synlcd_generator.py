"""SynLCD: the synthetic LCD-defect data set of CADNet.

Reimplements the generator described in Section 4.1 ("Synthetic LCD defect
dataset"), Fig. 4, Fig. 5 and Table 1 of the CADNet paper. A defective sample
follows Eq. (1),

    x_ng = sigma(x_ok (+) x_defect),

where ``x_ok`` is one of ten defect-free display patterns, ``(+)`` overlays
line and abnormal-point (abpt) defects with Gaussian-blurred alpha masks or
Poisson seamless cloning, and ``sigma`` is a global screen change (brightness,
contrast, ISO noise and RGB deviation). Defect-free samples are
``sigma(x_ok)``. Templates (``x_ok``) are written without ``sigma``.

Table 1 values used as given: 5 defect colours (black, white, red, green,
blue), opacity 10-100 % in 10 % steps, line width 3-33 px in 3 px steps (the
table's "3 % interval" read as 3 px), brightness bias 1-6, contrast alpha
0.5-1.5 in 0.1 steps, ISO noise 10-100 % in 10 % steps, RGB deviation 3-33
grey levels in 3-level steps, 10 patterns split 7 train / 3 test.

Choices the paper leaves open (see docs/synlcd.md for the full list):

* Counts follow the text, not Table 1: 600 samples per pattern, i.e. 100 line,
  100 abpt, 100 mixed and 300 defect-free (4,200 train / 1,800 test). Table 1
  ("10x300x3" defective, "10x900" defect-free) contradicts those totals.
* The patterns are our own procedural rebuilds of the families of Fig. 4
  (colour blocks, grey transitions, colour maps, text, faces); faces come from
  images shipped with scikit-image.
* Line widths (and abpt radii) are given for 512x512 and scaled by size/512.
* Line areas: the screen is cut into K in {1, 2, 3} equal bands along one
  axis; each band gets one edge-to-edge line inside it, straight with
  probability 2/3, otherwise slanted.
* abpt: edge points are the morphological-gradient pixels of the binary masks
  ``gray > t`` for t = 50, 60, ..., 200; 4k-16k of them (k in 2..6 clusters,
  at most 96 points) are grouped by K-means; each cluster gets one colour,
  radius (2-6 px at 512) and opacity; the total dot area is capped at 1 % of
  the image.
* Fusion: each defect layer (all lines, or all dots) is alpha-blended with a
  Gaussian-softened mask and, with probability 1/2, then fused by
  ``cv2.seamlessClone(..., MIXED_CLONE)`` so the background texture shows
  through the defect.
* Label: a pixel is labelled where the defect's softened coverage is >= 0.5
  (its drawn footprint) and the fused image differs from the image before
  that layer by >= 3 grey levels in some channel (measured before sigma), so
  every label pixel is visibly changed. Values: 0 background, 1 line, 2 abpt;
  in mixed samples the dots are drawn over the lines and label 2 wins.
* sigma: ``y = clip(alpha * x + b + d_c + n)`` with per-channel offset
  ``d_c ~ U(-d, d)`` and noise ``n`` = luminance-dependent (shot-like) noise
  with std ``iso * 10 * (0.2 + 0.8 * sqrt(L / 255))`` plus per-channel colour
  noise with std ``iso * 4`` (grey levels).

Every sample draws from its own ``numpy.random.default_rng([seed, pattern,
type, index])``, so the output does not depend on the number of workers.
Only numpy, OpenCV, scikit-image and scikit-learn are used, so the module runs
without torch or the OpenMMLab stack.
"""
import json
import multiprocessing as mp
import os
import shutil
import signal
from functools import lru_cache

import cv2
import numpy as np

GENERATOR_VERSION = '1.0.0'

CLASSES = ('background', 'line', 'abpt')
SAMPLE_TYPES = ('line', 'abpt', 'mixed', 'clean')
SPLITS = ('train', 'test')

# Table 1. Colours are RGB; line widths and abpt radii are for 512x512.
DEFECT_COLORS = ((0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0),
                 (0, 0, 255))
OPACITIES = tuple(i / 10 for i in range(1, 11))
LINE_WIDTHS = tuple(range(3, 34, 3))
ABPT_RADII = (2, 3, 4, 5, 6)
BRIGHTNESS_BIASES = tuple(range(1, 7))
CONTRAST_ALPHAS = tuple(i / 10 for i in range(5, 16))
ISO_LEVELS = tuple(i / 10 for i in range(1, 11))
RGB_DEVIATIONS = tuple(range(3, 34, 3))

REFERENCE_SIZE = 512
MIN_SIZE = 64
MIN_PER_PATTERN = 6
VISIBLE_DIFF = 3  # grey levels a label pixel must change by
ABPT_THRESHOLDS = tuple(range(50, 201, 10))
ABPT_MAX_AREA = 0.01  # fraction of the image
POISSON_PROB = 0.5
ISO_LUMA_STD = 10.0
ISO_CHROMA_STD = 4.0
MAX_TRIES = 20


# --------------------------------------------------------------------------
# Display patterns (Fig. 4). Each is a fixed function of the size, RGB uint8.
# --------------------------------------------------------------------------
def _cuts(n, length):
    return np.linspace(0, length, n + 1).round().astype(int)


def _resize(img, h, w):
    shrink = img.shape[0] > h or img.shape[1] > w
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA
                      if shrink else cv2.INTER_CUBIC)


def _fill_blocks(img, colors, rows, cols):
    ys, xs = _cuts(rows, img.shape[0]), _cuts(cols, img.shape[1])
    for i, color in enumerate(colors):
        r, c = divmod(i, cols)
        img[ys[r]:ys[r + 1], xs[c]:xs[c + 1]] = color


def _ramp(h, w, reverse=False, steps=0):
    x = np.linspace(0.0, 255.0, w)
    if steps:
        x = np.minimum(np.floor(x / 256.0 * steps), steps - 1) * (
            255.0 / (steps - 1))
    if reverse:
        x = x[::-1]
    return np.repeat(np.broadcast_to(x, (h, w))[..., None], 3, 2).round()


def _put_lines(img, lines, color, scale, font=cv2.FONT_HERSHEY_SIMPLEX,
               top=0.0, left=0.04, gap=1.7):
    """Write text lines; ``scale`` is the font scale at 512 px width."""
    u = img.shape[1] / REFERENCE_SIZE
    fs, thick = scale * u, max(1, round(2 * scale * u))
    (_, th), _ = cv2.getTextSize('Ag', font, fs, thick)
    x, y = round(left * img.shape[1]), round(top * img.shape[0]) + th
    for line in lines:
        y += round(th * (gap - 1))
        cv2.putText(img, line, (x, y), font, fs, color, thick, cv2.LINE_AA)
        y += th


def _rgb_blocks(s):
    img = np.zeros((s, s, 3), np.uint8)
    top = round(0.6 * s)
    _fill_blocks(img[:top], [(255, 255, 255), (255, 255, 0), (0, 255, 255),
                             (0, 255, 0), (255, 0, 255), (255, 0, 0),
                             (0, 0, 255), (0, 0, 0)], 1, 8)
    _fill_blocks(img[top:], [(255, 0, 0), (0, 255, 0), (0, 0, 255),
                             (128, 0, 0), (0, 128, 0), (0, 0, 128)] +
                 [(v, v, v) for v in (0, 51, 102, 153, 204, 255)], 2, 6)
    return img


def _gray_ramps(s):
    ys = _cuts(4, s)
    bands = [dict(), dict(steps=16), dict(reverse=True),
             dict(reverse=True, steps=32)]
    return np.concatenate([
        _ramp(ys[i + 1] - ys[i], s, **kw) for i, kw in enumerate(bands)
    ]).astype(np.uint8)


def _jet_map(s):
    yy, xx = np.mgrid[0:s, 0:s] / s
    f = (0.5 + 0.25 * np.sin(2 * np.pi * (1.5 * xx + 0.5 * yy)) +
         0.25 * np.cos(2 * np.pi * 3 * np.hypot(xx - 0.5, yy - 0.5)))
    gray = np.clip(f * 255, 0, 255).round().astype(np.uint8)
    return cv2.applyColorMap(gray, cv2.COLORMAP_JET)[..., ::-1].copy()


def _text_block(s):
    img = np.full((s, s, 3), 255, np.uint8)
    split = round(0.62 * s)
    img[split:] = 0
    _put_lines(img, [
        'LCD DISPLAY TEST 0123', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
        'abcdefghijklmnopqrstuvwxyz', 'The quick brown fox jumps',
        'over the lazy dog. 456789', '!?#%&*()[]{}<>+-=/:;@$'
    ], (0, 0, 0), 0.75, top=0.0)
    _put_lines(img[split:], [
        'Pixel inspection pattern 01 - white on black',
        'Pixel inspection pattern 02 - yellow on black',
        'Pixel inspection pattern 03 - cyan on black'
    ], (255, 255, 255), 0.5, top=0.02)
    _put_lines(img[split + round(0.2 * s):], ['GAMMA 2.2  CONTRAST 1000:1'],
               (255, 255, 0), 0.8)
    return img


def _astronaut(s):
    from skimage import data
    return _resize(data.astronaut(), s, s)


def _bars_ramp_text(s):
    img = np.full((s, s, 3), 32, np.uint8)
    top, mid = round(0.4 * s), round(0.6 * s)
    _fill_blocks(img[:top], [(191, 191, 191), (191, 191, 0), (0, 191, 191),
                             (0, 191, 0), (191, 0, 191), (191, 0, 0),
                             (0, 0, 191)], 1, 7)
    img[top:mid] = _ramp(mid - top, s)
    for i, (name, color) in enumerate([('RED 255 0 0', (255, 0, 0)),
                                       ('GREEN 0 255 0', (0, 255, 0)),
                                       ('BLUE 0 0 255', (0, 0, 255)),
                                       ('WHITE 255 255 255', (255, 255, 255))
                                       ]):
        _put_lines(img[mid:], [name], color, 0.9, top=0.02 + 0.24 * i, gap=1)
    return img


def _camera_wedge(s):
    from skimage import data
    img = cv2.cvtColor(_resize(data.camera(), s, s), cv2.COLOR_GRAY2RGB)
    wedge = round(s / 8)
    img[s - wedge:] = _ramp(wedge, s, steps=16)
    return img


def _faces_lfw(s):
    from skimage import data
    faces = data.lfw_subset()[:36]  # the first 100 of the 200 are faces
    tints = np.array([(1.0, 1.0, 1.0), (1.0, 0.85, 0.7), (0.75, 0.9, 1.0)])
    img = np.zeros((s, s, 3), np.float64)
    ys = xs = _cuts(6, s)
    for i, face in enumerate(faces):
        r, c = divmod(i, 6)
        cell = _resize(face.astype(np.float32), ys[r + 1] - ys[r],
                       xs[c + 1] - xs[c])
        img[ys[r]:ys[r + 1], xs[c]:xs[c + 1]] = cell[..., None] * tints[
            (r + c) % 3]
    return np.clip(img * 255, 0, 255).round().astype(np.uint8)


def _hue_wheel(s):
    img = _ramp(s, s).transpose(1, 0, 2).astype(np.uint8).copy()
    yy, xx = np.mgrid[0:s, 0:s] - (s - 1) / 2
    radius = np.hypot(xx, yy) / (0.42 * s)
    hsv = np.stack([(np.arctan2(yy, xx) / np.pi + 1) * 90,
                    np.clip(radius, 0, 1) * 255,
                    np.full((s, s), 255.0)], -1)
    wheel = cv2.cvtColor(np.minimum(hsv.round(), [179, 255, 255]).astype(
        np.uint8), cv2.COLOR_HSV2RGB)
    inside = radius <= 1
    img[inside] = wheel[inside]
    return img


def _mosaic(s):
    from skimage import data
    h = s // 2
    img = np.zeros((s, s, 3), np.uint8)
    coffee = data.coffee()
    side = min(coffee.shape[:2])
    x0 = (coffee.shape[1] - side) // 2
    img[:h, :h] = _resize(coffee[:side, x0:x0 + side], h, h)
    _fill_blocks(img[:h, h:], [(255, 255, 0), (0, 255, 255), (255, 0, 255),
                               (255, 128, 0), (128, 0, 255), (0, 255, 128),
                               (64, 64, 64), (192, 192, 192),
                               (255, 192, 203)], 3, 3)
    img[h:, :h] = (250, 240, 200)
    _put_lines(img[h:, :h], ['MURA', 'Test 42', 'AaBbCcDd', '9876543210'],
               (20, 30, 120), 0.6, font=cv2.FONT_HERSHEY_COMPLEX, top=0.02)
    ys = _cuts(4, s - h)
    for i, channel in enumerate(((1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 1))):
        img[h + ys[i]:h + ys[i + 1], h:] = _ramp(ys[i + 1] - ys[i], s - h) * \
            channel
    return img


PATTERNS = {
    '00_rgb_blocks': _rgb_blocks,
    '01_gray_ramps': _gray_ramps,
    '02_jet_map': _jet_map,
    '03_text_block': _text_block,
    '04_astronaut': _astronaut,
    '05_bars_ramp_text': _bars_ramp_text,
    '06_camera_wedge': _camera_wedge,
    '07_faces_lfw': _faces_lfw,
    '08_hue_wheel': _hue_wheel,
    '09_mosaic': _mosaic,
}
PATTERN_NAMES = tuple(PATTERNS)
# One unseen face, one unseen colour map and one unseen mixed pattern; every
# family keeps at least one training pattern.
DEFAULT_TEST_PATTERNS = ('07_faces_lfw', '08_hue_wheel', '09_mosaic')


def resolve_pattern(key):
    """Pattern id from an id, a full name or its two-digit prefix."""
    if isinstance(key, (int, np.integer)) and 0 <= key < len(PATTERN_NAMES):
        return int(key)
    key = str(key)
    for i, name in enumerate(PATTERN_NAMES):
        if key in (name, name[:2], name[3:], str(i)):
            return i
    raise ValueError(f'unknown pattern {key!r}; choose from '
                     f'{", ".join(PATTERN_NAMES)} (or their ids 0-9)')


@lru_cache(maxsize=None)
def make_pattern(pattern, size=REFERENCE_SIZE):
    """The defect-free template ``x_ok`` (read-only, RGB uint8, size^2)."""
    img = np.ascontiguousarray(
        PATTERNS[PATTERN_NAMES[resolve_pattern(pattern)]](size), np.uint8)
    assert img.shape == (size, size, 3), img.shape
    img.flags.writeable = False
    return img


@lru_cache(maxsize=None)
def edge_points(pattern, size=REFERENCE_SIZE):
    """(N, 2) int32 (x, y) boundary points of ``gray > t``, t in 50..200."""
    gray = cv2.cvtColor(make_pattern(pattern, size), cv2.COLOR_RGB2GRAY)
    kernel = np.ones((3, 3), np.uint8)
    edges = np.zeros(gray.shape, bool)
    for t in ABPT_THRESHOLDS:
        binary = (gray > t).astype(np.uint8)
        edges |= cv2.morphologyEx(binary, cv2.MORPH_GRADIENT, kernel) > 0
    pts = np.argwhere(edges)[:, ::-1].astype(np.int32)
    pts.flags.writeable = False
    return pts


# --------------------------------------------------------------------------
# Defects (x_defect) and their fusion
# --------------------------------------------------------------------------
def _scaled(px, size):
    return max(1, round(px * size / REFERENCE_SIZE))


def _soften(core, sigma):
    return cv2.GaussianBlur(core.astype(np.float32), (0, 0), sigma)


def _changed(a, b):
    return np.abs(a.astype(np.int16) - b).max(-1) >= VISIBLE_DIFF


def _fuse(rng, base, src, coverage):
    """Fuse the alpha composite ``src`` into ``base``; returns the image and
    the label (footprint pixels that changed visibly)."""
    src = np.clip(src, 0, 255).round().astype(np.uint8)
    fused = src
    if rng.random() < POISSON_PROB:
        region = cv2.dilate((coverage > 0.02).astype(np.uint8),
                            np.ones((3, 3), np.uint8))
        region[[0, -1]] = 0  # seamlessClone ignores the image border anyway
        region[:, [0, -1]] = 0
        x, y, w, h = cv2.boundingRect(region)
        if w and h:
            cloned = cv2.seamlessClone(src, np.ascontiguousarray(base),
                                       region * 255, (x + w // 2, y + h // 2),
                                       cv2.MIXED_CLONE)
            fused = np.where(region[..., None] > 0, cloned, base)
    label = (coverage >= 0.5) & _changed(fused, base)
    if fused is not src and not label.any():
        fused, label = src, (coverage >= 0.5) & _changed(src, base)
    return fused, label


def add_lines(rng, base):
    """Line defects: K bands, one edge-to-edge line per band."""
    s = base.shape[0]
    src = base.astype(np.float32)
    coverage = np.zeros((s, s), np.float32)
    n_areas = int(rng.integers(1, 4))
    vertical = bool(rng.random() < 0.5)
    bounds = np.linspace(0, s, n_areas + 1)
    for k in range(n_areas):
        for _ in range(MAX_TRIES):
            color = np.array(DEFECT_COLORS[rng.integers(len(DEFECT_COLORS))],
                             np.float32)
            opacity = float(rng.choice(OPACITIES))
            width = _scaled(rng.choice(LINE_WIDTHS), s)
            a = rng.uniform(bounds[k], bounds[k + 1])
            b = rng.uniform(bounds[k], bounds[k + 1]) if rng.random() < 1 / 3 \
                else a
            # 1/16 px precision via shift=4; ends lie beyond the borders.
            p1, p2 = (-width, a), (s - 1 + width, b)
            if vertical:
                p1, p2 = p1[::-1], p2[::-1]
            core = np.zeros((s, s), np.uint8)
            cv2.line(core, tuple(round(v * 16) for v in p1),
                     tuple(round(v * 16) for v in p2), 1, width, cv2.LINE_8, 4)
            on = core > 0
            contrast = opacity * np.abs(color - src[on]).max(-1)
            if np.mean(contrast >= VISIBLE_DIFF + 1) >= 0.3:
                break
        cov = _soften(core, 0.5 + 0.05 * width)
        alpha = (cov * opacity)[..., None]
        src = src * (1 - alpha) + color * alpha
        coverage = np.maximum(coverage, cov)
    return _fuse(rng, base, src, coverage)


def add_abpt(rng, base, points):
    """Abnormal points: K-means clusters of edge points drawn as dots."""
    from sklearn.cluster import KMeans
    s = base.shape[0]
    max_area = ABPT_MAX_AREA * s * s
    for _ in range(MAX_TRIES):
        src = base.astype(np.float32)
        coverage = np.zeros((s, s), np.float32)
        n_clusters = int(rng.integers(2, 7))
        n_points = min(int(rng.integers(4 * n_clusters, 16 * n_clusters + 1)),
                       96, len(points))
        pts = points[np.sort(rng.choice(len(points), n_points, False))]
        n_clusters = min(n_clusters, n_points)
        groups = KMeans(n_clusters, n_init=1,
                        random_state=int(rng.integers(2**31))).fit_predict(
                            pts.astype(np.float64))
        area = 0.0
        for c in range(n_clusters):
            color = np.array(DEFECT_COLORS[rng.integers(len(DEFECT_COLORS))],
                             np.float32)
            opacity = float(rng.choice(OPACITIES))
            radius = _scaled(rng.choice(ABPT_RADII), s)
            core = np.zeros((s, s), np.uint8)
            for x, y in pts[groups == c]:
                area += np.pi * (radius + 0.5)**2
                if area > max_area:
                    break
                cv2.circle(core, (int(x), int(y)), radius, 1, -1, cv2.LINE_8)
            cov = _soften(core, 0.4 + 0.25 * radius)
            alpha = (cov * opacity)[..., None]
            src = src * (1 - alpha) + color * alpha
            coverage = np.maximum(coverage, cov)
        fused, label = _fuse(rng, base, src, coverage)
        if label.any():
            break
    return fused, label


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
    x += (luma_std * rng.standard_normal(luma_std.shape, np.float32))[..., None]
    x += iso * ISO_CHROMA_STD * rng.standard_normal(x.shape, np.float32)
    return np.clip(x, 0, 255).round().astype(np.uint8)


def render_sample(pattern, sample_type, index, seed=0, size=REFERENCE_SIZE,
                  apply_sigma=True):
    """One sample: (image RGB uint8, mask uint8 with values 0/1/2).

    ``apply_sigma=False`` skips only the final global change; the defects are
    identical to those of the sigma-ed sample with the same arguments.
    """
    pid = resolve_pattern(pattern)
    rng = np.random.default_rng(
        [seed, pid, SAMPLE_TYPES.index(sample_type), index])
    image = make_pattern(pid, size)
    mask = np.zeros((size, size), np.uint8)
    if sample_type in ('line', 'mixed'):
        image, label = add_lines(rng, image)
        mask[label] = 1
    if sample_type in ('abpt', 'mixed'):
        image, label = add_abpt(rng, image, edge_points(pid, size))
        mask[label] = 2
    if apply_sigma:
        image = global_change(rng, image)
    return np.ascontiguousarray(image), mask


# --------------------------------------------------------------------------
# Writing the data set
# --------------------------------------------------------------------------
def sample_counts(per_pattern):
    """Per-pattern counts: half defect-free, the rest split evenly over the
    three defect types (the remainder goes to line, then abpt)."""
    n_clean = per_pattern // 2
    base, rem = divmod(per_pattern - n_clean, 3)
    return dict(line=base + (rem > 0), abpt=base + (rem > 1), mixed=base,
                clean=n_clean)


def _imwrite(path, img):
    if not cv2.imwrite(path, img, [cv2.IMWRITE_PNG_COMPRESSION, 3]):
        raise OSError(f'could not write {path}')


def write_sample(root, task, cfg):
    """Render and write one sample; returns (task, per-class pixel counts)."""
    split, pid, sample_type, index = task
    image, mask = render_sample(pid, sample_type, index, cfg['seed'],
                                cfg['size'], cfg['apply_sigma'])
    stem = f'{PATTERN_NAMES[pid]}_{sample_type}_{index:04d}'
    _imwrite(os.path.join(root, 'images', split, stem + '.png'),
             image[..., ::-1])
    _imwrite(os.path.join(root, 'masks', split, stem + '.png'), mask)
    return task, np.bincount(mask.ravel(), minlength=len(CLASSES)).tolist()


def _run_task(job):
    return write_sample(*job)


def _init_worker():
    # The parent handles Ctrl-C; workers are terminated by the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cv2.setNumThreads(1)


def _validate(size, per_pattern, seed, workers, test_patterns):
    for name, value in (('size', size), ('per_pattern', per_pattern),
                        ('seed', seed), ('workers', workers)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise ValueError(f'{name} must be an integer, got {value!r}')
    if size < MIN_SIZE:
        raise ValueError(f'size must be >= {MIN_SIZE}, got {size}')
    if per_pattern < MIN_PER_PATTERN:
        raise ValueError(f'per_pattern must be >= {MIN_PER_PATTERN} (one '
                         f'sample of each type and 3 defect-free), got '
                         f'{per_pattern}')
    if seed < 0:
        raise ValueError(f'seed must be >= 0, got {seed}')
    if workers < 1:
        raise ValueError(f'workers must be >= 1, got {workers}')
    test_ids = sorted({resolve_pattern(p) for p in test_patterns})
    if len(test_ids) != len(list(test_patterns)):
        raise ValueError(f'duplicate test patterns: {list(test_patterns)}')
    if not 0 < len(test_ids) < len(PATTERN_NAMES):
        raise ValueError('test_patterns must leave at least one pattern for '
                         'each of train and test')
    return test_ids


def _library_versions():
    import scipy
    import skimage
    import sklearn
    return dict(numpy=np.__version__, opencv=cv2.__version__,
                scikit_image=skimage.__version__,
                scikit_learn=sklearn.__version__, scipy=scipy.__version__)


def _build(root, cfg, test_ids, workers, progress):
    split_of = {pid: ('test' if pid in test_ids else 'train')
                for pid in range(len(PATTERN_NAMES))}
    for sub in ('templates', 'splits', *(f'{d}/{s}' for d in ('images',
                                                                'masks')
                                         for s in SPLITS)):
        os.makedirs(os.path.join(root, sub))
    for pid, name in enumerate(PATTERN_NAMES):
        _imwrite(os.path.join(root, 'templates', name + '.png'),
                 make_pattern(pid, cfg['size'])[..., ::-1])

    counts = sample_counts(cfg['per_pattern'])
    tasks = [(split_of[pid], pid, t, i) for pid in range(len(PATTERN_NAMES))
             for t in SAMPLE_TYPES for i in range(counts[t])]
    jobs = [(root, task, cfg) for task in tasks]
    pixels = {s: np.zeros(len(CLASSES), np.int64) for s in SPLITS}
    if workers == 1:
        results = map(_run_task, jobs)
        pool = None
    else:
        pool = mp.get_context('spawn').Pool(workers, _init_worker)
        chunk = max(1, min(16, len(jobs) // (workers * 8)))
        results = pool.imap(_run_task, jobs, chunksize=chunk)
    try:
        for done, (task, hist) in enumerate(results, 1):
            pixels[task[0]] += hist
            if progress is not None:
                progress(done, len(jobs))
    finally:
        if pool is not None:
            pool.terminate()  # joins the workers: nothing writes after this
            pool.join()

    lists = {}
    for split, pid, t, i in tasks:
        stem = f'{PATTERN_NAMES[pid]}_{t}_{i:04d}'
        line = (f'images/{split}/{stem}.png templates/{PATTERN_NAMES[pid]}.png'
                f' masks/{split}/{stem}.png\n')
        lists.setdefault(split, []).append(line)
        for subset in ('line', 'abpt'):
            if t in (subset, 'clean'):
                lists.setdefault(f'{split}_{subset}', []).append(line)
    for name in (*SPLITS, *(f'{s}_{t}' for s in SPLITS
                            for t in ('line', 'abpt'))):
        with open(os.path.join(root, 'splits', name + '.txt'), 'w') as f:
            f.writelines(lists.get(name, []))

    per_split = {}
    for split in SPLITS:
        n = sum(split_of[p] == split for p in range(len(PATTERN_NAMES)))
        per_split[split] = dict(
            patterns=[p for i, p in enumerate(PATTERN_NAMES)
                      if split_of[i] == split],
            counts={**{t: counts[t] * n for t in SAMPLE_TYPES},
                    'total': cfg['per_pattern'] * n},
            pixel_counts=dict(zip(CLASSES, pixels[split].tolist())))
    meta = dict(
        generator='mmdefect.datasets.synlcd_generator',
        version=GENERATOR_VERSION,
        reference='CADNet, Section 4.1 and Table 1',
        args=dict(cfg, test_patterns=[PATTERN_NAMES[i] for i in test_ids]),
        classes=list(CLASSES),
        patterns=[dict(id=i, name=p, split=split_of[i])
                  for i, p in enumerate(PATTERN_NAMES)],
        splits=per_split,
        parameters=dict(colors=DEFECT_COLORS, opacities=OPACITIES,
                        line_widths_at_512=LINE_WIDTHS,
                        abpt_radii_at_512=ABPT_RADII,
                        brightness_biases=BRIGHTNESS_BIASES,
                        contrast_alphas=CONTRAST_ALPHAS,
                        iso_levels=ISO_LEVELS, rgb_deviations=RGB_DEVIATIONS,
                        visible_diff=VISIBLE_DIFF),
        library_versions=_library_versions())
    with open(os.path.join(root, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    return meta


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


def generate_synlcd(out_dir, size=REFERENCE_SIZE, per_pattern=600, seed=0,
                    workers=1, test_patterns=DEFAULT_TEST_PATTERNS,
                    overwrite=False, apply_sigma=True, progress=None):
    """Generate SynLCD into ``out_dir`` and return its meta dict.

    The data set is built in ``<out_dir>.partial-<pid>`` and renamed to
    ``out_dir`` only once complete, so ``out_dir`` never holds a partial data
    set; the staging directory is removed on any exception (Ctrl-C included).
    An existing ``out_dir`` is an error unless ``overwrite``, in which case it
    is moved aside, replaced and then deleted.

    Args:
        progress: optional ``callable(done, total)`` called after each sample.
    """
    test_ids = _validate(size, per_pattern, seed, workers, test_patterns)
    out = os.path.abspath(out_dir)
    if os.path.lexists(out) and not overwrite:
        raise FileExistsError(f'{out} already exists; use overwrite=True '
                              '(--overwrite) to replace it')
    os.makedirs(os.path.dirname(out), exist_ok=True)
    staging = f'{out}.partial-{os.getpid()}'
    _remove(staging)  # left by a killed run that had the same pid
    cfg = dict(size=int(size), per_pattern=int(per_pattern), seed=int(seed),
               apply_sigma=bool(apply_sigma))
    try:
        meta = _build(staging, cfg, test_ids, workers, progress)
        if os.path.lexists(out):
            if not overwrite:
                raise FileExistsError(f'{out} appeared during generation')
            old = f'{out}.old-{os.getpid()}'
            os.rename(out, old)
            try:
                os.rename(staging, out)
            except BaseException:
                os.rename(old, out)
                raise
            _remove(old)
        else:
            os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return meta
