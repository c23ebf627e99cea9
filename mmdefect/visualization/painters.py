"""Tiles of the heat maps of a prediction, each drawn by its painter."""
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from mmdefect.registry import MAP_PAINTERS
from .overlays import heat_map

Tile = Tuple[str, np.ndarray]


def heat_map_tiles(maps: Dict[str, np.ndarray], image: np.ndarray,
                   template: Optional[np.ndarray]) -> List[Tile]:
    """The default painter: one colour heat map (:func:`heat_map`) per map,
    titled with its name."""
    return [(name, heat_map(values)) for name, values in maps.items()]


def paint_maps(maps: Dict[str, np.ndarray], image: np.ndarray,
               template: Optional[np.ndarray]) -> List[Tile]:
    """Titled tiles of a prediction's heat maps.

    A map is drawn by the painter registered under its name in
    :data:`~mmdefect.registry.MAP_PAINTERS` (by the module that makes it),
    else by :func:`heat_map_tiles`.  A painter is called once with all the
    maps it is registered for, ``painter(maps, image, template)``, and
    returns its tiles; ``maps`` maps names to (H, W) arrays, ``image`` and
    ``template`` are (H, W, 3) RGB (``template`` None for single-image
    models).
    """
    groups: Dict[Callable, Dict[str, np.ndarray]] = {}
    for name, values in maps.items():
        painter = MAP_PAINTERS.module_dict.get(name, heat_map_tiles)
        groups.setdefault(painter, {})[name] = values
    return [
        tile for painter, group in groups.items()
        for tile in painter(group, image, template)
    ]
