"""SynOCD: misaligned template/sample pairs of optical-communication-device
assemblies.

BANet and BGNet are trained on OCDs (918 private pairs: a base, pins, SMD
components and gold jump wires), whose templates are not registered with
their samples: texture changes between production batches, translation
and rotation of the workpiece, local movement of components and wires
(BANet Sec. III-B and IV-C, BGNet Sec. 1 and 4.1.3).  This generator makes
such pairs with numpy and OpenCV, deterministically and in parallel:

* 8 product types (:mod:`.layouts`) x 4 production batches
  (:mod:`.looks`: base material, palette, texture, lighting);
* per unit (template or sample) its own texture realisation and local
  jitter of components (+-2 px, +-2 deg) and wire loops (+-3 px)
  (:mod:`.units`);
* the sample differs from its template by a photometric change (lambda of
  BANet Eq. 3) and a global pose, by preset: ``none`` (no pose), ``easy``
  (+-8 px, +-2 deg), ``default`` (+-16 px, +-5 deg), ``hard`` (+-32 px,
  +-10 deg), at 256 x 256 and scaled with the size; optional scale change
  (:mod:`.pairs`);
* uncovered borders come from drawing a larger canvas, never a fill;
* the five OCD defect kinds in OCD proportions, drawn in object
  coordinates (:mod:`.defects`); label = footprint where the sample
  visibly changed; binary masks;
* splits: the paper's 6:2:2 per kind (551 / 183 / 184) and a held-out
  batch split; the misalignment sweep renders the test scenes at
  translation {0, 4, 8, 16, 32} px x rotation {0, 2, 5, 10} deg
  (:mod:`.writer`);
* large boards (2,048 and 4,096 px panels of units under one global pose)
  for tiled inference and registration (:mod:`.boards`).

Every magnitude the papers leave open is our choice (they give none), each
listed in ``docs/synocd.md`` next to the paper statement it models.  Random
streams: layout ``[seed, 0, type]``, batch look ``[seed, 1, type, batch]``,
pair ``[seed, 2, kind, index, stream]``, so the output does not depend on
the number of workers.
"""
from mmdefect.utils.geometry import pose_matrix
from .boards import BOARD_SIDES, generate_boards, render_board
from .defects import KINDS, OCD_COUNTS
from .pairs import (PRESETS, SWEEP_ROTATIONS, SWEEP_TRANSLATIONS, Pair,
                    sweep_names)
from .writer import (CLASSES, GENERATOR_VERSION, generate_synocd, ocd_counts,
                     plan_pairs, split_counts)

__all__ = [
    'BOARD_SIDES', 'CLASSES', 'GENERATOR_VERSION', 'KINDS', 'OCD_COUNTS',
    'PRESETS', 'Pair', 'SWEEP_ROTATIONS', 'SWEEP_TRANSLATIONS',
    'generate_boards', 'generate_synocd', 'ocd_counts', 'plan_pairs',
    'pose_matrix', 'render_board', 'split_counts', 'sweep_names'
]
