"""Convert KolektorSDD2 for mixed supervision (MFFPA Table 4).

Božič et al., "Mixed supervision for surface-defect detection", 2021.
Input: ``train/<id>.png`` and ``test/<id>.png`` (colour, about 230 x 630)
with masks ``<id>_GT.png`` (0/255; a defect wherever non-zero, as the
reference reads them).  The split is the dataset's own (2,331 / 1,004
images, 246 / 110 defective).  Output: :class:`.MixedSplitWriter`'s layout
at the original size (the config resizes to 232 x 640), with
``splits/train_n<N>.json`` for N = 0, 16, 53, 126, 246.
"""
import os
import os.path as osp

import cv2

from mmdefect.utils import staged_output
from .common import check_output_dir, imread, write_meta
from .mixed_supervision import MixedSplitWriter

COUNTS = (0, 16, 53, 126, 'all')
SPLITS = ('train', 'test')


def ksdd2_samples(root, split):
    """``(id, image path, mask path)`` of a split, ids in numeric order."""
    folder = osp.join(root, split)
    if not osp.isdir(folder):
        raise FileNotFoundError(f'KolektorSDD2 split folder {folder} not '
                                'found')
    ids = sorted((n[:-4] for n in os.listdir(folder)
                  if n.endswith('.png') and not n.endswith('_GT.png')),
                 key=lambda i: (len(i), i))
    if not ids:
        raise ValueError(f'{folder} holds no <id>.png images')
    samples = []
    for id_ in ids:
        mask = osp.join(folder, f'{id_}_GT.png')
        if not osp.isfile(mask):
            raise FileNotFoundError(f'mask {mask} not found for image '
                                    f'{osp.join(folder, id_ + ".png")}')
        samples.append((id_, osp.join(folder, f'{id_}.png'), mask))
    return samples


def convert_ksdd2(ksdd2_root,
                  out_dir,
                  counts=COUNTS,
                  seed=0,
                  overwrite=False,
                  progress=None):
    """Write KolektorSDD2 to ``out_dir``; return its meta dict.

    Args:
        counts (Sequence[int | str]): The N of the training files.
        seed (int): Seed of the choice of the N pixel-labelled positives.
        progress: optional ``callable(done, total)`` called per image.
    """
    root, out = check_output_dir(ksdd2_root, out_dir, overwrite,
                                 'KolektorSDD2')
    samples = {split: ksdd2_samples(root, split) for split in SPLITS}
    total = sum(len(s) for s in samples.values())
    done = 0
    with staged_output(out, overwrite) as stage:
        writer = MixedSplitWriter(stage)
        for split in SPLITS:
            for id_, image, mask in samples[split]:
                img = imread(image, cv2.IMREAD_COLOR)
                label = imread(mask, cv2.IMREAD_GRAYSCALE, what='mask')
                writer.add(split, id_, img, label)
                done += 1
                if progress:
                    progress(done, total)
        meta = dict(
            dataset='KolektorSDD2', seed=seed, **writer.finish(counts, seed))
        write_meta(stage, meta)
    return meta
