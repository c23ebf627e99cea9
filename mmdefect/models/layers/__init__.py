from .coord_attention import CoordAttention
from .feature_matching import (blocked_matches, dense_matches, match_tokens,
                               matched_subtraction)
from .fine_extraction import FineExtraction
from .foreground_edge_attention import (ForegroundEdgeAttention,
                                        RefinementResidualBlock)
from .gradient_multiply import gradient_multiply
from .linear_transformer import (LinearTransformer, LinearTransformerLayer,
                                 linear_attention, sine_positional_encoding)
from .location_attention import LocationAttention
from .outlook_attention import OutlookAttention
from .pyramid_attention import PyramidAttention
from .segdec_conv import FeatureNorm, SegDecConv
from .segdec_decision import SegDecDecision
from .shape_detection import ShapeDetection
from .spatial_transformer import (SpatialTransformer, displacement_field,
                                  theta_from_pixel_affine)
from .vgg_block import vgg_block

__all__ = [
    'CoordAttention', 'FeatureNorm', 'FineExtraction', 'LocationAttention',
    'OutlookAttention', 'PyramidAttention', 'SegDecConv', 'SegDecDecision',
    'ShapeDetection', 'vgg_block', 'ForegroundEdgeAttention',
    'LinearTransformer', 'LinearTransformerLayer', 'RefinementResidualBlock',
    'SpatialTransformer', 'blocked_matches', 'dense_matches',
    'displacement_field', 'gradient_multiply', 'linear_attention',
    'match_tokens', 'matched_subtraction', 'sine_positional_encoding',
    'theta_from_pixel_affine'
]
