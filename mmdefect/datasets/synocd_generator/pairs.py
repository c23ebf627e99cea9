"""One template/sample pair: units, defect, label, pose and photometric
change; the same scene under the poses of the misalignment sweep.

The template is its unit seen at the identity pose.  The sample is another
unit of the same type and batch (own texture realisation, own local
jitter), carrying the defect, seen under a global pose (translation,
rotation, optional scale: the "translation and rotation noise" of BANet
Sec. IV-C and BGNet Sec. 1) and changed photometrically (lambda of BANet
Eq. 3).  Magnitudes are our choices (listed in ``docs/synocd.md``): the
papers give none.

Label rule (as for SynLCD): the sample is drawn with and without its defect
from the same random streams; the label is the defect's footprint where
the posed image changed by at least :data:`VISIBLE_DIFF` grey levels in
some channel (measured before the photometric change).  A defect's colour
and opacity are drawn again (at most :data:`MAX_TRIES` times) while less
than :data:`MIN_VISIBLE` of its footprint is visibly changed.  Masks are
binary: 0 background, 1 defect.
"""
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

from .defects import KINDS, make_defect
from .layouts import make_layout
from .looks import make_look
from .units import Canvas, jitter, render_unit, warp

#: Global pose and photometric strength per preset, px and degrees at 256.
#: ``none`` keeps the photometric change and the local jitter.
PRESETS = dict(
    none=dict(translation=0, rotation=0, photometric=1.0, jitter=1.0),
    easy=dict(translation=8, rotation=2, photometric=0.5, jitter=1.0),
    default=dict(translation=16, rotation=5, photometric=1.0, jitter=1.0),
    hard=dict(translation=32, rotation=10, photometric=1.5, jitter=1.5))
#: The misalignment sweep, our choice (the papers have none); (0, 0) is the
#: zero-misalignment control.
SWEEP_TRANSLATIONS = (0, 4, 8, 16, 32)
SWEEP_ROTATIONS = (0, 2, 5, 10)
VISIBLE_DIFF = 8
MIN_VISIBLE = 0.3
MAX_TRIES = 20
CLEAN = 'clean'
IDENTITY = dict(tx=0., ty=0., angle=0., scale=1.)


def canvas_side(size: int, max_scale: float = 0.) -> int:
    """Canvas side that the largest pose (hard preset or sweep: 32 px,
    10 deg) and scale keep inside, with a margin."""
    k = size / 256
    angle = np.deg2rad(max(PRESETS['hard']['rotation'], *SWEEP_ROTATIONS))
    reach = size / 2 * (np.cos(angle) + np.sin(angle)) / (1 - max_scale)
    reach += max(PRESETS['hard']['translation'], *SWEEP_TRANSLATIONS) * k
    return int(np.ceil(reach + 4 * k)) * 2


def _seed(seed: int, kind: str, index: int, stream: int):
    return [seed, 2, (KINDS + (CLEAN, )).index(kind), index, stream]


def draw_pose(rng: np.random.Generator, preset: dict, size: int,
              scale: float) -> dict:
    """A uniform global pose of the preset's ranges (scaled to ``size``)."""
    k = size / 256
    t = preset['translation'] * k
    return dict(
        tx=round(float(rng.uniform(-t, t)), 3),
        ty=round(float(rng.uniform(-t, t)), 3),
        angle=round(float(rng.uniform(-1, 1) * preset['rotation']), 3),
        scale=round(float(1 + rng.uniform(-scale, scale)), 4))


def draw_photometric(rng: np.random.Generator, strength: float) -> dict:
    """lambda of BANet Eq. 3: brightness, contrast, gamma, per-channel gain,
    blur and sensor noise (grey levels / px)."""
    return dict(
        brightness=round(float(rng.uniform(-12, 12) * strength), 3),
        contrast=round(float(1 + rng.uniform(-0.1, 0.1) * strength), 4),
        gamma=round(float(1 + rng.uniform(-0.1, 0.1) * strength), 4),
        gains=[
            round(float(g), 4)
            for g in 1 + rng.uniform(-0.04, 0.04, 3) * strength
        ],
        blur=round(float(rng.uniform(0, 0.6) * strength), 3),
        noise=round(float(rng.uniform(1, 3)), 3),
        noise_seed=int(rng.integers(2**31)))


def apply_photometric(image: np.ndarray, params: dict) -> np.ndarray:
    """The sample's photometric change of an RGB float image -> uint8."""
    x = np.clip(image, 0, 255) / 255
    x = x**params['gamma']
    x = (x - 0.5) * params['contrast'] + 0.5 + params['brightness'] / 255
    x = x * np.asarray(params['gains'], np.float32)
    x = x * 255
    if params['blur'] > 0.05:
        x = cv2.GaussianBlur(x.astype(np.float32), (0, 0), params['blur'])
    noise = np.random.default_rng(params['noise_seed']).standard_normal(
        x.shape).astype(np.float32)
    x = x + noise * params['noise']
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


class Pair:
    """A rendered pair whose sample can be seen under any pose."""

    def __init__(self,
                 seed: int,
                 kind: str,
                 index: int,
                 type_id: int,
                 batch: int,
                 size: int,
                 preset: str = 'default',
                 scale: float = 0.) -> None:
        self.kind, self.index, self.size = kind, index, size
        params = PRESETS[preset]
        layout = make_layout(np.random.default_rng([seed, 0, type_id]))
        look = make_look(np.random.default_rng([seed, 1, type_id, batch]))
        self.canvas = Canvas(size, canvas_side(size, scale))
        template_rng = np.random.default_rng(_seed(seed, kind, index, 0))
        place = jitter(layout, template_rng, params['jitter'])
        template, _, _ = render_unit(layout, look, place,
                                     _seed(seed, kind, index, 1), self.canvas)
        self.template = np.clip(
            np.rint(warp(template, self.canvas, IDENTITY)), 0,
            255).astype(np.uint8)

        sample_rng = np.random.default_rng(_seed(seed, kind, index, 2))
        place = jitter(layout, sample_rng, params['jitter'])
        texture = _seed(seed, kind, index, 3)
        self.clean, _, clean_scene = render_unit(layout, look, place, texture,
                                                 self.canvas)
        self.pose = draw_pose(
            np.random.default_rng(_seed(seed, kind, index, 4)), params, size,
            scale)
        self.photometric = draw_photometric(
            np.random.default_rng(_seed(seed, kind, index, 5)),
            params['photometric'])
        self.record = dict(
            kind=kind,
            type=type_id,
            batch=batch,
            material=look.material,
            pose=self.pose,
            photometric=self.photometric)
        if kind == CLEAN:
            self.dirty, self.footprint = self.clean, None
            self.record['defect'] = {}
            return
        defect = make_defect(
            kind, layout, place,
            np.random.default_rng(_seed(seed, kind, index, 6)))
        for attempt in range(MAX_TRIES):
            overlay, look_params = defect.overlay(
                np.random.default_rng(_seed(seed, kind, index, 7 + attempt)))
            self.dirty, footprint, _ = render_unit(layout, look, place,
                                                   texture, self.canvas,
                                                   defect.edits, overlay)
            if defect.edits.missing_wire is not None:
                footprint = clean_scene.wires[defect.edits.missing_wire].full(
                    self.canvas.shape)
            self.footprint = footprint
            drawn, label = self._label(self.pose)
            if overlay is None or label.sum() >= MIN_VISIBLE * drawn.sum():
                break
        self.record['defect'] = dict(
            defect.params, **look_params, attempts=attempt + 1)

    def _label(self, pose: dict) -> Tuple[np.ndarray, np.ndarray]:
        """Footprint and label (bool, size x size) under ``pose``."""
        if self.footprint is None:
            empty = np.zeros((self.size, self.size), bool)
            return empty, empty
        drawn = warp(self.footprint, self.canvas, pose) >= 0.5
        change = np.abs(
            warp(self.dirty, self.canvas, pose) -
            warp(self.clean, self.canvas, pose)).max(axis=2)
        return drawn, drawn & (change >= VISIBLE_DIFF)

    def sample(self,
               pose: Optional[dict] = None) -> Tuple[np.ndarray, np.ndarray]:
        """(RGB uint8 sample, uint8 0/1 mask) under ``pose`` (default: the
        pair's own pose)."""
        pose = self.pose if pose is None else pose
        image = apply_photometric(
            warp(self.dirty, self.canvas, pose), self.photometric)
        return image, self._label(pose)[1].astype(np.uint8)

    def sweep_pose(self, seed: int, translation: float,
                   rotation: float) -> dict:
        """The sweep's pose of this pair: ``translation`` px (at 256) in a
        direction and ``rotation`` deg with a sign fixed per pair."""
        rng = np.random.default_rng(_seed(seed, self.kind, self.index, 99))
        direction = rng.uniform(0, 2 * np.pi)
        sign = 1 if rng.random() < 0.5 else -1
        t = translation * self.size / 256
        return dict(
            tx=round(float(t * np.cos(direction)), 3),
            ty=round(float(t * np.sin(direction)), 3),
            angle=float(sign * rotation),
            scale=1.)


def sweep_names() -> Dict[Tuple[int, int], str]:
    """Folder / annotation name of every sweep setting, e.g. 't16_r05'."""
    return {
        (t, r): f't{t:02d}_r{r:02d}'
        for t in SWEEP_TRANSLATIONS
        for r in SWEEP_ROTATIONS
    }
