"""Large boards: panels of SynOCD units under one global pose.

Industrial pairs are far larger than the 256-512 px the models train on (a
PCB panel or a tray of devices at 2k-8k px), and their template is placed
differently from the sample as a whole.  A board is a ``side`` x ``side``
panel of ``unit`` x ``unit`` cells, each one SynOCD unit of the board's
product type and batch (:class:`~.pairs.Pair` at the ``none`` preset: its
own texture realisation and local jitter, no pose of its own); about one
cell in :data:`DEFECT_RATE` carries a defect of a kind drawn in the OCDs
proportions.  The sample panel is seen under one global pose of the
preset's ranges (translation in px at 256 scaled with ``unit``, rotation
in degrees about the board centre) and changed photometrically once
(BANet Eq. 3).  The panel is drawn with enough extra rings of defect-free
cells that the posed view never needs a fill.  Cells keep the units' scale,
so a model trained on 256 x 256 SynOCD pairs sees a board through sliding
windows at its training scale, after the board is registered.

Random streams: board ``[seed, 6, side, index]`` (type, batch, cell kinds,
pose, photometric); cell ``(r, c)`` is the pair of index
``(side * 1000 + index) * 10000 + r * 100 + c`` of its kind, so the output
does not depend on anything but the arguments.
"""
import os
from typing import Dict, Sequence

import cv2
import numpy as np

from mmdefect.utils.atomic_io import staged_output, write_data
from mmdefect.utils.geometry import pose_matrix
from ..converters.common import imwrite, write_meta
from .defects import KINDS, OCD_COUNTS
from .pairs import (CLEAN, IDENTITY, PRESETS, Pair, apply_photometric,
                    draw_photometric, draw_pose)
from .units import warp
from .writer import CLASSES, GENERATOR_VERSION, PNG_PARAMS

#: One cell in DEFECT_RATE carries a defect (our choice: a few defects per
#: 2,048 board, dozens per 4,096 board).
DEFECT_RATE = 8
#: Board sides of the large-board preset.
BOARD_SIDES = (2048, 4096)
TYPES, BATCHES = 8, 4


def _rings(side: int, unit: int, preset: dict) -> int:
    """Extra rings of cells that the preset's largest pose keeps inside."""
    angle = np.deg2rad(preset['rotation'])
    reach = side / 2 * (np.cos(angle) + np.sin(angle))
    reach += np.hypot(1, 1) * preset['translation'] * unit / 256 + 2
    return int(np.ceil(max(0., reach - side / 2) / unit))


def render_board(seed: int,
                 index: int,
                 side: int,
                 unit: int = 256,
                 preset: str = 'default') -> dict:
    """One board: ``template`` and ``sample`` (RGB uint8, side x side),
    ``mask`` (uint8 0/1) and ``record`` (type, batch, pose, photometric,
    the defect cells)."""
    if side % unit or side < unit:
        raise ValueError(f'board side {side} must be a multiple of the unit '
                         f'side {unit}')
    params = PRESETS[preset]
    rng = np.random.default_rng([seed, 6, side, index])
    type_id, batch = int(rng.integers(TYPES)), int(rng.integers(BATCHES))
    grid = side // unit
    rings = _rings(side, unit, params)
    cells = grid + 2 * rings
    weights = np.array([OCD_COUNTS[k] for k in KINDS], np.float64)
    kinds = rng.choice(len(KINDS), (grid, grid), p=weights / weights.sum())
    defective = rng.integers(DEFECT_RATE, size=(grid, grid)) == 0
    pose = draw_pose(rng, params, unit, 0.)
    photometric = draw_photometric(rng, params['photometric'])

    template = np.zeros((side, side, 3), np.uint8)
    drawn = np.zeros((cells * unit, cells * unit, 3), np.float32)
    label = np.zeros((cells * unit, cells * unit), np.uint8)
    defects = []
    for r in range(cells):
        for c in range(cells):
            inner = (rings <= r < rings + grid) and (rings <= c < rings + grid)
            gr, gc = r - rings, c - rings
            kind = CLEAN
            if inner and defective[gr, gc]:
                kind = KINDS[kinds[gr, gc]]
                defects.append(dict(row=gr, col=gc, kind=kind))
            pair = Pair(seed, kind,
                        (side * 1000 + index) * 10000 + r * 100 + c, type_id,
                        batch, unit, 'none')
            rows = slice(r * unit, (r + 1) * unit)
            cols = slice(c * unit, (c + 1) * unit)
            drawn[rows, cols] = warp(pair.dirty, pair.canvas, IDENTITY)
            label[rows, cols] = pair._label(IDENTITY)[1]
            if inner:
                template[gr * unit:(gr + 1) * unit,
                         gc * unit:(gc + 1) * unit] = pair.template
    # Panel pixels -> template pixels (the panel less its rings) -> sample.
    shift = np.array([[1, 0, -rings * unit], [0, 1, -rings * unit], [0, 0, 1]])
    matrix = (np.vstack([pose_matrix(pose, side), [0, 0, 1]]) @ shift)[:2]
    sample = cv2.warpAffine(
        drawn, matrix, (side, side), flags=cv2.INTER_LINEAR)
    del drawn
    sample = apply_photometric(sample, photometric)
    mask = (cv2.warpAffine(
        label.astype(np.float32), matrix, (side, side), flags=cv2.INTER_LINEAR)
            >= 0.5).astype(np.uint8)
    record = dict(
        type=type_id,
        batch=batch,
        unit=unit,
        pose=pose,
        photometric=photometric,
        defects=defects)
    return dict(template=template, sample=sample, mask=mask, record=record)


def generate_boards(out_dir: str,
                    sides: Sequence[int] = BOARD_SIDES,
                    count: int = 2,
                    unit: int = 256,
                    preset: str = 'default',
                    seed: int = 0,
                    overwrite: bool = False,
                    progress=None) -> dict:
    """Write ``count`` boards of every side in ``sides`` into ``out_dir``
    (atomically); returns its meta dict.

    Layout: ``images/``, ``templates/``, ``masks/`` with
    ``board<side>_<index>.png``, ``annotations/board_<side>.json`` (SynOCD's
    annotation format: paths, pose, defect cells) and ``meta.json``.
    """
    if preset not in PRESETS:
        raise ValueError(f'preset must be one of {tuple(PRESETS)}, got '
                         f'{preset!r}')
    if count < 1:
        raise ValueError(f'count must be >= 1, got {count}')
    jobs = [(side, index) for side in sides for index in range(count)]
    with staged_output(out_dir, overwrite) as root:
        for folder in ('images', 'templates', 'masks', 'annotations'):
            os.makedirs(os.path.join(root, folder))
        lists: Dict[int, list] = {side: [] for side in sides}
        for done, (side, index) in enumerate(jobs, 1):
            board = render_board(seed, index, side, unit, preset)
            stem = f'board{side}_{index:02d}'
            imwrite(
                os.path.join(root, 'templates', stem + '.png'),
                board['template'][..., ::-1], PNG_PARAMS)
            imwrite(
                os.path.join(root, 'images', stem + '.png'),
                board['sample'][..., ::-1], PNG_PARAMS)
            imwrite(
                os.path.join(root, 'masks', stem + '.png'), board['mask'],
                PNG_PARAMS)
            lists[side].append(
                dict(
                    img_path=f'images/{stem}.png',
                    template_path=f'templates/{stem}.png',
                    seg_map_path=f'masks/{stem}.png',
                    **board['record'],
                    defect_pixels=int(board['mask'].sum())))
            if progress is not None:
                progress(done, len(jobs))
        for side, entries in lists.items():
            write_data(
                os.path.join(root, 'annotations', f'board_{side}.json'),
                dict(
                    metainfo=dict(
                        classes=list(CLASSES),
                        dataset='SynOCD boards',
                        size=side,
                        preset=preset),
                    data_list=entries),
                indent=1)
        meta = dict(
            generator='mmdefect.datasets.synocd_generator.boards',
            version=GENERATOR_VERSION,
            args=dict(
                sides=list(sides),
                count=count,
                unit=unit,
                preset=preset,
                seed=seed),
            classes=list(CLASSES),
            boards={
                str(side): len(entries)
                for side, entries in lists.items()
            },
            defect_rate=1 / DEFECT_RATE,
            library_versions=dict(
                numpy=np.__version__, opencv=cv2.__version__))
        write_meta(root, meta)
    return meta
