from .feature_fusion_neck import FeatureFusionNeck, distance_map
from .spatial_transformer_neck import SpatialTransformerNeck

__all__ = ['FeatureFusionNeck', 'SpatialTransformerNeck', 'distance_map']
