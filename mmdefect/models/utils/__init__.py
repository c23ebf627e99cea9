from .feature_list import FeatureList
from .modulated_conv import ModulatedPointwiseConv

__all__ = ['FeatureList', 'ModulatedPointwiseConv']
