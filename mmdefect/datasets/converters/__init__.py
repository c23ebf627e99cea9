"""Converters of public defect data sets: paired (CADNet's PKU-Market-PCB
and MVTec-AD), single-image (LSA-Net's KolektorSDD, NEU-Seg and
Magnetic-tile) and mixed-supervision (MFFPA's KolektorSDD folds,
KolektorSDD2, DAGM and Severstal)."""
from .dagm import convert_dagm
from .ksdd import convert_ksdd
from .ksdd2 import convert_ksdd2
from .ksdd_folds import convert_ksdd_folds
from .magnetic_tile import convert_magnetic_tile
from .mvtec_ad import convert_mvtec
from .neu_seg import convert_neu_seg
from .pku_pcb import convert_pcb
from .severstal import convert_severstal

__all__ = [
    'convert_mvtec', 'convert_pcb', 'convert_ksdd', 'convert_neu_seg',
    'convert_magnetic_tile', 'convert_ksdd_folds', 'convert_ksdd2',
    'convert_dagm', 'convert_severstal'
]
