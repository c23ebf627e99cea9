from .feature_matching import (blocked_matches, dense_matches, match_tokens,
                               matched_subtraction)
from .fine_extraction import FineExtraction
from .foreground_edge_attention import (ForegroundEdgeAttention,
                                        RefinementResidualBlock)
from .linear_transformer import (LinearTransformer, LinearTransformerLayer,
                                 linear_attention, sine_positional_encoding)
from .location_attention import LocationAttention
from .shape_detection import ShapeDetection
from .spatial_transformer import SpatialTransformer, theta_from_pixel_affine
from .vgg_block import vgg_block

__all__ = [
    'FineExtraction', 'LocationAttention', 'ShapeDetection', 'vgg_block',
    'ForegroundEdgeAttention', 'LinearTransformer', 'LinearTransformerLayer',
    'RefinementResidualBlock', 'SpatialTransformer', 'blocked_matches',
    'dense_matches', 'linear_attention', 'match_tokens', 'matched_subtraction',
    'sine_positional_encoding', 'theta_from_pixel_affine'
]
