"""Convert the Magnetic-tile defect data set into LSA-Net's 256x256 split
(Table 4).

Huang et al., "Surface defect saliency of magnetic tile", The Visual
Computer 2020 (LSA-Net's [51]).  The command line is
``tools/dataset_converters/magnetic_tile.py``.

Input: ``MT_<Class>/Imgs/<stem>.jpg`` and its mask ``<stem>.png`` in the same
folder, for Blowhole, Break, Crack, Fray, Uneven and Free.  Masks are 8-bit
grey, 0/255 with anti-aliased edges of 1..254, binarised ``>= threshold``
(128); Free masks are all zero.

LSA-Net uses the 5 defect classes (392 images; MT_Free only with
``classes``), resized to 256x256 (image bilinear, mask nearest; the tiles are
not square, so the aspect ratio changes, as in the paper), 341 train / 51
test with every class in both splits.  The test images are drawn per class
with the counts of :data:`PAPER_COUNTS`, scaled to the class's
image count for other inputs (:func:`stratified_test_counts`).

Output: :mod:`.single_image`'s layout, ids ``<Class>_<stem>``.
"""
import os
import os.path as osp

import numpy as np

from mmdefect.utils import staged_output
from .common import check_output_dir, write_meta
from .single_image import (CLASSES, SplitWriter, check_size, list_images,
                           read_pair)

MT_CLASSES = ('Blowhole', 'Break', 'Crack', 'Fray', 'Uneven', 'Free')
DEFECT_CLASSES = MT_CLASSES[:5]
#: Images of each class in the public release and its test images in the
#: stratification of LSA-Net's 51 chosen here.  Free, unused by
#: the paper, takes the overall ratio 51 / 392.
PAPER_COUNTS = dict(
    Blowhole=(115, 15),
    Break=(85, 11),
    Crack=(57, 8),
    Fray=(32, 4),
    Uneven=(103, 13),
    Free=(392, 51))


def stratified_test_counts(sizes):
    """Test images per class for ``sizes`` (class -> images).

    The paper's count scaled to the class's size and rounded, at least 1
    and at most ``n - 1`` (a class of one image goes to training): the full
    release gets exactly 15/11/8/4/13.
    """
    counts = {}
    for cls, num in sizes.items():
        full, test = PAPER_COUNTS[cls]
        scaled = (2 * num * test + full) // (2 * full)  # rounded half up
        counts[cls] = min(max(scaled, 1), num - 1) if num > 1 else 0
    return counts


def collect_images(root, classes):
    """The images of each class with their masks, by file name."""
    by_class = {}
    for cls in classes:
        folder = osp.join(root, f'MT_{cls}', 'Imgs')
        images = list_images(folder, ('.jpg', ), what=f'{cls} images')
        masks = {
            osp.splitext(n)[0]: n
            for n in os.listdir(folder) if n.lower().endswith('.png')
        }
        by_class[cls] = []
        for name in images:
            stem = osp.splitext(name)[0]
            if stem not in masks:
                raise FileNotFoundError(
                    f'mask {folder}/{stem}.png not found for image '
                    f'{osp.join(folder, name)}')
            by_class[cls].append(
                dict(
                    name=stem,
                    image=osp.join(folder, name),
                    mask=osp.join(folder, masks[stem])))
    return by_class


def convert_magnetic_tile(mt_root,
                          out_dir,
                          classes=DEFECT_CLASSES,
                          size=256,
                          threshold=128,
                          seed=0,
                          overwrite=False,
                          progress=None):
    """Write the Magnetic-tile split to ``out_dir``; return its meta dict.

    Args:
        classes (Sequence[str]): Classes converted, among
            :data:`MT_CLASSES`.
        threshold (int): Mask values ``>= threshold`` are defect.
        progress: optional ``callable(done, total)`` called per image.
    """
    root, out = check_output_dir(mt_root, out_dir, overwrite, 'Magnetic-tile')
    check_size(size)
    unknown = sorted(set(classes) - set(MT_CLASSES))
    if unknown or not classes:
        raise ValueError(f'classes must be among {", ".join(MT_CLASSES)}; '
                         f'got {list(classes)}')
    if not 0 < threshold < 256:
        raise ValueError(f'threshold must lie in 1..255, got {threshold}')
    classes = [c for c in MT_CLASSES if c in classes]

    by_class = collect_images(root, classes)
    num_test = stratified_test_counts({c: len(e) for c, e in by_class.items()})
    jobs = []
    for cls, entries in by_class.items():
        # One generator per class: converting a subset keeps the others'
        # splits.
        rng = np.random.default_rng([seed, MT_CLASSES.index(cls)])
        test = set(rng.permutation(len(entries))[:num_test[cls]].tolist())
        jobs += [(e, 'test' if i in test else 'train', cls)
                 for i, e in enumerate(entries)]

    counts = {
        split: dict(images=0, **{c: 0
                                 for c in classes})
        for split in ('train', 'test')
    }
    with staged_output(out, overwrite) as stage:
        writer = SplitWriter(stage, size)
        for done, (entry, split, cls) in enumerate(jobs, 1):
            img, raw = read_pair(entry['image'], entry['mask'])
            writer.add(split, f'{cls}_{entry["name"]}', img, raw >= threshold)
            counts[split]['images'] += 1
            counts[split][cls] += 1
            if progress is not None:
                progress(done, len(jobs))
        meta = dict(
            converter='mmdefect.datasets.converters.magnetic_tile',
            reference='LSA-Net Table 4 (MT defect 256x256, 341/51)',
            source=root,
            args=dict(
                classes=classes, size=size, threshold=threshold, seed=seed),
            classes=list(CLASSES),
            splits=counts,
            pixel_counts=writer.finish())
        write_meta(stage, meta)
    return meta
