from .defect_encoder_decoder import (DefectEncoderDecoder, defect_classes,
                                     defect_probability, heat_maps,
                                     scale_displacements, to_original_geometry)
from .defect_tta_model import DefectTTAModel
from .siamese_encoder_decoder import SiameseEncoderDecoder

__all__ = [
    'DefectEncoderDecoder', 'DefectTTAModel', 'SiameseEncoderDecoder',
    'defect_classes', 'defect_probability', 'heat_maps', 'scale_displacements',
    'to_original_geometry'
]
