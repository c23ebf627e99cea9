"""The five OCD defect kinds, drawn in object coordinates.

OCDs (BANet Sec. IV-C) has 918 pairs: 375 component pollution, 240
component breakage, 216 extra or missing jump wires, 60 base crushing and
27 base scratches.  Shapes, sizes and colours are our choices (the papers
give none; listed in ``docs/synocd.md``), in px at 256;
sizes run from sub-token (a 3 px stain, below one 8 px token of a stride-8
feature map) to several tokens (a 110 px scratch, a missing wire).

A defect either edits the scene (a component drawn with a piece cut away, a
wire left out or added: :class:`~.units.Edits`) or paints over it before
the lighting (stains, dents, scratches).  Its geometry is drawn once per
pair; its colour and opacity (``look``) can be drawn again by the label
rule of :mod:`.pairs` when too little of it is visible.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional

import cv2
import numpy as np

from .drawing import (Patch, bezier, local_to_world, paint, polygon_mask,
                      stroke_mask)
from .layouts import Layout
from .units import Canvas, Edits, Placement, Scene

#: Defect kinds with their OCDs counts (BANet Sec. IV-C).
OCD_COUNTS = dict(
    component_pollution=375,
    component_breakage=240,
    wire_count=216,
    base_crushing=60,
    base_scratch=27)
KINDS = tuple(OCD_COUNTS)
POLLUTION_COLORS = dict(
    dark_residue=(46, 40, 34),
    brown=(112, 72, 36),
    white_particle=(236, 234, 228),
    yellowish_glue=(222, 202, 120))


@dataclass
class Defect:
    """A drawn-once defect: scene edits and/or an overlay painter made by
    ``painter(look_rng)``; ``params`` go to the annotation file."""
    kind: str
    params: dict
    edits: Edits = field(default_factory=Edits)
    painter: Optional[Callable] = None

    def overlay(self, look_rng: np.random.Generator):
        """The overlay for one draw of colour/opacity, and its params."""
        if self.painter is None:
            return None, {}
        return self.painter(look_rng)


def _blob(rng, radius):
    """A perturbed ellipse outline (object px, centred at 0)."""
    t = np.linspace(0, 2 * np.pi, 28, endpoint=False)
    ratio = rng.uniform(0.55, 1.0)
    wobble = 1 + sum(
        rng.uniform(-0.12, 0.12) * np.sin(f * t + rng.uniform(0, 6.3))
        for f in (2, 3, 5))
    angle = rng.uniform(0, np.pi)
    x, y = np.cos(t) * radius * wobble, np.sin(t) * radius * ratio * wobble
    return np.stack([
        x * np.cos(angle) - y * np.sin(angle),
        x * np.sin(angle) + y * np.cos(angle)
    ], 1)


def _pollution(layout, placement, rng):
    index = int(rng.integers(len(layout.components)))
    comp = layout.components[index]
    blobs = []
    for _ in range(int(rng.integers(1, 4))):
        radius = float(rng.uniform(3, 12))
        # Centres keep 0.6 radius inside the body: at most ~30 % spills.
        ox = rng.uniform(-1, 1) * max(comp.w / 2 - 0.6 * radius, 0)
        oy = rng.uniform(-1, 1) * max(comp.h / 2 - 0.6 * radius, 0)
        blobs.append(_blob(rng, radius) + [ox, oy])
    dx, dy, da = placement.components[index]
    outlines = [
        local_to_world(b, comp.cx + dx, comp.cy + dy, comp.angle + da)
        for b in blobs
    ]

    def painter(look_rng):
        name = str(look_rng.choice(list(POLLUTION_COLORS)))
        opacity = float(look_rng.uniform(0.5, 0.95))

        def overlay(image, scene: Scene, canvas: Canvas):
            cov = polygon_mask(canvas.shape,
                               *(canvas(outline) for outline in outlines))
            soft = Patch(
                cv2.GaussianBlur(cov.values, (0, 0), max(0.5, canvas.k)),
                cov.y, cov.x)
            paint(image, soft, POLLUTION_COLORS[name], opacity)
            return cov.full(canvas.shape)

        return overlay, dict(color=name, opacity=round(opacity, 3))

    return Defect(
        'component_pollution',
        dict(component=index, blobs=len(blobs)),
        painter=painter)


def _breakage(layout, placement, rng):
    index = int(rng.integers(len(layout.components)))
    comp = layout.components[index]
    w, h = comp.w, comp.h
    sx, sy = (float(v) for v in rng.choice([-1, 1], 2))
    while True:  # a corner triangle of 10-35 % of the body
        fa, fb = rng.uniform(0.45, 1.0, 2)
        if 0.10 <= fa * fb / 2 <= 0.35:
            break
    corner = np.array([sx * w / 2, sy * h / 2])
    a = corner - [sx * fa * w, 0]
    b = corner - [0, sy * fb * h]
    steps = np.linspace(0, 1, 5)[1:-1, None]
    normal = np.array([-(b - a)[1], (b - a)[0]]) / np.linalg.norm(b - a)
    jag = a + steps * (b - a) + normal * rng.uniform(-1.5, 1.5, (3, 1))
    cut_line = np.vstack([a, jag, b])
    out = 4  # the cut-away region reaches past the body edges
    polygon = np.vstack([
        a + [0, sy * out], cut_line, b + [sx * out, 0],
        corner + [sx * out, sy * out]
    ])
    lines = [cut_line]
    for _ in range(int(rng.integers(0, 3))):
        start = cut_line[int(rng.integers(len(cut_line)))]
        inward = -np.array([sx, sy]) / np.sqrt(2)
        length = rng.uniform(5, 20)
        turn = rng.uniform(-0.6, 0.6)
        direction = np.array([
            inward[0] * np.cos(turn) - inward[1] * np.sin(turn),
            inward[0] * np.sin(turn) + inward[1] * np.cos(turn)
        ])
        mid = start + direction * length / 2 + rng.uniform(-2, 2, 2)
        lines.append(np.vstack([start, mid, start + direction * length]))
    return Defect(
        'component_breakage',
        dict(
            component=index,
            area_fraction=round(float(fa * fb / 2), 3),
            cracks=len(lines) - 1),
        edits=Edits(broken=(index, polygon, lines)))


def _wire(layout, placement, rng):
    if rng.random() < 0.5:
        spare = int(rng.integers(len(layout.spare_wires)))
        return Defect(
            'wire_count',
            dict(change='extra', wire=spare),
            edits=Edits(extra_wire=spare))
    wire = int(rng.integers(len(layout.wires)))
    return Defect(
        'wire_count',
        dict(change='missing', wire=wire),
        edits=Edits(missing_wire=wire))


def _clear_of_components(layout, x, y, radius):
    return all(
        abs(x - c.cx) > c.w / 2 + radius + 4 or abs(y - c.cy) > c.h / 2 +
        radius + 4 for c in layout.components)


def _base_point(layout, rng, radius, near_edge):
    """A point of the base away from components; with ``near_edge`` within
    20 px of a base edge."""
    bx, by, bw, bh, _ = layout.base
    for _ in range(200):
        x = rng.uniform(bx - bw / 2 + radius + 3, bx + bw / 2 - radius - 3)
        y = rng.uniform(by - bh / 2 + radius + 3, by + bh / 2 - radius - 3)
        edge = min(bw / 2 - abs(x - bx), bh / 2 - abs(y - by))
        if near_edge and edge > 20 + radius:
            continue
        if _clear_of_components(layout, x, y, radius):
            return float(x), float(y)
    return float(bx), float(by)


def _crushing(layout, placement, rng):
    radius = float(rng.uniform(5, 14))
    cx, cy = _base_point(layout, rng, radius, rng.random() < 0.6)
    n = int(rng.integers(10, 17))
    t = np.sort(rng.uniform(0, 2 * np.pi, n))
    r = radius * (1 + rng.uniform(-0.35, 0.35, n))
    outline = np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], 1)
    light = rng.uniform(0, 2 * np.pi)

    def painter(look_rng):
        darken = float(look_rng.uniform(0.45, 0.75))
        shading = float(look_rng.uniform(15, 40))

        def overlay(image, scene: Scene, canvas: Canvas):
            closed = canvas(np.vstack([outline, outline[:1]]))
            rim = stroke_mask(canvas.shape, closed, max(1, canvas.k))
            window = rim.window  # contains the polygon too
            cov = polygon_mask(canvas.shape, closed).full(canvas.shape)[window]
            region = image[window]
            smooth = cv2.GaussianBlur(region, (0, 0), 1.5 * canvas.k)
            yy, xx = np.mgrid[window]
            centre = canvas([[cx, cy]])[0]
            ramp = ((xx - centre[0]) * np.cos(light) +
                    (yy - centre[1]) * np.sin(light)) / (
                        radius * canvas.k)
            dent = smooth * darken + (np.clip(ramp, -1, 1) * shading)[...,
                                                                      None]
            region += cov[..., None] * (np.clip(dent, 0, 255) - region)
            # A highlight on the rim facing the light.
            lit = Patch(rim.values * (ramp > 0.3), rim.y, rim.x)
            paint(image, lit, (255, 255, 255), 0.35)
            footprint = np.zeros(canvas.shape, np.float32)
            footprint[window] = np.maximum(cov, lit.values)
            return footprint

        return overlay, dict(
            darken=round(darken, 3), shading=round(shading, 1))

    return Defect(
        'base_crushing',
        dict(center=[round(cx, 1), round(cy, 1)], radius=round(radius, 2)),
        painter=painter)


def _scratch(layout, placement, rng):
    length = float(rng.uniform(25, 110))
    sx, sy = _base_point(layout, rng, 4, False)
    angle = rng.uniform(0, 2 * np.pi)
    direction = np.array([np.cos(angle), np.sin(angle)])
    normal = np.array([-direction[1], direction[0]])
    start = np.array([sx, sy]) - direction * length / 2
    end = start + direction * length
    bend = normal * rng.uniform(-0.3, 0.3) * length
    curve = bezier([start, (start + end) / 2 + bend, end], 24)
    width = float(rng.uniform(1, 2.5))

    def painter(look_rng):
        lighter = look_rng.random() < 0.7
        delta = float(
            look_rng.uniform(35, 80) if lighter else -look_rng.uniform(30, 60))

        def overlay(image, scene: Scene, canvas: Canvas):
            points = canvas(curve)
            # The whole stroke's window, then each tapered piece in it.
            cov = stroke_mask(canvas.shape, points, width * canvas.k + 2)
            cov.values[:] = 0
            pieces = len(curve) - 1
            for i in range(pieces):
                taper = np.sin(np.pi * (i + 0.5) / pieces)**0.5
                piece = stroke_mask(canvas.shape, points[i:i + 2],
                                    max(0.5, width * taper * canvas.k))
                ys, xs = piece.window
                target = cov.values[ys.start - cov.y:ys.stop - cov.y,
                                    xs.start - cov.x:xs.stop - cov.x]
                np.maximum(target, piece.values, out=target)
            cov.values *= scene.base[cov.window] * (1 - scene.occupied(cov))
            region = image[cov.window]
            region += cov.values[..., None] * (
                np.clip(region + delta, 0, 255) - region)
            return cov.full(canvas.shape)

        return overlay, dict(delta=round(delta, 1))

    return Defect(
        'base_scratch',
        dict(length=round(length, 1), width=round(width, 2)),
        painter=painter)


_MAKERS = dict(
    component_pollution=_pollution,
    component_breakage=_breakage,
    wire_count=_wire,
    base_crushing=_crushing,
    base_scratch=_scratch)


def make_defect(kind: str, layout: Layout, placement: Placement,
                rng: np.random.Generator) -> Defect:
    """Draw the geometry of a defect of ``kind`` on a sample unit."""
    return _MAKERS[kind](layout, placement, rng)
