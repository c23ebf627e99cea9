from .feature_list import FeatureList

__all__ = ['FeatureList']
