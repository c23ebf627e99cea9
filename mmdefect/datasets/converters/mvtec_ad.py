"""Convert MVTec-AD into CADNet's fully supervised re-split (Sec. 4.1).

CADNet "randomly shuffled and divided" MVTec-AD 70/30 for fully supervised
training and labels a defect pixel with its object category (Table 5).  This
module writes that split as a paired list layout (``docs/datasets.md``); the
command line is ``tools/dataset_converters/mvtec_ad.py``.

* ``OUT/images`` is a symlink to the (absolute) MVTec root, so the list files
  are relative to ``OUT`` (the config's ``data_root``) and no image is copied.
* ``OUT/masks/<category>/<defect_type>/<name>.png``: class-index masks, the
  category's index where the 0/255 ground truth is set, all zeros for
  ``good`` images.
* ``OUT/splits/{train,test}.txt``: "sample template mask" per line.  The
  template is a ``train/good`` image of the sample's category, drawn per
  sample with ``seed``.  MVTec objects are roughly aligned by the capture
  set-up but not registered (screws, metal nuts and textures lie in arbitrary
  poses), so the template is a reference of the object's appearance rather
  than a pixel-aligned one.
* By default every ``test`` image (defective and good) is split; the paper's
  5,354 images are the whole data set, ``train/good`` included, which
  ``include_train_good`` reproduces (3,747 / 1,607 images); a ``train/good``
  sample is then never its own template.

Output is atomic: written to ``OUT.partial-<pid>`` and renamed when complete.
"""
import os
import os.path as osp

import cv2
import numpy as np
from PIL import Image

from mmdefect.utils import staged_output
from ..mvtec_ad import MVTecADDataset
from .common import (check_output_dir, imread, imwrite, split_indices,
                     write_meta, write_split)

CLASSES = MVTecADDataset.METAINFO['classes']
CATEGORIES = CLASSES[1:]


def _pngs(root, rel_dir):
    """The ``*.png`` files of ``root/rel_dir`` as sorted paths relative to
    ``root``; none if the folder does not exist."""
    folder = osp.join(root, rel_dir)
    if not osp.isdir(folder):
        return []
    return [
        f'{rel_dir}/{name}' for name in sorted(os.listdir(folder))
        if name.lower().endswith('.png')
    ]


def _size(path):
    """The ``(w, h)`` of an image, read from its header only."""
    try:
        with Image.open(path) as img:
            return img.size  # (w, h)
    except Exception as err:  # PIL raises many types for bad files
        raise ValueError(f'cannot read image {path}: {err}') from err


def collect_samples(root, categories, include_train_good=False):
    """List samples and templates; fail early, naming the missing file."""
    samples, templates = [], {}
    for category in categories:
        templates[category] = _pngs(root, f'{category}/train/good')
        if not templates[category]:
            raise ValueError(f'no templates: {root}/{category}/train/good '
                             'holds no *.png')
        test_dir = osp.join(root, category, 'test')
        defect_types = []
        if osp.isdir(test_dir):
            defect_types = sorted(
                d for d in os.listdir(test_dir)
                if osp.isdir(osp.join(test_dir, d)))
        if not defect_types:
            raise ValueError(f'{test_dir} holds no <defect_type> folders')
        for defect_type in defect_types:
            for image in _pngs(root, f'{category}/test/{defect_type}'):
                stem = osp.splitext(osp.basename(image))[0]
                gt = None
                if defect_type != 'good':
                    gt = (f'{category}/ground_truth/{defect_type}/'
                          f'{stem}_mask.png')
                    if not osp.isfile(osp.join(root, gt)):
                        raise FileNotFoundError(
                            f'ground truth {osp.join(root, gt)} not found '
                            f'for {osp.join(root, image)}')
                samples.append(
                    dict(
                        category=category,
                        image=image,
                        gt=gt,
                        mask=f'masks/{category}/{defect_type}/{stem}.png'))
        if include_train_good:
            for image in templates[category]:
                stem = osp.splitext(osp.basename(image))[0]
                samples.append(
                    dict(
                        category=category,
                        image=image,
                        gt=None,
                        mask=f'masks/{category}/train_good/{stem}.png'))
    return samples, templates


def pick_templates(samples, templates, seed):
    """A ``train/good`` template per sample, reproducible from ``seed``.

    Each category draws from its own generator, so adding or dropping a
    category does not change the others' templates.
    """
    by_category = {}
    for sample in samples:
        by_category.setdefault(sample['category'], []).append(sample)
    for category, members in by_category.items():
        rng = np.random.default_rng([seed, CATEGORIES.index(category)])
        for sample in members:
            pool = [t for t in templates[category] if t != sample['image']]
            if not pool:
                raise ValueError(f'{category}: a train/good sample needs a '
                                 'second train/good image as its template')
            sample['template'] = pool[int(rng.integers(len(pool)))]


def _write_mask(root, stage, sample, size):
    """Write the sample's class-index mask; return its per-class pixel
    counts."""
    w, h = size
    if sample['gt'] is None:
        mask = np.zeros((h, w), np.uint8)
    else:
        gt_path = osp.join(root, sample['gt'])
        gt = imread(gt_path, cv2.IMREAD_GRAYSCALE, what='ground truth')
        if gt.shape != (h, w):
            raise ValueError(
                f'ground truth {gt_path} is {gt.shape[1]}x{gt.shape[0]} but '
                f'its image {osp.join(root, sample["image"])} is {w}x{h}')
        label = CLASSES.index(sample['category'])
        mask = np.where(gt > 127, label, 0).astype(np.uint8)
    path = osp.join(stage, sample['mask'])
    os.makedirs(osp.dirname(path), exist_ok=True)
    imwrite(path, mask)
    return np.bincount(mask.ravel(), minlength=len(CLASSES))


def convert_mvtec(mvtec_root,
                  out_dir,
                  categories=None,
                  seed=0,
                  train_ratio=0.7,
                  include_train_good=False,
                  overwrite=False,
                  progress=None):
    """Write the re-split MVTec-AD to ``out_dir``; return its meta dict.

    Args:
        progress: optional ``callable(done, total)`` called per sample.
    """
    root, out = check_output_dir(mvtec_root, out_dir, overwrite, 'MVTec-AD')
    if not 0 < train_ratio < 1:
        raise ValueError(f'train_ratio must lie in (0, 1), got {train_ratio}')
    categories = list(categories or CATEGORIES)
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown:
        raise ValueError(f'unknown categories {unknown}; MVTec-AD has '
                         f'{", ".join(CATEGORIES)}')
    missing = [c for c in categories if not osp.isdir(osp.join(root, c))]
    if missing:
        raise FileNotFoundError(
            f'categories missing from {root}: {", ".join(missing)} (convert '
            'a subset with --categories)')
    categories = [c for c in CATEGORIES if c in categories]

    samples, templates = collect_samples(root, categories, include_train_good)
    pick_templates(samples, templates, seed)
    sizes = {}
    for sample in samples:
        image, template = (sample[k] for k in ('image', 'template'))
        for path in (image, template):
            if path not in sizes:
                sizes[path] = _size(osp.join(root, path))
        if sizes[image] != sizes[template]:
            (w, h), (tw, th) = sizes[image], sizes[template]
            raise ValueError(
                f'sample {osp.join(root, image)} is {w}x{h} but its template '
                f'{osp.join(root, template)} is {tw}x{th}; the images of one '
                'MVTec-AD category must share one size')
    split = dict(
        zip(('train', 'test'), split_indices(len(samples), train_ratio, seed)))

    with staged_output(out, overwrite) as stage:
        os.symlink(root, osp.join(stage, 'images'), target_is_directory=True)
        pixels = np.zeros(len(CLASSES), np.int64)
        for done, sample in enumerate(samples, 1):
            pixels += _write_mask(root, stage, sample, sizes[sample['image']])
            if progress is not None:
                progress(done, len(samples))
        counts = {}
        for name, indices in split.items():
            picked = [samples[i] for i in indices]
            write_split(stage, name, [
                f'images/{s["image"]} images/{s["template"]} {s["mask"]}'
                for s in picked
            ])
            counts[name] = dict(
                total=len(picked),
                defective=sum(s['gt'] is not None for s in picked))
        meta = dict(
            converter='mmdefect.datasets.converters.mvtec_ad',
            reference='CADNet, Section 4.1 (70/30 random re-split)',
            source=root,
            args=dict(
                categories=categories,
                seed=seed,
                train_ratio=train_ratio,
                include_train_good=include_train_good),
            classes=list(CLASSES),
            splits=counts,
            pixel_counts={
                c: int(n)
                for c, n in zip(CLASSES, pixels) if n
            })
        write_meta(stage, meta)
    return meta
