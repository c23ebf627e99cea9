from .derived_targets import (GenerateEdgeMap, GenerateLocationMap,
                              GenerateSegDecTargets)
from .formatting import PackDefectInputs
from .loading import LoadDefectAnnotations, LoadDefectImages, read_image
from .per_image import PerImageTransform

__all__ = [
    'GenerateEdgeMap', 'GenerateLocationMap', 'GenerateSegDecTargets',
    'LoadDefectAnnotations', 'LoadDefectImages', 'PackDefectInputs',
    'PerImageTransform', 'read_image'
]
