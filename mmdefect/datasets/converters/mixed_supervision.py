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
    """Write the images, templates and masks of a mixed-supervision dataset
    into a staging folder, then its annotation files.

    Layout (the MFFPA converters: KolektorSDD folds, KolektorSDD2, DAGM,
    Severstal; the folder converter)::

        images/<split>/<name>.png   # the image as read (grey stays grey)
        masks/<split>/<name>.png    # uint8 0/1, defective images only
        templates/<name>.png        # paired data only, each written once
        splits/<split>.json         # test / val: every image, its mask,
                                    # gt_label
        splits/train_n<N>.json      # training: masks of N positives

    A defect-free image gets no mask file (its mask is all zeros,
    ``LoadDefectAnnotations``); a defective image without a mask is
    recorded with its image label only (``gt_label`` 1, no
    ``seg_map_path``), which trains and scores the image-level decision
    only.

    Args:
        stage (str): The folder of :func:`mmdefect.utils.staged_output`.
    """

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.samples: Dict[str, List[dict]] = {}
        self.templates: Dict[str, tuple] = {}

    def add_template(self, name: str, img: np.ndarray) -> str:
        """Write a template once; return its path for :meth:`add`."""
        path = f'templates/{name}.png'
        if path not in self.templates:
            write_png(osp.join(self.stage, path), img)
            self.templates[path] = img.shape[:2]
        return path

    def add(self,
            split: str,
            name: str,
            img: np.ndarray,
            mask: Optional[np.ndarray] = None,
            label: Optional[int] = None,
            template: Optional[str] = None,
            **extra) -> None:
        """Write one image and, where it holds a defect, its mask.

        Args:
            mask (np.ndarray, optional): A defect wherever non-zero.
            label (int, optional): The image label, 1 defective, 0
                defect-free; None: whether ``mask`` holds a defect.  A
                defective image without a mask is recorded label-only.
            template (str, optional): Its template, as returned by
                :meth:`add_template`.
            **extra: Further keys of the annotation entry (a defect type).

        Raises:
            ValueError: When neither ``mask`` nor ``label`` is given, when
                they disagree, or when a size differs from the image's.
        """
        where = f'{split}/{name}'
        if mask is not None and mask.shape[:2] != img.shape[:2]:
            raise ValueError(f'{where}: mask size {mask.shape[:2]} differs '
                             f'from image size {img.shape[:2]}')
        if template is not None and template not in self.templates:
            raise ValueError(f'{where}: template {template} was not added')
        if template is not None and \
                self.templates[template] != img.shape[:2]:
            raise ValueError(f'{where}: template {template} size '
                             f'{self.templates[template]} differs from image '
                             f'size {img.shape[:2]}')
        defect = None if mask is None else bool(mask.any())
        if label is None:
            if defect is None:
                raise ValueError(f'{where}: needs a mask or an image label; '
                                 'without either it would be recorded as '
                                 'defect-free')
            label = int(defect)
        elif label not in (0, 1):
            raise ValueError(f'{where}: label must be 0 or 1, got {label!r}')
        elif defect is not None and defect != bool(label):
            raise ValueError(
                f'{where}: image label {label} but its mask holds '
                f'{"a" if defect else "no"} defect pixel')
        entry = dict(img_path=f'images/{split}/{name}.png')
        if template is not None:
            entry['template_path'] = template
        write_png(osp.join(self.stage, entry['img_path']), img)
        if defect:
            entry['seg_map_path'] = f'masks/{split}/{name}.png'
            write_png(
                osp.join(self.stage, entry['seg_map_path']),
                (mask > 0).astype(np.uint8))
        entry.update(extra, gt_label=label)
        self.samples.setdefault(split, []).append(entry)

    def finish(self,
               counts: Optional[Sequence[Count]],
               seed: int,
               train: str = 'train') -> dict:
        """Write the annotation files; return the images and defective
        images per split and the files written.

        Args:
            counts (Sequence[int | str], optional): With counts,
                ``<split>.json`` for every split but ``train``, and for
                ``train`` the file of every N in ``counts``; None:
                ``<split>.json`` for every split, ``train`` included, with
                the masks as added.
        """
        meta = {}
        folder = osp.join(self.stage, 'splits')
        for split, samples in self.samples.items():
            if split != train or counts is None:
                write_annotation(osp.join(folder, f'{split}.json'), samples)
            meta[split] = dict(
                images=len(samples),
                defective=sum(s['gt_label'] for s in samples))
        if train not in self.samples:
            raise ValueError(f'no {train} images were written')
        if counts is None:
            meta['files'] = {
                split: sum('seg_map_path' in s for s in samples)
                for split, samples in self.samples.items()
            }
        else:
            meta['files'] = write_mixed_splits(folder, train,
                                               self.samples[train], counts,
                                               seed)
        return meta
