"""Drawing of defect predictions: pure overlay functions and the Runner's
paired visualizer (registered as ``PairedSegVisualizer``)."""
from .overlays import (blend, color_mask, error_overlay, heat_map,
                       make_panel, put_text)
from .paired_visualizer import PairedSegVisualizer

__all__ = [
    'blend', 'color_mask', 'error_overlay', 'heat_map', 'make_panel',
    'put_text', 'PairedSegVisualizer'
]
