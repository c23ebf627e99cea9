from .feature_fusion_neck import FeatureFusionNeck, distance_map
from .feature_matching_neck import FeatureMatchingNeck
from .multiscale_fusion_neck import MultiscaleFusionNeck
from .spatial_transformer_neck import SpatialTransformerNeck

__all__ = [
    'MultiscaleFusionNeck', 'FeatureFusionNeck', 'FeatureMatchingNeck',
    'SpatialTransformerNeck', 'distance_map'
]
