"""Convert MVTec-AD into CADNet's fully supervised re-split (Sec. 4.1).

CADNet "randomly shuffled and divided" MVTec-AD 70/30 for fully supervised
training and labels a defect pixel with its object category (Table 5).  This
tool writes that split as a paired list layout (``docs/datasets.md``)::

    python tools/dataset_converters/mvtec_ad.py /data/mvtec_anomaly_detection \
        data/mvtec_ad [--seed 0] [--train-ratio 0.7] [--categories bottle ...]

* ``OUT/images`` is a symlink to the (absolute) MVTec root, so the list files
  are relative to ``OUT`` (the config's ``data_root``) and no image is copied.
* ``OUT/masks/<category>/<defect_type>/<name>.png``: class-index masks, the
  category's index where the 0/255 ground truth is set, all zeros for
  ``good`` images.
* ``OUT/splits/{train,test}.txt``: "sample template mask" per line.  The
  template is a ``train/good`` image of the sample's category, drawn per
  sample with ``--seed``.  MVTec objects are roughly aligned by the capture
  set-up but not registered (screws, metal nuts and textures lie in arbitrary
  poses), so the template is a reference of the object's appearance rather
  than a pixel-aligned one.
* By default every ``test`` image (defective and good) is split; the paper's
  5,354 images are the whole data set, ``train/good`` included, which
  ``--include-train-good`` reproduces (3,747 / 1,607 images); a ``train/good``
  sample is then never its own template.

Output is atomic: written to ``OUT.partial-<pid>`` and renamed when complete.
"""
import argparse
import json
import os
import os.path as osp

import cv2
import numpy as np
from PIL import Image

from mmdefect.datasets.mvtec_ad import MVTecADDataset
from mmdefect.utils import run_staged_tool, staged_output

CLASSES = MVTecADDataset.METAINFO['classes']
CATEGORIES = CLASSES[1:]


def split_indices(num, train_ratio, seed):
    """A random ``train_ratio`` / rest split of ``range(num)``, both sorted.

    ``floor(train_ratio * num)`` go to training (3,747 of 5,354 for the
    paper's MVTec-AD), at least one in each part.
    """
    if num < 2:
        raise ValueError(f'need at least 2 items to split, got {num}')
    num_train = min(max(int(train_ratio * num), 1), num - 1)
    order = np.random.default_rng(seed).permutation(num)
    return sorted(order[:num_train].tolist()), sorted(
        order[num_train:].tolist())


def _pngs(root, rel_dir):
    folder = osp.join(root, rel_dir)
    if not osp.isdir(folder):
        return []
    return [
        f'{rel_dir}/{name}' for name in sorted(os.listdir(folder))
        if name.lower().endswith('.png')
    ]


def _size(path):
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
            defect_types = sorted(d for d in os.listdir(test_dir)
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
                    dict(category=category, image=image, gt=gt,
                         mask=f'masks/{category}/{defect_type}/{stem}.png'))
        if include_train_good:
            for image in templates[category]:
                stem = osp.splitext(osp.basename(image))[0]
                samples.append(
                    dict(category=category, image=image, gt=None,
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
    w, h = size
    if sample['gt'] is None:
        mask = np.zeros((h, w), np.uint8)
    else:
        gt_path = osp.join(root, sample['gt'])
        gt = cv2.imread(gt_path, cv2.IMREAD_GRAYSCALE)
        if gt is None:
            raise ValueError(f'cannot read ground truth {gt_path}')
        if gt.shape != (h, w):
            raise ValueError(
                f'ground truth {gt_path} is {gt.shape[1]}x{gt.shape[0]} but '
                f'its image {osp.join(root, sample["image"])} is {w}x{h}')
        label = CLASSES.index(sample['category'])
        mask = np.where(gt > 127, label, 0).astype(np.uint8)
    path = osp.join(stage, sample['mask'])
    os.makedirs(osp.dirname(path), exist_ok=True)
    if not cv2.imwrite(path, mask):
        raise OSError(f'could not write {path}')
    return np.bincount(mask.ravel(), minlength=len(CLASSES))


def convert_mvtec(mvtec_root, out_dir, categories=None, seed=0,
                  train_ratio=0.7, include_train_good=False, overwrite=False,
                  progress=None):
    """Write the re-split MVTec-AD to ``out_dir``; return its meta dict.

    Args:
        progress: optional ``callable(done, total)`` called per sample.
    """
    root = osp.abspath(mvtec_root)
    out = osp.abspath(out_dir)
    if not osp.isdir(root):
        raise FileNotFoundError(f'MVTec-AD root {root} not found')
    if osp.commonpath([root, out]) in (root, out):
        raise ValueError(f'output {out} must lie outside the data set {root} '
                         'and not contain it')
    if not 0 < train_ratio < 1:
        raise ValueError(f'train_ratio must lie in (0, 1), got {train_ratio}')
    if osp.lexists(out) and not overwrite:
        raise FileExistsError(
            f'{out} already exists; pass --overwrite to replace it')
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
    split = dict(zip(('train', 'test'),
                     split_indices(len(samples), train_ratio, seed)))

    with staged_output(out, overwrite) as stage:
        os.symlink(root, osp.join(stage, 'images'), target_is_directory=True)
        pixels = np.zeros(len(CLASSES), np.int64)
        for done, sample in enumerate(samples, 1):
            pixels += _write_mask(root, stage, sample,
                                  sizes[sample['image']])
            if progress is not None:
                progress(done, len(samples))
        os.makedirs(osp.join(stage, 'splits'))
        counts = {}
        for name, indices in split.items():
            with open(osp.join(stage, 'splits', f'{name}.txt'), 'w') as f:
                for i in indices:
                    s = samples[i]
                    f.write(f'images/{s["image"]} images/{s["template"]} '
                            f'{s["mask"]}\n')
            counts[name] = dict(
                total=len(indices),
                defective=sum(samples[i]['gt'] is not None for i in indices))
        meta = dict(
            converter='tools/dataset_converters/mvtec_ad.py',
            reference='CADNet, Section 4.1 (70/30 random re-split)',
            source=root,
            args=dict(categories=categories, seed=seed,
                      train_ratio=train_ratio,
                      include_train_good=include_train_good),
            classes=list(CLASSES),
            splits=counts,
            pixel_counts={
                c: int(n) for c, n in zip(CLASSES, pixels) if n
            })
        with open(osp.join(stage, 'meta.json'), 'w') as f:
            json.dump(meta, f, indent=2)
            f.write('\n')
    return meta


def parse_args():
    parser = argparse.ArgumentParser(
        description='Convert MVTec-AD into the paired list layout of '
        'CADNet\'s 70/30 fully supervised re-split')
    parser.add_argument('mvtec_root', help='folder holding <category>/train, '
                        '<category>/test and <category>/ground_truth')
    parser.add_argument('out_dir', help='output folder (the config\'s '
                        'data_root, e.g. data/mvtec_ad)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the split and the template draw')
    parser.add_argument('--train-ratio', type=float, default=0.7)
    parser.add_argument('--categories', nargs='+', choices=CATEGORIES,
                        metavar='CATEGORY',
                        help='convert only these categories (default: all '
                        '15); labels keep their index among all 15')
    parser.add_argument('--include-train-good', action='store_true',
                        help='split train/good images too, as the paper\'s '
                        '5,354 images do')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing out_dir')
    return parser, parser.parse_args()


def main():
    parser, args = parse_args()
    meta = run_staged_tool(
        parser, args.out_dir,
        lambda progress: convert_mvtec(
            args.mvtec_root, args.out_dir, categories=args.categories,
            seed=args.seed, train_ratio=args.train_ratio,
            include_train_good=args.include_train_good,
            overwrite=args.overwrite, progress=progress))
    for name, counts in meta['splits'].items():
        print(f'{name}: {counts["total"]} samples ({counts["defective"]} '
              'defective)')
    print(f'written to {args.out_dir}')


if __name__ == '__main__':
    main()
