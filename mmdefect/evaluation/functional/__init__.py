from .operating_point import (RULES, CalibrationError, OperatingPoint,
                              ScoreCounts, achieved, select_threshold)
from .region_overlap import aupro, region_histograms

__all__ = [
    'RULES', 'CalibrationError', 'OperatingPoint', 'ScoreCounts', 'achieved',
    'select_threshold', 'aupro', 'region_histograms'
]
