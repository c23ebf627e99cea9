from .defect_iou_metric import DefectIoUMetric
from .image_metric import ImageDefectMetric

__all__ = ['DefectIoUMetric', 'ImageDefectMetric']
