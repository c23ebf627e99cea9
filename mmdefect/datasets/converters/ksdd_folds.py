"""Convert KolektorSDD for mixed supervision: SegDecNet's 3-fold
cross-validation by commutator (MFFPA Table 1).

Input: ``kosNN/PartK.jpg`` + ``PartK_label.bmp`` (the reference uses the
"boxes" label release, whose labels are filled rectangles; either release
converts).  ``kos21/Part7`` is left out as in the reference (398 images).
The 50 commutator folders are shuffled with a seed and cut into three
groups of 17, 17 and 16: fold k tests on group k and trains on the other
two, so all images of one commutator fall on one side, as in the
reference's split files (which cannot be downloaded here).  N counts
pixel-labelled defective images (a defective commutator has one defective
image, so folders and images agree).

Output: :class:`.MixedSplitWriter`'s layout per fold, ``OUT/fold{k}/``,
images at their original size (the config resizes to 512 x 1408), with
``splits/train_n<N>.json`` for N = 0, 5, 10, 15, 20, 33 and
``splits/test.json``.  Reported numbers average the three folds
(``tools/analysis_tools/aggregate_results.py``).
"""
import os.path as osp

import cv2
import numpy as np

from mmdefect.utils import staged_output
from .common import check_output_dir, imread, write_meta
from .ksdd import collect_images
from .mixed_supervision import MixedSplitWriter

COUNTS = (0, 5, 10, 15, 20, 'all')
EXCLUDE = ('kos21/Part7', )
NUM_FOLDS = 3


def fold_groups(folders, seed, num_folds=NUM_FOLDS):
    """The test folders of every fold: a seeded permutation of ``folders``
    cut into ``num_folds`` nearly equal groups."""
    if len(folders) < num_folds:
        raise ValueError(f'{len(folders)} commutator folders cannot make '
                         f'{num_folds} folds')
    order = np.random.default_rng(seed).permutation(len(folders))
    return [
        sorted(folders[i] for i in group)
        for group in np.array_split(order, num_folds)
    ]


def convert_ksdd_folds(ksdd_root,
                       out_dir,
                       counts=COUNTS,
                       exclude=EXCLUDE,
                       seed=0,
                       overwrite=False,
                       progress=None):
    """Write the three KolektorSDD folds to ``out_dir``; return the meta
    dict.

    Args:
        counts (Sequence[int | str]): The N of the training files; an N
            above a fold's defective training images is an error.
        exclude (Sequence[str]): ``kosNN/PartK`` ids to leave out (where
            present).
    """
    root, out = check_output_dir(ksdd_root, out_dir, overwrite, 'KolektorSDD')
    entries = [e for e in collect_images(root) if e['id'] not in exclude]
    folders = sorted({e['id'].split('/')[0] for e in entries})
    groups = fold_groups(folders, seed)
    meta = dict(dataset='KolektorSDD', seed=seed, folds={})
    done, total = 0, len(groups) * len(entries)
    with staged_output(out, overwrite) as stage:
        for fold, test_folders in enumerate(groups):
            writer = MixedSplitWriter(osp.join(stage, f'fold{fold}'))
            for entry in entries:
                folder = entry['id'].split('/')[0]
                writer.add(
                    'test' if folder in test_folders else 'train',
                    entry['id'].replace('/', '_'),
                    imread(entry['image'], cv2.IMREAD_GRAYSCALE),
                    imread(entry['label'], cv2.IMREAD_GRAYSCALE, what='label'))
                done += 1
                if progress:
                    progress(done, total)
            meta['folds'][f'fold{fold}'] = dict(
                test_folders=test_folders, **writer.finish(counts, seed))
        write_meta(stage, meta)
    return meta
