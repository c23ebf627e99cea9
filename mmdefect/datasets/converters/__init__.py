"""Converters of public defect data sets into the list layout: paired
(CADNet's PKU-Market-PCB and MVTec-AD) and single-image (LSA-Net's
KolektorSDD, NEU-Seg and Magnetic-tile)."""
from .ksdd import convert_ksdd
from .magnetic_tile import convert_magnetic_tile
from .mvtec_ad import convert_mvtec
from .neu_seg import convert_neu_seg
from .pku_pcb import convert_pcb

__all__ = [
    'convert_mvtec', 'convert_pcb', 'convert_ksdd', 'convert_neu_seg',
    'convert_magnetic_tile'
]
