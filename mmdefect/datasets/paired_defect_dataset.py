"""Datasets of (sample, defect-free template, mask) triples.

A paired defect dataset lists, for every sample image, the defect-free
template it is compared with and its label mask.  Two on-disk layouts are
supported (documented in ``docs/data_layout.md``):

* **list file** (``ann_file``): one sample per line, three paths separated by
  whitespace, relative to ``data_root``::

      images/train/a.png templates/pattern_03.png masks/train/a.png

  This covers layouts where many samples share one template (SynLCD: one clean
  image per display pattern; MVTec-AD: a ``good`` image of the same object) or
  where names differ between folders (PKU-Market-PCB crops).
* **folders** (no ``ann_file``): ``data_prefix=dict(img_path=..., template_path=...,
  seg_map_path=...)``; a sample ``x{img_suffix}`` pairs with
  ``template_path/x{template_suffix}`` and ``seg_map_path/x{seg_map_suffix}``
  (the OCD-like ``sample/ template/ mask/`` folder layout).

Masks hold class indices.  Binary masks stored as 0/255 are mapped with
``mask_value_map={255: 1}``; a raw mask value equal to ``ignore_index`` is an
error unless ``allow_ignore_index=True``, so a 0/255 mask never silently turns
the defect class into the ignore index.
"""
import os.path as osp
from typing import Dict, List, Optional

import mmengine
import numpy as np
from mmengine import fileio
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS


@DATASETS.register_module()
class PairedDefectDataset(BaseSegDataset):
    """Sample/template/mask triples for template-comparison defect models.

    Single-image models use the same dataset with mmseg's
    ``LoadImageFromFile``: the template is then simply not loaded.

    Args:
        template_suffix (str): Suffix of template files in folder mode.
        mask_value_map (dict, optional): Raw mask value -> class index, applied
            when a mask is loaded (e.g. ``{255: 1}`` for 0/255 binary masks).
        allow_ignore_index (bool): Whether raw masks may contain
            ``ignore_index`` to mark pixels to ignore.  Defaults to False.
        label_fraction (float, optional): Keep only this fraction of the
            samples, drawn reproducibly with ``fraction_seed`` (the paper's
            label-fraction experiments, CADNet Table 6).
        fraction_seed (int): Seed of the ``label_fraction`` draw.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`.
    """

    METAINFO = dict(classes=('background', 'defect'),
                    palette=[[0, 0, 0], [255, 255, 255]])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 template_suffix: str = '.png',
                 mask_value_map: Optional[Dict[int, int]] = None,
                 allow_ignore_index: bool = False,
                 label_fraction: Optional[float] = None,
                 fraction_seed: int = 0,
                 **kwargs) -> None:
        self.template_suffix = template_suffix
        self.mask_value_map = dict(mask_value_map or {})
        self.allow_ignore_index = allow_ignore_index
        if label_fraction is not None and not 0 < label_fraction <= 1:
            raise ValueError(
                f'label_fraction must lie in (0, 1], got {label_fraction}')
        self.label_fraction = label_fraction
        self.fraction_seed = fraction_seed
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    def load_data_list(self) -> List[dict]:
        if self.ann_file:
            triples = self._triples_from_list_file()
        else:
            triples = self._triples_from_folders()
        if self.label_fraction is not None:
            rng = np.random.default_rng(self.fraction_seed)
            keep = max(1, int(round(self.label_fraction * len(triples))))
            picked = np.sort(rng.permutation(len(triples))[:keep])
            triples = [triples[i] for i in picked]
        num_classes = len(self._metainfo['classes'])
        data_list = []
        for img, template, seg_map in triples:
            data_list.append(
                dict(
                    img_path=img,
                    template_path=template,
                    seg_map_path=seg_map,
                    label_map=self.label_map,
                    reduce_zero_label=self.reduce_zero_label,
                    mask_value_map=self.mask_value_map,
                    allow_ignore_index=self.allow_ignore_index,
                    num_classes=num_classes,
                    seg_fields=[]))
        return data_list

    def _triples_from_list_file(self) -> List[tuple]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'{type(self).__name__}: list file {self.ann_file} not found')
        root = self.data_root or ''
        triples = []
        for lineno, line in enumerate(mmengine.list_from_file(self.ann_file),
                                      1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) not in (2, 3):
                raise ValueError(
                    f'{self.ann_file}:{lineno}: expected "sample template '
                    f'[mask]", got {line!r}')
            paths = [osp.join(root, f) for f in fields]
            triples.append(self._checked(*paths, where=f'{self.ann_file}:'
                                         f'{lineno}'))
        if not triples:
            raise ValueError(f'{type(self).__name__}: list file '
                             f'{self.ann_file} lists no samples')
        return triples

    def _triples_from_folders(self) -> List[tuple]:
        img_dir = self.data_prefix.get('img_path')
        template_dir = self.data_prefix.get('template_path')
        ann_dir = self.data_prefix.get('seg_map_path')
        if not img_dir or not osp.isdir(img_dir):
            raise FileNotFoundError(
                f'{type(self).__name__}: image folder {img_dir!r} not found')
        names = sorted(
            fileio.list_dir_or_file(
                img_dir, list_dir=False, suffix=self.img_suffix,
                recursive=True))
        if not names:
            raise ValueError(f'{type(self).__name__}: no "*{self.img_suffix}"'
                             f' images in {img_dir}')
        triples = []
        for name in names:
            stem = name[:-len(self.img_suffix)]
            template = (
                osp.join(template_dir, stem + self.template_suffix)
                if template_dir else None)
            seg_map = (
                osp.join(ann_dir, stem + self.seg_map_suffix)
                if ann_dir else None)
            triples.append(
                self._checked(osp.join(img_dir, name), template, seg_map,
                              where=img_dir))
        return triples

    @staticmethod
    def _checked(img: str, template: Optional[str], seg_map: Optional[str],
                 where: str) -> tuple:
        """Fail at start-up, naming the file, rather than mid-training."""
        for kind, path in (('sample image', img), ('template', template),
                           ('mask', seg_map)):
            if path is not None and not osp.isfile(path):
                raise FileNotFoundError(
                    f'{kind} {path} not found (listed for sample {img} in '
                    f'{where})')
        return img, template, seg_map
