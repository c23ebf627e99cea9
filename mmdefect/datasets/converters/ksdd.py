"""Convert KolektorSDD into LSA-Net's 512x512 defect windows (Table 4).

Tabernik et al., "Segmentation-based deep-learning approach for
surface-defect detection", J. Intell. Manuf. 2020 (LSA-Net's [49]).  The
command line is ``tools/dataset_converters/ksdd.py``.

Input: ``kosNN/PartK.jpg`` (grey, 500 px wide, about 1240-1270 px high) and
its fine label ``kosNN/PartK_label.bmp`` (0/255, a defect where > 0).

LSA-Net keeps "only the defective images", "divided in steps of 500x500"
into 196 crops (147 train / 49 test) resized to 512x512, without saying how.
The recipe followed here: ``window`` x ``window`` windows at the
vertical ``offsets`` {0, 250, 500, H-500} of every defective image
(clipped to the image, deduplicated), keeping the windows that hold defect
pixels (``keep_empty`` keeps all), resized to ``size`` (image bilinear, mask
nearest), masks 0/1.  The split is 3:1 **by source image**, so overlapping
windows of one image never straddle train and test; the paper split at
random at an unstated level.

Output: :mod:`.single_image`'s layout, ids ``kosNN_PartK_<top row>``.
"""
import os
import os.path as osp
import re

import cv2
import numpy as np

from mmdefect.utils import staged_output
from .common import check_output_dir, imread, split_indices, write_meta
from .single_image import (CLASSES, IMAGE_EXTS, SplitWriter, check_size,
                           find_image, read_pair)

FOLDER = re.compile(r'kos\d+$')
PART = re.compile(r'Part\d+$')
OFFSETS = (0, 250, 500, -500)


def window_offsets(height, window, offsets=OFFSETS):
    """Top rows of the windows of an image ``height`` rows high.

    A negative offset counts from the bottom edge (``-window`` is the last
    full window, the ``H-500`` above); each is clipped to ``[0, height -
    window]`` and duplicates are dropped.  Returns them ascending.
    """
    last = height - window
    return sorted(
        {min(max(o if o >= 0 else height + o, 0), last)
         for o in offsets})


def collect_images(root, exclude=()):
    """Every ``kosNN/PartK`` image with its label, in folder order.

    Args:
        exclude (Sequence[str]): ``kosNN/PartK`` ids to leave out (the
            SegDecNet loader leaves out ``kos21/Part7``).
    """
    folders = sorted(
        d for d in os.listdir(root)
        if FOLDER.match(d) and osp.isdir(osp.join(root, d)))
    if not folders:
        raise ValueError(f'{root} holds no kosNN folders (KolektorSDD '
                         'layout kosNN/PartK.jpg + PartK_label.bmp)')
    entries = []
    for folder in folders:
        path = osp.join(root, folder)
        parts = sorted(
            (osp.splitext(n)[0]
             for n in os.listdir(path) if PART.match(osp.splitext(n)[0])
             and osp.splitext(n)[1].lower() in IMAGE_EXTS),
            key=lambda p: int(p[len('Part'):]))
        if not parts:
            raise ValueError(f'{path} holds no PartK.jpg images')
        for part in parts:
            image = find_image(path, part)
            label = find_image(path, f'{part}_label')
            if label is None:
                raise FileNotFoundError(
                    f'label {path}/{part}_label.bmp not found for image '
                    f'{image}')
            entries.append(
                dict(id=f'{folder}/{part}', image=image, label=label))
    unknown = sorted(set(exclude) - {e['id'] for e in entries})
    if unknown:
        raise ValueError(f'--exclude names images not in {root}: '
                         f'{", ".join(unknown)} (ids are kosNN/PartK)')
    return [e for e in entries if e['id'] not in set(exclude)]


def convert_ksdd(ksdd_root,
                 out_dir,
                 window=500,
                 offsets=OFFSETS,
                 size=512,
                 keep_empty=False,
                 exclude=(),
                 seed=0,
                 train_ratio=0.75,
                 overwrite=False,
                 progress=None):
    """Write KolektorSDD's defect windows to ``out_dir``; return its meta
    dict.

    Args:
        window (int): Side of the square windows; the images must be this
            wide (KolektorSDD's 500 px).
        offsets (Sequence[int]): Top rows of the windows, negative ones
            counted from the bottom edge (:func:`window_offsets`).
        size (int): Side the windows are resized to.
        keep_empty (bool): Keep the windows without a defect pixel too.
        exclude (Sequence[str]): ``kosNN/PartK`` ids to leave out.
        train_ratio (float): Fraction of the defective source images that
            go to training, ``floor(ratio * n)``.
        progress: optional ``callable(done, total)`` called per defective
            image.
    """
    root, out = check_output_dir(ksdd_root, out_dir, overwrite, 'KolektorSDD')
    check_size(size)
    if window < 8:
        raise ValueError(f'window must be >= 8, got {window}')
    if not offsets:
        raise ValueError('offsets must name at least one window row')
    if not 0 < train_ratio < 1:
        raise ValueError(f'train_ratio must lie in (0, 1), got {train_ratio}')

    entries = collect_images(root, exclude)
    defective = [
        e for e in entries
        if imread(e['label'], cv2.IMREAD_GRAYSCALE, what='label').any()
    ]
    train, _ = split_indices(
        len(defective), train_ratio, seed, what='defective KolektorSDD images')
    train = set(train)
    counts = {split: dict(images=0, windows=0) for split in ('train', 'test')}
    dropped = 0
    with staged_output(out, overwrite) as stage:
        writer = SplitWriter(stage, size)
        for index, entry in enumerate(defective):
            img, label = read_pair(entry['image'], entry['label'])
            height, width = label.shape
            if width != window or height < window:
                raise ValueError(
                    f'image {entry["image"]} is {width}x{height}: the '
                    f'{window}x{window} windows need an image {window} px '
                    'wide and at least as high (KolektorSDD images are 500 '
                    'px wide)')
            split = 'train' if index in train else 'test'
            counts[split]['images'] += 1
            mask = (label > 0).astype(np.uint8)
            for top in window_offsets(height, window, offsets):
                rows = slice(top, top + window)
                if not keep_empty and not mask[rows].any():
                    dropped += 1
                    continue
                writer.add(split, f'{entry["id"].replace("/", "_")}_{top}',
                           img[rows], mask[rows])
                counts[split]['windows'] += 1
            if progress is not None:
                progress(index + 1, len(defective))
        pixels = writer.finish()
        meta = dict(
            converter='mmdefect.datasets.converters.ksdd',
            reference='LSA-Net Table 4 (KSDD 512x512, 147/49)',
            source=root,
            args=dict(
                window=window,
                offsets=list(offsets),
                size=size,
                keep_empty=keep_empty,
                exclude=list(exclude),
                seed=seed,
                train_ratio=train_ratio),
            classes=list(CLASSES),
            images=len(entries),
            defective_images=len(defective),
            splits=counts,
            source_images={
                split: [
                    e['id'] for i, e in enumerate(defective)
                    if (i in train) == (split == 'train')
                ]
                for split in counts
            },
            windows_dropped_without_defect=dropped,
            pixel_counts=pixels)
        write_meta(stage, meta)
    return meta
