from .calibration_metric import CalibrationMetric
from .defect_iou_metric import DefectIoUMetric
from .image_metric import ImageDefectMetric

__all__ = ['CalibrationMetric', 'DefectIoUMetric', 'ImageDefectMetric']
