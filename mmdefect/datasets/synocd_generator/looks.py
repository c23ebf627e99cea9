"""Production batches: the appearance a batch gives every unit it makes.

BANet (Sec. III-B) attributes the texture noise between template and sample
to "batch-to-batch variations in the product constituents"; the papers give
no magnitudes.  The ranges below are our choices (listed in
``docs/synocd.md``), in grey levels of 8-bit images and pixels at 256.
"""
import colorsys
from dataclasses import dataclass
from typing import Tuple

import numpy as np

MATERIALS = ('brushed_metal', 'ceramic', 'gold_plated', 'matte_grey')
# RGB base colours of the materials and of the component bodies.
_MATERIAL_RGB = dict(
    brushed_metal=(176, 178, 182),
    ceramic=(222, 214, 196),
    gold_plated=(205, 168, 82),
    matte_grey=(120, 122, 126))
_BODY_RGB = dict(
    beige=(196, 180, 140),
    brown=(122, 84, 52),
    dark_grey=(70, 72, 76),
    black_epoxy=(30, 30, 34))
GOLD = (212, 172, 72)
FIXTURE = (38, 40, 44)

Color = Tuple[float, float, float]


@dataclass
class Look:
    """The appearance of one production batch."""
    material: str
    base_color: Color
    texture_amplitude: float  # grey levels (std of the texture)
    grain_sigma: float  # px at 256
    brush_angle: float  # degrees; brushed metal only
    body_color: Color
    die_color: Color
    gold: Color
    fixture: Color
    light_gradient: float  # grey levels across the image
    light_angle: float
    vignetting: float  # relative darkening at the corners


def _jitter(rng, rgb, hue_deg=0., value=0.) -> Color:
    h, s, v = colorsys.rgb_to_hsv(*(c / 255 for c in rgb))
    h = (h + rng.uniform(-hue_deg, hue_deg) / 360) % 1
    v = min(1., max(0., v * (1 + rng.uniform(-value, value))))
    return tuple(255 * c for c in colorsys.hsv_to_rgb(h, s, v))


def make_look(rng: np.random.Generator) -> Look:
    """A random batch appearance (generator ``[seed, 1, type, batch]``)."""
    material = MATERIALS[int(rng.integers(len(MATERIALS)))]
    body = list(_BODY_RGB.values())[int(rng.integers(len(_BODY_RGB)))]
    return Look(
        material=material,
        base_color=_jitter(rng, _MATERIAL_RGB[material], 10, 0.15),
        texture_amplitude=float(rng.uniform(4, 18)),
        grain_sigma=float(rng.uniform(0.8, 4)),
        brush_angle=float(rng.uniform(0, 180)),
        body_color=_jitter(rng, body, 6, 0.12),
        die_color=_jitter(rng, (52, 58, 70), 12, 0.2),
        gold=_jitter(rng, GOLD, 8, 0.08),
        fixture=_jitter(rng, FIXTURE, 20, 0.2),
        light_gradient=float(rng.uniform(0, 25)),
        light_angle=float(rng.uniform(0, 360)),
        vignetting=float(rng.uniform(0, 0.15)))
