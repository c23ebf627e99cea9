from .defect_dataset import DefectDataset
from .mvtec_ad import MVTecADDataset
from .pku_pcb import PKUPCBDataset
from .samplers import *  # noqa: F401,F403
from .synlcd import SynLCDDataset
from .synocd import SynOCDDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'DefectDataset', 'SynLCDDataset', 'SynOCDDataset', 'MVTecADDataset',
    'PKUPCBDataset'
]
