"""PKU-Market-PCB cropped to 1000x1000 sub-images (CADNet, Sec. 4.1).

Huang and Wei, "A PCB dataset for defects detection and classification",
arXiv:1901.08204.  The published set has boxes only; masks are derived by
``tools/dataset_converters/pku_pcb.py`` from the sample/template difference
inside each box (see ``docs/datasets.md``).  Labels: 0 background, 1..6 the
six defect types in the dataset's alphabetical folder order (CADNet's Table 4
names its columns only c1..c6).
"""
from mmseg.registry import DATASETS

from .defect_dataset import DefectDataset


@DATASETS.register_module()
class PKUPCBDataset(DefectDataset):
    METAINFO = dict(
        classes=('background', 'missing_hole', 'mouse_bite', 'open_circuit',
                 'short', 'spur', 'spurious_copper'),
        palette=[[0, 0, 0], [255, 64, 64], [64, 255, 64], [64, 64, 255],
                 [255, 255, 64], [255, 64, 255], [64, 255, 255]])
