from .paired_defect_dataset import PairedDefectDataset
from .synlcd import SynLCDDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['PairedDefectDataset', 'SynLCDDataset']
