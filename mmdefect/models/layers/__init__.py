from .foreground_edge_attention import (ForegroundEdgeAttention,
                                        RefinementResidualBlock)
from .spatial_transformer import SpatialTransformer, theta_from_pixel_affine

__all__ = [
    'ForegroundEdgeAttention', 'RefinementResidualBlock', 'SpatialTransformer',
    'theta_from_pixel_affine'
]
