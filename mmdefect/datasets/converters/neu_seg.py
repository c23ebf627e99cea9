"""Convert NEU-Seg into LSA-Net's inclusion + scratch set (Table 4).

LSA-Net uses two of the three hot-rolled strip defect types of NEU-Seg,
"each with 300" images, inclusion and scratches: 480 train / 120 test at
256x256.  Two public releases carry the name; both are read (``layout``,
detected from the folders by default).  The command line is
``tools/dataset_converters/neu_seg.py``.

* ``sd-saliency-900`` (Song and Yan's SD-saliency-900; the recommended
  source, it matches "300 each" and 480/120): ``Source Images/<T>_N.bmp``
  (200x200 grey) and ``Ground truth/<T>_N.png`` (0/255), T in In, Pa, Sc.  The
  images of ``classes`` are split per class, ``floor(train_ratio * n)`` to
  training (240/60 of 300), each class with its own generator drawn from
  ``seed``; masks are binarised ``> 127``.
* ``neu_seg`` (the 4-class NEU_Seg mirror): ``images/{training,test}/*.jpg``
  and ``annotations/{training,test}/*.png`` holding 0 background, 1
  inclusion, 2 patches, 3 scratches (``LABEL_VALUES``, read from the shapes of
  the masks; third-party loaders disagree on 1 vs 2, hence
  ``label_values``).  Its own training/test split is kept.  An image is kept
  if it holds a pixel of a chosen class; those pixels become defect (1) and
  everything else background (0), including the pixels of an unchosen class
  in an image that also holds a chosen one (a choice: masks stay 0/1, as
  the paper's two-class data).

Both are resized from 200 to ``size`` (image bilinear, mask nearest).
Output: :mod:`.single_image`'s layout, ids the source file names.
"""
import os.path as osp
import re

import numpy as np

from mmdefect.utils import staged_output
from .common import check_output_dir, split_indices, write_meta
from .single_image import (CLASSES, SplitWriter, check_size, find_image,
                           list_images, read_pair)

#: The defect types of both releases, as SD-saliency-900 names its files.
DEFECT_TYPES = dict(In='inclusion', Pa='patches', Sc='scratches')
#: Mask value of each defect type in the 4-class NEU_Seg release.
LABEL_VALUES = dict(In=1, Pa=2, Sc=3)
LAYOUTS = ('sd-saliency-900', 'neu_seg')
NEU_SEG_SPLITS = dict(train='training', test='test')


def detect_layout(root):
    """``sd-saliency-900`` or ``neu_seg``, from the folders ``root``
    holds."""
    if osp.isdir(osp.join(root, 'Source Images')):
        return 'sd-saliency-900'
    if osp.isdir(osp.join(root, 'images')) and osp.isdir(
            osp.join(root, 'annotations')):
        return 'neu_seg'
    raise FileNotFoundError(
        f'{root} holds neither "Source Images/" and "Ground truth/" '
        '(SD-saliency-900) nor images/ and annotations/ (NEU_Seg)')


def collect_sd900(root, classes):
    """The images of each chosen class with their masks, by number."""
    src, gt = osp.join(root, 'Source Images'), osp.join(root, 'Ground truth')
    names = list_images(src, what='source images')
    by_class = {}
    for cls in classes:
        pattern = re.compile(rf'{cls}_(\d+)$')
        stems = sorted((osp.splitext(n)[0]
                        for n in names if pattern.match(osp.splitext(n)[0])),
                       key=lambda s: int(s[len(cls) + 1:]))
        if not stems:
            raise ValueError(f'"{src}" holds no {cls}_N image '
                             f'({DEFECT_TYPES[cls]})')
        by_class[cls] = []
        for stem in stems:
            mask = find_image(gt, stem)
            if mask is None:
                raise FileNotFoundError(
                    f'mask {gt}/{stem}.png not found for image '
                    f'{find_image(src, stem)}')
            by_class[cls].append(
                dict(name=stem, image=find_image(src, stem), mask=mask))
    return by_class


def collect_neu_seg(root):
    """The images of each split of the 4-class release with their
    masks."""
    by_split = {}
    for split, folder in NEU_SEG_SPLITS.items():
        img_dir = osp.join(root, 'images', folder)
        ann_dir = osp.join(root, 'annotations', folder)
        by_split[split] = []
        for name in list_images(img_dir):
            stem = osp.splitext(name)[0]
            mask = find_image(ann_dir, stem)
            if mask is None:
                raise FileNotFoundError(
                    f'mask {ann_dir}/{stem}.png not found for image '
                    f'{osp.join(img_dir, name)}')
            by_split[split].append(
                dict(name=stem, image=osp.join(img_dir, name), mask=mask))
    return by_split


def _neu_seg_mask(raw, values, path):
    """The 0/1 mask of a 4-class NEU_Seg mask and the chosen values it
    holds (``value_<v>``)."""
    if raw.max() > 3:
        raise ValueError(f'mask {path} holds values '
                         f'{sorted(set(np.unique(raw).tolist()) - {0})}; '
                         'NEU_Seg masks hold 0 background and 1..3')
    present = [f'value_{v}' for v in values if (raw == v).any()]
    return np.isin(raw, values), present


def convert_neu_seg(neu_root,
                    out_dir,
                    layout='auto',
                    classes=('In', 'Sc'),
                    label_values=None,
                    size=256,
                    seed=0,
                    train_ratio=0.8,
                    overwrite=False,
                    progress=None):
    """Write the two-class NEU-Seg to ``out_dir``; return its meta dict.

    Args:
        layout (str): ``'auto'`` or one of :data:`LAYOUTS`.
        classes (Sequence[str]): Defect types kept, keys of
            :data:`DEFECT_TYPES`.
        label_values (Sequence[int], optional): ``neu_seg`` only: the mask
            values marking a defect, instead of the chosen classes' values
            in :data:`LABEL_VALUES`.
        train_ratio (float): ``sd-saliency-900`` only: per-class fraction
            for training.
        progress: optional ``callable(done, total)`` called per image.
    """
    root, out = check_output_dir(neu_root, out_dir, overwrite, 'NEU-Seg')
    check_size(size)
    if layout == 'auto':
        layout = detect_layout(root)
    elif layout not in LAYOUTS:
        raise ValueError(f'layout must be auto or one of {LAYOUTS}, got '
                         f'{layout!r}')
    unknown = sorted(set(classes) - set(DEFECT_TYPES))
    if unknown or not classes:
        raise ValueError(f'classes must be among {", ".join(DEFECT_TYPES)}; '
                         f'got {list(classes)}')
    classes = [c for c in DEFECT_TYPES if c in classes]
    args = dict(classes=classes, size=size)
    if layout == 'sd-saliency-900':
        if label_values is not None:
            raise ValueError('label_values applies to the neu_seg layout '
                             'only')
        if not 0 < train_ratio < 1:
            raise ValueError(
                f'train_ratio must lie in (0, 1), got {train_ratio}')
        args.update(seed=seed, train_ratio=train_ratio)
        jobs = []
        for cls, entries in collect_sd900(root, classes).items():
            train, _ = split_indices(
                len(entries),
                train_ratio, [seed, list(DEFECT_TYPES).index(cls)],
                what=f'{cls} images')
            train = set(train)
            jobs += [(e, 'train' if i in train else 'test', cls)
                     for i, e in enumerate(entries)]
    else:
        values = sorted(
            set(label_values or [LABEL_VALUES[c] for c in classes]))
        if not set(values) <= {1, 2, 3}:
            raise ValueError(f'label_values must lie in 1..3, got {values}')
        args.update(label_values=values)
        jobs = [(e, split, None)
                for split, entries in collect_neu_seg(root).items()
                for e in entries]

    # Images per split and per class (SD-saliency-900) or chosen mask
    # value (NEU_Seg, whose images may hold several).
    keys = classes if layout == 'sd-saliency-900' else [
        f'value_{v}' for v in values
    ]
    counts = {
        split: dict(images=0, **{k: 0
                                 for k in keys})
        for split in ('train', 'test')
    }
    dropped = other_pixels = 0
    with staged_output(out, overwrite) as stage:
        writer = SplitWriter(stage, size)
        for done, (entry, split, cls) in enumerate(jobs, 1):
            img, raw = read_pair(entry['image'], entry['mask'])
            if cls is not None:
                mask, present, keep = raw > 127, [cls], True
            else:
                mask, present = _neu_seg_mask(raw, values, entry['mask'])
                keep = mask.any()
                if keep:
                    other_pixels += int(((raw > 0) & ~mask).sum())
            if keep:
                writer.add(split, entry['name'], img, mask)
                counts[split]['images'] += 1
                for c in present:
                    counts[split][c] += 1
            else:
                dropped += 1
            if progress is not None:
                progress(done, len(jobs))
        meta = dict(
            converter='mmdefect.datasets.converters.neu_seg',
            reference='LSA-Net Table 4 (NEU-Seg 256x256, 480/120)',
            source=root,
            layout=layout,
            args=args,
            classes=list(CLASSES),
            splits=counts,
            pixel_counts=writer.finish())
        if layout == 'neu_seg':
            meta['images_dropped_without_chosen_class'] = dropped
            meta['other_class_pixels_set_to_background'] = other_pixels
        write_meta(stage, meta)
    return meta
