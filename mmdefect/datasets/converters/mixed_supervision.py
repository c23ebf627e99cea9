"""Annotation files for mixed supervision: every image has an image-level
label, only N defective images keep their mask.

MFFPA (Sec. 3.3, Tables 1-5) and the SegDecNet it builds on (Bozic et al.,
Computers in Industry 2021) train with every image labelled "defective" or
"defect-free" and pixel masks for only N of the defective ones.  The
annotation files written here are mmengine's format read by
:class:`~mmdefect.datasets.DefectDataset`::

    {"metainfo": {"classes": ["background", "defect"]},
     "data_list": [{"img_path": ..., "seg_map_path": ..., "gt_label": 1},
                   {"img_path": ..., "gt_label": 1},      # weak positive
                   {"img_path": ..., "gt_label": 0}, ...]}

A defect-free image keeps its mask when it has one; without one its mask is
all zeros, which is exact (``LoadDefectAnnotations``), so negatives always
train the segmentation as in SegDecNet.  A defective image without a mask
trains only the image-level decision.

:class:`MixedSplitWriter` writes a converted dataset in this form.
Which positives keep their mask is a seeded permutation of the positives,
of which the first N are kept: for one seed, the N = 5 selection is part of
the N = 10 selection, so a column of a table adds masks rather than
swapping images.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import cv2
import numpy as np

from mmdefect.utils import write_data, write_png
from .common import imread
from .single_image import CLASSES

Count = Union[int, str]


def segmented_positives(labels: Sequence[int], num: Count,
                        seed: int) -> List[int]:
    """Indices of the positives that keep their mask, ascending.

    Args:
        labels (Sequence[int]): Image labels, 1 defective.
        num (int | str): How many positives keep their mask; ``'all'``
            keeps every one.
        seed (int): Seed of the draw.
    """
    positives = np.flatnonzero(np.asarray(labels) == 1)
    if num == 'all':
        return positives.tolist()
    if not isinstance(num, (int, np.integer)) or not \
            0 <= num <= len(positives):
        raise ValueError(f'the number of pixel-labelled positives must lie '
                         f'in [0, {len(positives)}] (the defective images) '
                         f"or be 'all', got {num!r}")
    order = np.random.default_rng(seed).permutation(positives)
    return sorted(order[:num].tolist())


def mixed_data_list(samples: Sequence[dict], num: Count,
                    seed: int) -> List[dict]:
    """``samples`` with the mask dropped from every positive outside the
    selection of :func:`segmented_positives`.

    Args:
        samples (Sequence[dict]): Entries with ``img_path``, ``gt_label``
            and, for every positive, ``seg_map_path``.
    """
    missing = [
        s['img_path'] for s in samples
        if s.get('gt_label') == 1 and not s.get('seg_map_path')
    ]
    if missing:
        raise ValueError(f'{len(missing)} defective images have no mask to '
                         f'select from, e.g. {missing[0]}')
    keep = set(
        segmented_positives([s['gt_label'] for s in samples], num, seed))
    entries = []
    for index, sample in enumerate(samples):
        entry = dict(sample)
        if entry['gt_label'] == 1 and index not in keep:
            entry.pop('seg_map_path')
        entries.append(entry)
    return entries


def write_annotation(path: str,
                     data_list: Sequence[dict],
                     classes: Sequence[str] = CLASSES,
                     meta: Optional[Dict] = None) -> None:
    """Write an mmengine annotation file (``metainfo`` + ``data_list``)
    through a staging file, so that an interruption leaves no partial file.

    Args:
        meta (dict, optional): Extra ``metainfo`` entries (the selection's
            N and seed, ...).
    """
    for entry in data_list:
        if entry.get('gt_label') not in (0, 1):
            raise ValueError(f'{entry.get("img_path")}: gt_label must be 0 '
                             f'or 1, got {entry.get("gt_label")!r}')
    content = dict(
        metainfo=dict(classes=list(classes), **(meta or {})),
        data_list=list(data_list))
    write_data(path, content, indent=1)


def write_mixed_splits(folder: str,
                       split: str,
                       samples: Sequence[dict],
                       counts: Sequence[Count],
                       seed: int,
                       classes: Sequence[str] = CLASSES) -> Dict[str, int]:
    """Write ``<folder>/<split>_n<N>.json`` for every N of ``counts``.

    ``'all'`` is written as ``<split>_nall.json``, so that a config names
    the fully labelled file of any fold or class alike.  Returns file stem
    -> number of pixel-labelled positives.
    """
    num_pos = sum(s['gt_label'] == 1 for s in samples)
    written = {}
    for num in counts:
        count = num_pos if num == 'all' else num
        data_list = mixed_data_list(samples, count, seed)
        stem = f'{split}_n{num}'
        write_annotation(
            osp.join(folder, f'{stem}.json'),
            data_list,
            classes,
            meta=dict(num_segmented=count, num_positive=num_pos, seed=seed))
        written[stem] = count
    return written


def labelled_samples(
        root: str,
        list_file: str,
        columns: Sequence[str] = ('img_path', 'template_path', 'seg_map_path'),
        mask_value_map: Optional[Dict[int, int]] = None) -> List[dict]:
    """The samples of a list file with their image labels from their masks
    (defective = a defect pixel after ``mask_value_map``), paths relative
    to ``root``; the input of :func:`write_mixed_splits`."""
    from mmdefect.datasets import DefectDataset
    dataset = DefectDataset(
        data_root=root,
        ann_file=list_file,
        columns=columns,
        mask_value_map=mask_value_map,
        pipeline=[])
    samples = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        if not info.get('seg_map_path'):
            raise ValueError(f'{info["img_path"]} has no mask to derive its '
                             'image label from')
        mask = imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED, 'mask')
        for raw, cls in (mask_value_map or {}).items():
            mask = np.where(mask == raw, cls, mask)
        entry = {
            key: osp.relpath(info[key], root)
            for key in ('img_path', 'template_path', 'seg_map_path')
            if info.get(key)
        }
        entry['gt_label'] = int(((mask > 0) & (mask != 255)).any())
        samples.append(entry)
    return samples


class MixedSplitWriter:
    """Write the images and masks of a mixed-supervision dataset into a
    staging folder, then its annotation files.

    Layout (the MFFPA converters: KolektorSDD folds, KolektorSDD2, DAGM,
    Severstal)::

        images/<split>/<name>.png   # the image as read (grey stays grey)
        masks/<split>/<name>.png    # uint8 0/1, defective images only
        splits/<split>.json         # test / val: every image, its mask,
                                    # gt_label
        splits/train_n<N>.json      # training: masks of N positives

    A defect-free image gets no mask file (its mask is all zeros,
    ``LoadDefectAnnotations``).

    Args:
        stage (str): The folder of :func:`mmdefect.utils.staged_output`.
    """

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.samples: Dict[str, List[dict]] = {}

    def add(self, split: str, name: str, img: np.ndarray,
            mask: Optional[np.ndarray]) -> None:
        """Write one image and, where it holds a defect, its mask (a
        defect wherever ``mask`` is non-zero)."""
        if mask is not None and mask.shape != img.shape[:2]:
            raise ValueError(f'{split}/{name}: mask size {mask.shape} differs '
                             f'from image size {img.shape[:2]}')
        entry = dict(img_path=f'images/{split}/{name}.png', gt_label=0)
        write_png(osp.join(self.stage, entry['img_path']), img)
        if mask is not None and mask.any():
            entry.update(seg_map_path=f'masks/{split}/{name}.png', gt_label=1)
            write_png(
                osp.join(self.stage, entry['seg_map_path']),
                (mask > 0).astype(np.uint8))
        self.samples.setdefault(split, []).append(entry)

    def finish(self,
               counts: Sequence[Count],
               seed: int,
               train: str = 'train') -> dict:
        """Write ``<split>.json`` for every split but ``train``, and for
        ``train`` the file of every N in ``counts``.  Returns the images
        and defective images per split and the files written."""
        meta = {}
        folder = osp.join(self.stage, 'splits')
        for split, samples in self.samples.items():
            if split != train:
                write_annotation(osp.join(folder, f'{split}.json'), samples)
            meta[split] = dict(
                images=len(samples),
                defective=sum(s['gt_label'] for s in samples))
        if train not in self.samples:
            raise ValueError(f'no {train} images were written')
        meta['files'] = write_mixed_splits(folder, train, self.samples[train],
                                           counts, seed)
        return meta
