from .global_pool_cls_head import GlobalPoolClsHead
from .image_cls_head import ImageClsHead

__all__ = ['GlobalPoolClsHead', 'ImageClsHead']
