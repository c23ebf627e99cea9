"""Drawing of defect predictions: pure overlay functions and the Runner's
panel visualizer (registered as ``DefectVisualizer``)."""
from .defect_visualizer import DefectVisualizer
from .overlays import (blend, color_mask, error_overlay, heat_map, make_panel,
                       put_text)

__all__ = [
    'blend', 'color_mask', 'error_overlay', 'heat_map', 'make_panel',
    'match_lines', 'put_text', 'DefectVisualizer'
]
