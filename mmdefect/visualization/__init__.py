"""Drawing of defect predictions: pure overlay functions and the Runner's
panel visualizer (registered as ``DefectVisualizer``)."""
from .overlays import (blend, color_mask, error_overlay, heat_map,
                       make_panel, put_text)
from .defect_visualizer import DefectVisualizer

__all__ = [
    'blend', 'color_mask', 'error_overlay', 'heat_map', 'make_panel',
    'put_text', 'DefectVisualizer'
]
