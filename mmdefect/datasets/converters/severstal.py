"""Convert Severstal steel defects for mixed supervision (MFFPA Table 3).

Input: ``train_images/<ImageId>.jpg`` (1600 x 256) and ``train.csv`` in
either public format: ``ImageId,ClassId,EncodedPixels`` (one row per image
and defect class) or ``ImageId_ClassId,EncodedPixels`` (four rows per
image, empty pixels where a class is absent).  The binary mask is the union
of the classes (the reference keeps only an image's last row, which is not
followed).  Images without a row are defect-free.

The reference's 750-positive split files cannot be downloaded here, so the
split is drawn with a seed and the reference's sizes: 2,400 test and 1,118
validation images drawn from all images, then 750 defective and 4,143
defect-free training images from the rest (4,893 in all).  Output:
:class:`.MixedSplitWriter`'s layout with ``splits/{val,test}.json`` and
``splits/train_n<N>.json`` for N = 0, 10, 50, 150, 300, 750.
"""
import csv
import os
import os.path as osp

import cv2
import numpy as np

from mmdefect.utils import staged_output
from .common import check_output_dir, imread, write_meta
from .mixed_supervision import MixedSplitWriter

COUNTS = (0, 10, 50, 150, 300, 'all')
HEIGHT, WIDTH = 256, 1600


def decode_rle(rle, height=HEIGHT, width=WIDTH, where='RLE'):
    """Kaggle's run-length encoding -> uint8 mask.

    ``start length`` pairs, starts 1-indexed, pixels numbered down the
    columns (column-major): ``"1 2 257 1"`` on 256 rows sets (0, 0), (1, 0)
    and (0, 1).
    """
    values = rle.split()
    if len(values) % 2:
        raise ValueError(f'{where}: odd number of RLE values ({len(values)})')
    try:
        pairs = np.asarray(values, np.int64).reshape(-1, 2)
    except ValueError:
        raise ValueError(f'{where}: RLE values must be integers') from None
    flat = np.zeros(height * width, np.uint8)
    for start, length in pairs:
        if start < 1 or length < 1 or start - 1 + length > flat.size:
            raise ValueError(f'{where}: run ({start}, {length}) lies outside '
                             f'a {height} x {width} image')
        flat[start - 1:start - 1 + length] = 1
    return flat.reshape((height, width), order='F')


def read_annotations(csv_path):
    """ImageId -> list of (class, RLE) from either ``train.csv`` format."""
    if not osp.isfile(csv_path):
        raise FileNotFoundError(f'annotation file {csv_path} not found')
    runs = {}
    with open(csv_path, newline='') as f:
        rows = csv.reader(f)
        header = next(rows, None)
        if header == ['ImageId', 'ClassId', 'EncodedPixels']:
            split_id = None
        elif header == ['ImageId_ClassId', 'EncodedPixels']:
            split_id = True
        else:
            raise ValueError(f'{csv_path}: unknown header {header}; expected '
                             'ImageId,ClassId,EncodedPixels or '
                             'ImageId_ClassId,EncodedPixels')
        for line, row in enumerate(rows, 2):
            where = f'{csv_path}:{line}'
            if split_id:
                if len(row) != 2 or '_' not in row[0]:
                    raise ValueError(f'{where}: malformed row {row}')
                image, cls = row[0].rsplit('_', 1)
                rle = row[1]
            else:
                if len(row) != 3:
                    raise ValueError(f'{where}: malformed row {row}')
                image, cls, rle = row
            runs.setdefault(image, [])
            if rle.strip():
                runs[image].append((cls, rle, where))
    return runs


def convert_severstal(severstal_root,
                      out_dir,
                      num_test=2400,
                      num_val=1118,
                      train_positives=750,
                      train_negatives=4143,
                      counts=COUNTS,
                      seed=0,
                      overwrite=False,
                      progress=None):
    """Write the Severstal subset to ``out_dir``; return its meta dict.

    Args:
        num_test (int), num_val (int): Test and validation images.
        train_positives (int), train_negatives (int): Training images.
        counts (Sequence[int | str]): The N of the training files.
    """
    root, out = check_output_dir(severstal_root, out_dir, overwrite,
                                 'Severstal')
    runs = read_annotations(osp.join(root, 'train.csv'))
    folder = osp.join(root, 'train_images')
    if not osp.isdir(folder):
        raise FileNotFoundError(f'image folder {folder} not found')
    images = sorted(
        n for n in os.listdir(folder) if n.lower().endswith('.jpg'))
    unlisted = sorted(set(runs) - set(images))
    if unlisted:
        raise FileNotFoundError(f'{unlisted[0]} is annotated in train.csv '
                                f'but not in {folder}')
    rng = np.random.default_rng(seed)
    order = [images[i] for i in rng.permutation(len(images))]
    if len(order) < num_test + num_val:
        raise ValueError(f'{len(order)} images cannot give {num_test} test '
                         f'and {num_val} validation images')
    test, val = order[:num_test], order[num_test:num_test + num_val]
    rest = order[num_test + num_val:]
    positives = [n for n in rest if runs.get(n)]
    negatives = [n for n in rest if not runs.get(n)]
    if len(positives) < train_positives or len(negatives) < train_negatives:
        raise ValueError(f'the remaining {len(positives)} defective and '
                         f'{len(negatives)} defect-free images cannot give '
                         f'{train_positives} and {train_negatives} training '
                         'images')
    train = sorted(positives[:train_positives] + negatives[:train_negatives])
    splits = dict(train=train, val=sorted(val), test=sorted(test))
    total = sum(len(v) for v in splits.values())
    done = 0
    with staged_output(out, overwrite) as stage:
        writer = MixedSplitWriter(stage)
        for split, names in splits.items():
            for name in names:
                img = imread(osp.join(folder, name), cv2.IMREAD_GRAYSCALE)
                mask = np.zeros(img.shape, np.uint8)
                for _, rle, where in runs.get(name, []):
                    mask |= decode_rle(rle, *img.shape, where=where)
                writer.add(split, osp.splitext(name)[0], img, mask)
                done += 1
                if progress:
                    progress(done, total)
        meta = dict(
            dataset='Severstal', seed=seed, **writer.finish(counts, seed))
        write_meta(stage, meta)
    return meta
