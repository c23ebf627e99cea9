"""MVTec-AD re-split for fully supervised segmentation (CADNet, Sec. 4.1).

Bergmann et al., "MVTec AD -- a comprehensive real-world dataset for
unsupervised anomaly detection", CVPR 2019.  CADNet re-splits the images
randomly 70/30 and reports a per-class IoU where a defect pixel's class is
its object category (Table 5).  Converted by
``tools/dataset_converters/mvtec_ad.py``; layout in ``docs/datasets.md``.
Labels: 0 background, 1..15 the defect of that object category.
"""
from mmseg.registry import DATASETS

from .defect_dataset import DefectDataset


@DATASETS.register_module()
class MVTecADDataset(DefectDataset):
    METAINFO = dict(
        classes=('background', 'bottle', 'cable', 'capsule', 'carpet', 'grid',
                 'hazelnut', 'leather', 'metal_nut', 'pill', 'screw', 'tile',
                 'toothbrush', 'transistor', 'wood', 'zipper'),
        palette=[[0, 0, 0], [230, 25, 75], [60, 180, 75], [255, 225, 25],
                 [0, 130, 200], [245, 130, 48], [145, 30, 180], [70, 240, 240],
                 [240, 50, 230], [210, 245, 60], [250, 190,
                                                  212], [0, 128, 128],
                 [220, 190, 255], [170, 110, 40], [255, 250, 200], [128, 0,
                                                                    0]])
