from .feature_list import FeatureList
from .heat_map_exporter import (MAP_KINDS, HeatMapExporter,
                                check_heat_map_exporter)
from .modulated_conv import ModulatedPointwiseConv

__all__ = [
    'FeatureList', 'HeatMapExporter', 'MAP_KINDS', 'ModulatedPointwiseConv',
    'check_heat_map_exporter'
]
