from .defect_iou_metric import DefectIoUMetric

__all__ = ['DefectIoUMetric']
