"""Converters of public defect data sets into the paired list layout."""
from .mvtec_ad import convert_mvtec
from .pku_pcb import convert_pcb

__all__ = ['convert_mvtec', 'convert_pcb']
