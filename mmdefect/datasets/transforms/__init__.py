from .loading import LoadDefectAnnotations, LoadImagePairFromFile
from .per_image import PerImageTransform

__all__ = ['LoadImagePairFromFile', 'LoadDefectAnnotations',
           'PerImageTransform']
