"""Drawing of defect predictions: pure overlay functions, the painters of
heat maps and the Runner's panel visualizer (registered as
``DefectVisualizer``)."""
from .defect_visualizer import DefectVisualizer
from .overlays import (blend, color_mask, error_overlay, hatch, heat_map,
                       make_panel, put_text)
from .painters import heat_map_tiles, paint_maps

__all__ = [
    'blend', 'color_mask', 'error_overlay', 'hatch', 'heat_map',
    'heat_map_tiles', 'make_panel', 'paint_maps', 'put_text',
    'DefectVisualizer'
]
