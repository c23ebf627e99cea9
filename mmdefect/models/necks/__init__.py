from .feature_fusion_neck import FeatureFusionNeck, distance_map

__all__ = ['FeatureFusionNeck', 'distance_map']
