"""Convert DAGM 2007 for mixed supervision, one dataset per class (MFFPA
Table 2).

Input: ``ClassK/{Train,Test}/NNNN.PNG`` (512 x 512 grey) and, for the
defective images, ``ClassK/{Train,Test}/Label/NNNN_label.PNG`` (coarse
ellipses, 0/255); an image is defective iff its label file exists.  The
official Train / Test split is kept, and every class is its own dataset
(the reference trains one model per class and reports their mean).
Output: ``OUT/classK/`` in :class:`.MixedSplitWriter`'s layout with
``splits/train_n<N>.json`` for N = 0, 5, 15, 45 and all.
"""
import os
import os.path as osp
import re

import cv2

from mmdefect.utils import staged_output
from .common import check_output_dir, imread, write_meta
from .mixed_supervision import MixedSplitWriter

COUNTS = (0, 5, 15, 45, 'all')
CLASS = re.compile(r'Class(\d+)$')
SPLITS = dict(train='Train', test='Test')


def dagm_classes(root):
    """``ClassK`` folder names in numeric order."""
    classes = sorted((d for d in os.listdir(root)
                      if CLASS.match(d) and osp.isdir(osp.join(root, d))),
                     key=lambda d: int(CLASS.match(d).group(1)))
    if not classes:
        raise ValueError(f'{root} holds no ClassK folders (DAGM layout '
                         'ClassK/{Train,Test}/NNNN.PNG)')
    return classes


def dagm_samples(folder):
    """``(stem, image path, label path or None)`` of a Train/Test folder."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'DAGM folder {folder} not found')
    images = {
        osp.splitext(n)[0]: osp.join(folder, n)
        for n in os.listdir(folder) if osp.splitext(n)[1].lower() == '.png'
    }
    if not images:
        raise ValueError(f'{folder} holds no NNNN.PNG images')
    labels = osp.join(folder, 'Label')
    found = {
        osp.splitext(n)[0][:-len('_label')]: osp.join(labels, n)
        for n in (os.listdir(labels) if osp.isdir(labels) else [])
        if osp.splitext(n)[0].endswith('_label')
    }
    orphans = sorted(set(found) - set(images))
    if orphans:
        raise ValueError(f'{labels} holds labels without an image: '
                         f'{orphans[0]}_label.PNG')
    return [(stem, images[stem], found.get(stem)) for stem in sorted(images)]


def convert_dagm(dagm_root,
                 out_dir,
                 classes=None,
                 counts=COUNTS,
                 seed=0,
                 overwrite=False,
                 progress=None):
    """Write every DAGM class to ``out_dir/classK``; return the meta dict.

    Args:
        classes (Sequence[int], optional): Class numbers to convert; None:
            every ``ClassK`` folder.
        counts (Sequence[int | str]): The N of the training files.
    """
    root, out = check_output_dir(dagm_root, out_dir, overwrite, 'DAGM')
    names = dagm_classes(root)
    if classes:
        wanted = [f'Class{k}' for k in classes]
        missing = sorted(set(wanted) - set(names))
        if missing:
            raise ValueError(f'{root} has no {", ".join(missing)}')
        names = wanted
    samples = {
        (name, split): dagm_samples(osp.join(root, name, folder))
        for name in names
        for split, folder in SPLITS.items()
    }
    total = sum(len(s) for s in samples.values())
    done = 0
    meta = dict(dataset='DAGM 2007', seed=seed, classes={})
    with staged_output(out, overwrite) as stage:
        for name in names:
            writer = MixedSplitWriter(osp.join(stage, name.lower()))
            for split in SPLITS:
                for stem, image, label in samples[(name, split)]:
                    img = imread(image, cv2.IMREAD_GRAYSCALE)
                    mask = None if label is None else imread(
                        label, cv2.IMREAD_GRAYSCALE, what='label')
                    if mask is not None and not mask.any():
                        raise ValueError(f'label {label} holds no defect')
                    writer.add(
                        split, stem, img, mask, label=int(mask is not None))
                    done += 1
                    if progress:
                        progress(done, total)
            meta['classes'][name.lower()] = writer.finish(counts, seed)
        write_meta(stage, meta)
    return meta
