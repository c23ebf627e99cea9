"""Product types: the geometry of an optical-communication-device unit.

An OCD unit (BGNet Sec. 4.1.3) is a base with pins, surface-mounted
components and gold jump wires between die bond pads and substrate pads.
A product type fixes that geometry; every unit of the type (template or
sample, of any batch) is drawn from it with its own small local jitter.

Coordinates are pixels of a 256 x 256 image with the origin at the image
centre; :mod:`.units` scales them to the output size.  Magnitudes are our
choices (the papers give none), listed in ``docs/synocd.md``.
"""
from dataclasses import dataclass, field
from typing import List, Tuple

import numpy as np

REFERENCE = 256
COMPONENT_KINDS = ('chip', 'die', 'photodiode')


@dataclass
class Component:
    """A surface-mounted part: ``kind`` in :data:`COMPONENT_KINDS`, centre,
    size and angle; ``bond_pads`` are die pad centres relative to the
    component centre (before rotation)."""
    kind: str
    cx: float
    cy: float
    w: float
    h: float
    angle: float
    bond_pads: List[Tuple[float, float]] = field(default_factory=list)


@dataclass
class Wire:
    """A gold jump wire from bond pad ``pad`` of component ``component`` to
    substrate pad ``target``; ``bulge`` bends its loop sideways (px)."""
    component: int
    pad: int
    target: int
    bulge: float
    width: float


@dataclass
class Layout:
    """One product type."""
    base: Tuple[float, float, float, float, float]  # cx, cy, w, h, radius
    pins: List[Tuple[float, float, float, float]]  # cx, cy, w, h
    components: List[Component]
    substrate_pads: List[Tuple[float, float, float, float]]  # cx, cy, w, h
    wires: List[Wire]
    spare_wires: List[Wire]  # free pad pairs, for "extra wire" defects


def _overlaps(box, boxes, gap):
    x, y, w, h = box
    return any(
        abs(x - bx) < (w + bw) / 2 + gap and abs(y - by) < (h + bh) / 2 + gap
        for bx, by, bw, bh in boxes)


def _component(rng: np.random.Generator, kind: str) -> Tuple[float, float]:
    if kind == 'chip':
        return float(rng.uniform(12, 40)), float(rng.uniform(8, 25))
    side = float(rng.uniform(25, 60) if kind == 'die' else rng.uniform(25, 45))
    return side, side * float(rng.uniform(0.85, 1.0))


def _bond_pads(w, h, count):
    """Pad centres along the top and bottom edges, inside the body."""
    pads = []
    per_side = (count + 1) // 2
    for side, y in enumerate((-h / 2 + 4, h / 2 - 4)):
        n = per_side if side == 0 else count - per_side
        for i in range(n):
            pads.append((-w / 2 + (i + 1) * w / (n + 1), y))
    return pads


def make_layout(rng: np.random.Generator) -> Layout:
    """A random product type (its own generator: ``[seed, 0, type]``).

    Drawn again (from the same generator, so still deterministic) until it
    has at least two jump wires and one free pad pair, so that both kinds of
    wire-count defect exist for every type.
    """
    while True:
        layout = _draw_layout(rng)
        if len(layout.wires) >= 2 and layout.spare_wires:
            return layout


def _draw_layout(rng: np.random.Generator) -> Layout:
    bw, bh = (float(v) for v in rng.uniform(0.80, 0.95, 2) * REFERENCE)
    base = (float(rng.uniform(-4, 4)), float(rng.uniform(-4, 4)), bw, bh,
            float(rng.uniform(3, 14)))
    bx, by = base[:2]
    pins = []
    num_pins = int(rng.integers(0, 11))
    edges = rng.choice(4, size=1 + int(rng.random() < 0.5), replace=False)
    for i in range(num_pins):
        edge = int(edges[i % len(edges)])
        slot = i // len(edges)
        per_edge = (num_pins + len(edges) - 1) // len(edges)
        along = (slot + 1) / (per_edge + 1) - 0.5
        width, length = float(rng.uniform(6, 10)), float(rng.uniform(14, 22))
        if edge in (0, 1):  # top / bottom: pins point up / down
            y = by + (-1 if edge == 0 else 1) * (bh / 2 + length / 2 - 4)
            pins.append((bx + along * bw * 0.8, y, width, length))
        else:
            x = bx + (-1 if edge == 2 else 1) * (bw / 2 + length / 2 - 4)
            pins.append((x, by + along * bh * 0.8, length, width))

    components, boxes, pads = [], [], []
    wanted = int(rng.integers(3, 9))
    kinds = ['die'] + [
        str(k)
        for k in rng.choice(COMPONENT_KINDS, wanted - 1, p=(0.5, 0.3, 0.2))
    ]
    margin = 14
    for kind in kinds:
        w, h = _component(rng, kind)
        for _ in range(60):
            cx = float(
                rng.uniform(bx - bw / 2 + margin + w / 2,
                            bx + bw / 2 - margin - w / 2))
            cy = float(
                rng.uniform(by - bh / 2 + margin + h / 2,
                            by + bh / 2 - margin - h / 2))
            # Dies keep room around them for their substrate pads.
            gap = 22 if kind != 'chip' else 8
            if not _overlaps((cx, cy, w, h), boxes, gap):
                break
        else:
            continue
        angle = float(rng.choice([0, 90])) + float(rng.uniform(-3, 3))
        bond = (
            _bond_pads(w, h, int(rng.integers(2, 7)))
            if kind != 'chip' else [])
        components.append(Component(kind, cx, cy, w, h, angle, bond))
        boxes.append((cx, cy, w + 2, h + 2))

    candidates = []
    for index, comp in enumerate(components):
        for p, (px, py) in enumerate(comp.bond_pads):
            a = np.deg2rad(comp.angle)
            # The substrate pad lies beyond the body edge the bond pad is on.
            out = np.array(
                [0.0, np.sign(py) * (comp.h / 2 + rng.uniform(9, 18))])
            local = np.array([px + rng.uniform(-6, 6), 0.0]) + out
            rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
            tx, ty = local @ rot + [comp.cx, comp.cy]
            pad = (float(tx), float(ty), float(rng.uniform(6, 9)),
                   float(rng.uniform(5, 8)))
            inside = (abs(tx - bx) < bw / 2 - 6 and abs(ty - by) < bh / 2 - 6)
            if inside and not _overlaps(pad, boxes, 2):
                pads.append(pad)
                boxes.append(pad)
                candidates.append(
                    Wire(index, p,
                         len(pads) - 1,
                         float(rng.uniform(5, 20) * rng.choice([-1, 1])),
                         float(rng.uniform(1.2, 2.2))))
    order = rng.permutation(len(candidates))
    num_wires = min(len(candidates), int(rng.integers(2, 9)))
    wires = [candidates[i] for i in sorted(order[:num_wires])]
    spare = [candidates[i] for i in sorted(order[num_wires:])]
    return Layout(base, pins, components, pads, wires, spare)
