from .mvtec_ad import MVTecADDataset
from .paired_defect_dataset import PairedDefectDataset
from .pku_pcb import PKUPCBDataset
from .synlcd import SynLCDDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'PairedDefectDataset', 'SynLCDDataset', 'MVTecADDataset', 'PKUPCBDataset'
]
