"""Display patterns of SynLCD (CADNet, Section 4.1 and Fig. 4).

The paper builds its ten defect-free patterns from "pure color blocks, color
maps, text blocks, grayscale transitions, and human faces" without giving
them; these are our procedural rebuilds of those families. Each is a fixed
function of the size (never of the seed), RGB uint8; faces are images shipped
inside scikit-image, so nothing is downloaded.
"""
from functools import lru_cache

import cv2
import numpy as np

REFERENCE_SIZE = 512  # the paper's size; text, widths and radii scale to it


def _cuts(n, length):
    return np.linspace(0, length, n + 1).round().astype(int)


def _resize(img, h, w):
    shrink = img.shape[0] > h or img.shape[1] > w
    return cv2.resize(
        img, (w, h),
        interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


def _fill_blocks(img, colors, rows, cols):
    ys, xs = _cuts(rows, img.shape[0]), _cuts(cols, img.shape[1])
    for i, color in enumerate(colors):
        r, c = divmod(i, cols)
        img[ys[r]:ys[r + 1], xs[c]:xs[c + 1]] = color


def _ramp(h, w, reverse=False, steps=0):
    x = np.linspace(0.0, 255.0, w)
    if steps:
        x = np.minimum(np.floor(x / 256.0 * steps), steps - 1) * (255.0 /
                                                                  (steps - 1))
    if reverse:
        x = x[::-1]
    return np.repeat(np.broadcast_to(x, (h, w))[..., None], 3, 2).round()


def _put_lines(img,
               lines,
               color,
               scale,
               font=cv2.FONT_HERSHEY_SIMPLEX,
               top=0.0,
               left=0.04,
               gap=1.7):
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
    _fill_blocks(img[top:],
                 [(255, 0, 0), (0, 255, 0), (0, 0, 255), (128, 0, 0),
                  (0, 128, 0),
                  (0, 0, 128)] + [(v, v, v)
                                  for v in (0, 51, 102, 153, 204, 255)], 2, 6)
    return img


def _gray_ramps(s):
    ys = _cuts(4, s)
    bands = [
        dict(),
        dict(steps=16),
        dict(reverse=True),
        dict(reverse=True, steps=32)
    ]
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
    _put_lines(
        img, [
            'LCD DISPLAY TEST 0123', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
            'abcdefghijklmnopqrstuvwxyz', 'The quick brown fox jumps',
            'over the lazy dog. 456789', '!?#%&*()[]{}<>+-=/:;@$'
        ], (0, 0, 0),
        0.75,
        top=0.0)
    for i, (name, color) in enumerate([('white', (255, 255, 255)),
                                       ('yellow', (255, 255, 0)),
                                       ('cyan', (0, 255, 255))]):
        _put_lines(
            img[split:],
            [f'Pixel inspection pattern 0{i + 1} - '
             f'{name} on black'],
            color,
            0.5,
            top=0.02 + 0.1 * i)
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
        cell = _resize(
            face.astype(np.float32), ys[r + 1] - ys[r], xs[c + 1] - xs[c])
        img[ys[r]:ys[r + 1],
            xs[c]:xs[c + 1]] = cell[..., None] * tints[(r + c) % 3]
    return np.clip(img * 255, 0, 255).round().astype(np.uint8)


def _hue_wheel(s):
    img = _ramp(s, s).transpose(1, 0, 2).astype(np.uint8).copy()
    yy, xx = np.mgrid[0:s, 0:s] - (s - 1) / 2
    radius = np.hypot(xx, yy) / (0.42 * s)
    hsv = np.stack([(np.arctan2(yy, xx) / np.pi + 1) * 90,
                    np.clip(radius, 0, 1) * 255,
                    np.full((s, s), 255.0)], -1)
    wheel = cv2.cvtColor(
        np.minimum(hsv.round(), [179, 255, 255]).astype(np.uint8),
        cv2.COLOR_HSV2RGB)
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
                               (64, 64, 64), (192, 192, 192), (255, 192, 203)],
                 3, 3)
    img[h:, :h] = (250, 240, 200)
    # scale 1.4 on a half-width quadrant is 0.7 at full width
    _put_lines(
        img[h:, :h], ['MURA', 'Test 42', 'AaBbCcDd', '9876543210'],
        (20, 30, 120),
        1.4,
        font=cv2.FONT_HERSHEY_COMPLEX,
        top=0.02)
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
