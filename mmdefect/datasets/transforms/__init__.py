from .derived_targets import (GenerateEdgeMap, GenerateLocationMap,
                              GenerateSegDecTargets)
from .formatting import PackDefectInputs
from .loading import LoadDefectAnnotations, LoadDefectImages, read_image
from .per_image import PerImageTransform
from .registration import (RegisterTemplate, RegistrationError,
                           register_template, with_registration)

__all__ = [
    'GenerateEdgeMap', 'GenerateLocationMap', 'GenerateSegDecTargets',
    'LoadDefectAnnotations', 'LoadDefectImages', 'PackDefectInputs',
    'PerImageTransform', 'RegisterTemplate', 'RegistrationError', 'read_image',
    'register_template', 'with_registration'
]
