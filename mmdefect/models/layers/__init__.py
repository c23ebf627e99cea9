from .feature_matching import (blocked_matches, dense_matches, match_tokens,
                               matched_subtraction)
from .foreground_edge_attention import (ForegroundEdgeAttention,
                                        RefinementResidualBlock)
from .linear_transformer import (LinearTransformer, LinearTransformerLayer,
                                 linear_attention, sine_positional_encoding)
from .spatial_transformer import SpatialTransformer, theta_from_pixel_affine

__all__ = [
    'ForegroundEdgeAttention', 'LinearTransformer', 'LinearTransformerLayer',
    'RefinementResidualBlock', 'SpatialTransformer', 'blocked_matches',
    'dense_matches', 'linear_attention', 'match_tokens', 'matched_subtraction',
    'sine_positional_encoding', 'theta_from_pixel_affine'
]
