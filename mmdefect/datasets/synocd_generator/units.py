"""Rendering one unit (a template or a sample) on a canvas.

A unit is a product type (:mod:`.layouts`) made in a batch (:mod:`.looks`)
with its own texture realisation and its own local jitter of components and
wires ("displacements", "rotational movements" and "deformations" of
background elements, BANet Sec. III-B, GWNet).  It is drawn in object
coordinates on a square canvas larger than the image, so that a posed
sample never shows an undrawn border.  A defect edits the scene
(:class:`Edits`) or paints over it before the lighting (:mod:`.defects`).
"""
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

import cv2
import numpy as np

from .drawing import (Patch, bezier, local_to_world, paint, polygon_mask,
                      rotated_rect, rounded_rect, smooth_noise, stroke_mask)
from .layouts import REFERENCE, Layout, Wire
from .looks import Look

SILVER = (198, 200, 204)


@dataclass
class Placement:
    """Where a unit's parts ended up: per component (dx, dy, dangle) and
    per wire (all wires of the layout, then its spare ones) a bulge
    offset."""
    components: List[Tuple[float, float, float]]
    bulges: List[float]


@dataclass
class Edits:
    """What a defect changes in the scene itself (not painted over it).

    ``missing_wire``: index of a layout wire left out; ``extra_wire``: index
    of a spare wire drawn in; ``broken``: (component index, the cut-away
    polygon, the fracture polylines: the cut line and the cracks), in
    component coordinates (px at 256).
    """
    missing_wire: Optional[int] = None
    extra_wire: Optional[int] = None
    broken: Optional[Tuple[int, np.ndarray, List[np.ndarray]]] = None


@dataclass
class Scene:
    """Where a drawn unit's parts are, for placing defects: the base's
    coverage (canvas-sized) and the component bodies (patches)."""
    base: np.ndarray
    components: List[Patch] = field(default_factory=list)
    wires: List[Patch] = field(default_factory=list)

    def occupied(self, patch: Patch) -> np.ndarray:
        """Component coverage inside ``patch``'s window."""
        out = np.zeros_like(patch.values)
        ys, xs = patch.window
        for comp in self.components:
            cy, cx = comp.window
            y0, y1 = max(ys.start, cy.start), min(ys.stop, cy.stop)
            x0, x1 = max(xs.start, cx.start), min(xs.stop, cx.stop)
            if y0 < y1 and x0 < x1:
                target = out[y0 - ys.start:y1 - ys.start,
                             x0 - xs.start:x1 - xs.start]
                np.maximum(
                    target,
                    comp.values[y0 - cy.start:y1 - cy.start,
                                x0 - cx.start:x1 - cx.start],
                    out=target)
        return out


def jitter(layout: Layout,
           rng: np.random.Generator,
           scale: float = 1.) -> Placement:
    """A unit's local jitter: components +-2 px and +-2 deg, wire loops
    +-3 px (times ``scale``)."""
    comps = [(float(rng.uniform(-2, 2) * scale),
              float(rng.uniform(-2, 2) * scale),
              float(rng.uniform(-2, 2) * scale)) for _ in layout.components]
    num_wires = len(layout.wires) + len(layout.spare_wires)
    bulges = [float(rng.uniform(-3, 3) * scale) for _ in range(num_wires)]
    return Placement(comps, bulges)


class Canvas:
    """Object coordinates (px at 256, origin at the image centre) to canvas
    pixels for an output of ``size`` drawn on a ``side`` x ``side``
    canvas."""

    def __init__(self, size: int, side: int) -> None:
        self.size = size
        self.side = side
        self.k = size / REFERENCE
        self.center = (side - 1) / 2

    def __call__(self, points) -> np.ndarray:
        return np.asarray(points, np.float64) * self.k + self.center

    @property
    def shape(self) -> Tuple[int, int]:
        return self.side, self.side

    @property
    def grid(self) -> Tuple[np.ndarray, np.ndarray]:
        """Canvas x and y, each in [-1, 1] from edge to edge."""
        if not hasattr(self, '_grid'):
            axis = (np.arange(self.side, dtype=np.float32) - self.center) / (
                self.side / 2)
            self._grid = np.meshgrid(axis, axis)
        return self._grid


def _component_pose(layout: Layout, placement: Placement, index: int):
    comp = layout.components[index]
    dx, dy, da = placement.components[index]
    return comp.cx + dx, comp.cy + dy, comp.angle + da


def wire_points(layout: Layout, placement: Placement,
                index: int) -> np.ndarray:
    """Polyline (object px) of wire ``index`` (layout wires, then spares)."""
    wires = layout.wires + layout.spare_wires
    wire: Wire = wires[index]
    cx, cy, angle = _component_pose(layout, placement, wire.component)
    start = local_to_world(
        [layout.components[wire.component].bond_pads[wire.pad]], cx, cy,
        angle)[0]
    end = np.array(layout.substrate_pads[wire.target][:2])
    direction = end - start
    normal = np.array([-direction[1], direction[0]]) / max(
        np.linalg.norm(direction), 1e-6)
    bulge = wire.bulge + placement.bulges[index]
    controls = [
        start, start + direction / 3 + normal * bulge,
        start + 2 * direction / 3 + normal * bulge * 0.8, end
    ]
    return bezier(controls, 28)


def render_unit(layout: Layout,
                look: Look,
                placement: Placement,
                texture_seed,
                canvas: Canvas,
                edits: Edits = Edits(),
                overlay: Optional[Callable] = None):
    """Draw a unit; returns (RGB float32 canvas, edit footprint, scene).

    ``texture_seed`` seeds the unit's own texture realisation, so a sample
    drawn twice (with and without its defect) differs only by the defect.
    ``overlay(image, scene, canvas)`` paints a defect over the scene before
    the lighting and returns its footprint (canvas-sized); the footprint of
    ``edits`` is returned otherwise (None without either).
    """
    rng = np.random.default_rng(texture_seed)
    k = canvas.k
    shape = canvas.shape
    image = np.empty(shape + (3, ), np.float32)
    image[:] = look.fixture
    image += (smooth_noise(rng, shape, 1.5 * k) * 5)[..., None]
    fine = smooth_noise(rng, shape, 0.8 * k) * 4  # bodies, pins
    footprint = None

    for cx, cy, w, h in layout.pins:
        paint(
            image,
            polygon_mask(shape, canvas(rotated_rect(cx, cy, w, h, 0))),
            np.asarray(look.gold) * 0.85,
            texture=fine)
        stripe = (w * 0.35, h) if w < h else (w, h * 0.35)
        paint(image,
              polygon_mask(shape, canvas(rotated_rect(cx, cy, *stripe, 0))),
              np.minimum(np.asarray(look.gold) * 1.15, 255), 0.8)

    bx, by, bw, bh, radius = layout.base
    base = polygon_mask(shape, canvas(rounded_rect(bx, by, bw, bh, radius)))
    brushed = look.material == 'brushed_metal'
    texture = smooth_noise(rng, shape, look.grain_sigma * k, look.brush_angle,
                           30 * k if brushed else 0)
    paint(
        image, base, look.base_color, texture=texture * look.texture_amplitude)
    scene = Scene(base=base.full(shape))

    for cx, cy, w, h in layout.substrate_pads:
        paint(image, polygon_mask(shape, canvas(rotated_rect(cx, cy, w, h,
                                                             0))), look.gold)

    for index, comp in enumerate(layout.components):
        cx, cy, angle = _component_pose(layout, placement, index)
        keep = None
        if edits.broken is not None and edits.broken[0] == index:
            cut = polygon_mask(
                shape, canvas(local_to_world(edits.broken[1], cx, cy,
                                             angle))).full(shape)
            keep = 1 - cut
        body = _draw_component(image, comp, cx, cy, angle, look, canvas, fine,
                               keep)
        scene.components.append(body)
        if keep is not None:
            footprint = np.maximum(
                cut * body.full(shape),
                _draw_fracture(image, edits.broken, cx, cy, angle, canvas))

    wires = list(range(len(layout.wires)))
    if edits.missing_wire is not None:
        wires.remove(edits.missing_wire)
    all_wires = layout.wires + layout.spare_wires
    extra = None
    if edits.extra_wire is not None:
        extra = len(layout.wires) + edits.extra_wire
        wires.append(extra)
    for index in wires:
        points = canvas(wire_points(layout, placement, index))
        width = all_wires[index].width * k
        cov = stroke_mask(shape, points, width)
        paint(image, cov, np.asarray(look.gold) * 0.8)
        paint(image, stroke_mask(shape, points, max(0.6, width / 3)),
              np.minimum(np.asarray(look.gold) * 1.25, 255), 0.8)
        scene.wires.append(cov)
        if index == extra:
            footprint = cov.full(shape)

    if overlay is not None:
        footprint = overlay(image, scene, canvas)
    _light(image, look, canvas)
    return image, footprint, scene


def _draw_component(image, comp, cx, cy, angle, look, canvas, fine, keep):
    """Pads, body and details of one component; returns its body
    coverage.  ``keep`` (canvas-sized) cuts a broken piece away."""
    shape = canvas.shape

    def draw(points, color, opacity=1.0, texture=None, cut=True):
        """Paint a part (cut where broken); return its uncut coverage."""
        patch = polygon_mask(shape,
                             canvas(local_to_world(points, cx, cy, angle)))
        painted = patch.times(keep) if cut and keep is not None else patch
        paint(image, painted, color, opacity, texture)
        return patch

    if comp.kind == 'chip':
        for side in (-1, 1):
            draw(
                rotated_rect(side * comp.w * 0.4, 0, comp.w * 0.34,
                             comp.h * 1.25, 0),
                look.gold,
                cut=False)
    else:
        draw(
            rotated_rect(0, 0, comp.w + 5, comp.h + 5, 0),
            look.gold,
            cut=False)
    color = look.body_color if comp.kind == 'chip' else look.die_color
    body = draw(rotated_rect(0, 0, comp.w, comp.h, 0), color, texture=fine)
    if comp.kind == 'chip':
        for side in (-1, 1):
            draw(
                rotated_rect(side * comp.w * 0.4, 0, comp.w * 0.2, comp.h, 0),
                SILVER,
                texture=fine)
        return body
    draw(
        rotated_rect(0, 0, comp.w * 0.62, comp.h * 0.5, 0),
        np.minimum(np.asarray(look.die_color) * 1.5 + 20, 255))
    if comp.kind == 'photodiode':
        circle = np.linspace(0, 2 * np.pi, 32)
        draw(
            np.stack([np.cos(circle), np.sin(circle)], 1) *
            min(comp.w, comp.h) * 0.22, (24, 30, 62))
    for px, py in comp.bond_pads:
        draw(rotated_rect(px, py, 4, 4, 0), look.gold)
    return body


def _draw_fracture(image, broken, cx, cy, angle, canvas) -> np.ndarray:
    """Dark fracture lines along the cut and the cracks; their coverage."""
    footprint = np.zeros(canvas.shape, np.float32)
    for line in broken[2]:
        cov = stroke_mask(canvas.shape,
                          canvas(local_to_world(line, cx, cy, angle)),
                          max(1, canvas.k))
        paint(image, cov, (20, 18, 16), 0.85)
        window = cov.window
        footprint[window] = np.maximum(footprint[window], cov.values)
    return footprint


def _light(image, look, canvas):
    """Illumination gradient and vignetting of the batch (in place)."""
    u, v = canvas.grid
    a = np.deg2rad(look.light_angle)
    ramp = (u * np.cos(a) + v * np.sin(a)) * look.light_gradient / 2
    vignette = 1 - look.vignetting * (u**2 + v**2) / 2
    image *= vignette[..., None]
    image += ramp[..., None]
    np.clip(image, 0, 255, out=image)


def warp(canvas_image: np.ndarray,
         canvas: Canvas,
         pose: dict,
         interpolation=cv2.INTER_LINEAR) -> np.ndarray:
    """The ``size`` x ``size`` view of a canvas under ``pose``.

    ``pose`` = (tx, ty) px, ``angle`` degrees (OpenCV's sense: counter-
    clockwise on screen) and ``scale``, about the image centre; the
    identity pose is the centre crop (the template's view).
    """
    size = canvas.size
    matrix = cv2.getRotationMatrix2D((canvas.center, canvas.center),
                                     pose['angle'], pose['scale'])
    matrix[:, 2] += (size - 1) / 2 - canvas.center + np.array(
        [pose['tx'], pose['ty']])
    return cv2.warpAffine(
        canvas_image,
        matrix, (size, size),
        flags=interpolation,
        borderMode=cv2.BORDER_REFLECT)
