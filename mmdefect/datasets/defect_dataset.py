"""One dataset for every defect layout: paired or single images, masks,
image-level labels; a seeded validation part held out of a training file."""
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

import mmengine
import numpy as np
from mmengine import fileio
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .transforms.loading import IGNORE_INDEX, read_image

#: What a sample may list; ``img_path`` is required, the rest optional.
FIELDS = ('img_path', 'template_path', 'seg_map_path', 'gt_label')
PATH_FIELDS = FIELDS[:3]
_ROLES = dict(
    img_path='sample image', template_path='template', seg_map_path='mask')
#: The two parts of a file split by ``holdout``.
PARTS = ('train', 'val')


def holdout_parts(labels: Sequence[Optional[int]],
                  groups: Sequence[str],
                  fraction: float,
                  seed: int,
                  stratify: bool = True) -> np.ndarray:
    """Which samples form the validation part: a boolean array.

    Samples of one group stay together (overlapping crops of one source
    image must not straddle training and validation).  With ``stratify``
    the groups are drawn per kind (a group is defective when one of its
    samples is), ``round(fraction * n)`` of the ``n`` groups of each kind
    but at least one and never all, so that both parts hold both kinds
    wherever a kind has two groups.  The draw depends only on the order,
    labels and groups of the samples and on ``seed``: files that differ in
    masks only (mixed supervision's ``train_n<N>.json``) split alike.

    Args:
        labels (Sequence[int | None]): 1 defective, 0 defect-free; only
            read with ``stratify``.
        groups (Sequence[str]): Group key of every sample.
        fraction (float): Share of the groups (of each kind) in validation,
            in (0, 1).
        seed (int): Seed of the draw.
        stratify (bool): Draw per kind.

    Raises:
        ValueError: When one part would be empty.
    """
    keys = list(dict.fromkeys(groups))
    index = {key: i for i, key in enumerate(keys)}
    member = np.array([index[g] for g in groups], np.int64)
    kind = np.zeros(len(keys), np.int64)
    if stratify:
        np.maximum.at(kind, member, np.asarray(labels, np.int64))
    rng = np.random.default_rng(seed)
    held = np.zeros(len(keys), bool)
    for value in (0, 1):
        candidates = np.flatnonzero(kind == value)
        if len(candidates) < 2:
            continue
        num = min(
            max(int(round(fraction * len(candidates))), 1),
            len(candidates) - 1)
        held[rng.permutation(candidates)[:num]] = True
    if not held.any():
        good, bad = int((kind == 0).sum()), int((kind == 1).sum())
        what = (f'{good} defect-free and {bad} defective groups'
                if stratify else f'{len(keys)} group(s)')
        raise ValueError(
            f'cannot hold out a validation part: {len(groups)} samples in '
            f'{what}; a part needs at least two groups of one kind')
    return held[member]


@DATASETS.register_module()
class DefectDataset(BaseSegDataset):
    """Defect samples: an image, and optionally its defect-free template,
    its mask and its image-level label.

    Every sample is a dict of named fields (:data:`FIELDS`): ``img_path``
    (the sample), ``template_path`` (paired models compare the sample with
    it), ``seg_map_path`` (class-index mask) and ``gt_label`` (1 defective,
    0 defect-free).  A sample needs a mask or an image label to be trained
    or evaluated on.  Without a mask, a defect-free one gets a mask of zeros
    (exact), a defective one (mixed supervision, MFFPA) a mask of the
    ignore index, so pixel losses and IoU skip it while image-level losses
    and metrics use it.  Three sources, documented
    in ``docs/data_layout.md``:

    * ``ann_file`` ending in ``.json``: mmengine's ``BaseDataset`` format,
      ``{"metainfo": {"classes": [...]}, "data_list": [{"img_path": ...,
      "template_path": ..., "seg_map_path": ..., "gt_label": 1}, ...]}``
      with paths relative to ``data_root``; extra keys of an entry (e.g. a
      generator's pose parameters) are kept in the data info.  Classes the
      file declares must be the dataset's;
    * any other ``ann_file``: a list file, one sample per line, whitespace
      separated values of the fields named by ``columns`` in that order
      (default ``img_path template_path seg_map_path``, the layout of the
      SynLCD, PKU-PCB and MVTec lists); a single-image list declares
      ``columns=('img_path', 'seg_map_path')``.  ``-`` marks a missing value
      and trailing values may be left out;
    * no ``ann_file``: folders ``data_prefix=dict(img_path=...,
      template_path=..., seg_map_path=...)`` (the last two optional); a
      sample ``<stem><img_suffix>`` pairs with the template of the same file
      name and the mask ``<stem><seg_map_suffix>``.

    Masks hold class indices and are validated when loaded by
    :class:`~mmdefect.datasets.transforms.LoadDefectAnnotations`: 0/255
    masks need ``mask_value_map={255: 1}``, and a value outside the classes
    raises an error naming the file.

    Args:
        columns (Sequence[str]): Fields of the list-file columns.
        img_suffix (str | tuple[str]): Sample suffix(es) in folder mode.
        seg_map_suffix (str): Mask suffix in folder mode.
        template_suffix (str, optional): Template suffix in folder mode;
            None: the sample's file name.
        mask_value_map (dict, optional): Raw mask value -> class index,
            applied when a mask is loaded (``{255: 1}`` for 0/255 masks).
        allow_ignore_index (bool): Whether raw masks may contain
            ``ignore_index`` to mark pixels to ignore.  Defaults to False.
        label_fraction (float, optional): Keep only this fraction of the
            samples, drawn reproducibly with ``fraction_seed`` (CADNet's
            label-fraction experiments, Table 6).
        fraction_seed (int): Seed of the ``label_fraction`` draw.
        check_files (bool): Check at start-up that every listed file
            exists, naming the first missing one, rather than failing
            mid-training.  ``tools/infer.py`` turns it off to report and skip
            bad samples one by one.  Defaults to True.
        holdout (dict, optional): Keep one part of a file split into
            training and validation (``docs/train_test.md``), for data sets
            that ship no validation split: ``part`` (``'train'`` or
            ``'val'``), ``fraction`` (share held out for validation,
            default 0.1), ``seed`` (default 0), ``stratify`` (draw good and
            defective samples separately, default True; a sample's kind is
            its ``gt_label``, else whether its mask holds a defect pixel)
            and ``group`` (a regular expression; samples whose ``img_path``
            gives the same match, its first group if it has one, stay in one
            part; default: every sample on its own).  The training and the
            validation loader name the same file, seed and fraction and
            differ in ``part`` only; see :func:`holdout_parts`.  The split
            comes before ``label_fraction``, so the validation part does not
            depend on it.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`.
    """

    METAINFO = dict(
        classes=('background', 'defect'), palette=[[0, 0, 0], [255, 255, 255]])

    def __init__(self,
                 columns: Sequence[str] = PATH_FIELDS,
                 img_suffix: Union[str, Tuple[str, ...]] = '.png',
                 seg_map_suffix: str = '.png',
                 template_suffix: Optional[str] = None,
                 mask_value_map: Optional[Dict[int, int]] = None,
                 allow_ignore_index: bool = False,
                 label_fraction: Optional[float] = None,
                 fraction_seed: int = 0,
                 check_files: bool = True,
                 holdout: Optional[dict] = None,
                 **kwargs) -> None:
        unknown = [c for c in columns if c not in FIELDS]
        if unknown or 'img_path' not in columns or len(
                set(columns)) != len(columns):
            raise ValueError(f'columns must name distinct fields of {FIELDS}'
                             f', img_path among them; got {tuple(columns)}')
        if label_fraction is not None and not 0 < label_fraction <= 1:
            raise ValueError(
                f'label_fraction must lie in (0, 1], got {label_fraction}')
        self.columns = tuple(columns)
        self.template_suffix = template_suffix
        self.mask_value_map = dict(mask_value_map or {})
        self.allow_ignore_index = allow_ignore_index
        self.label_fraction = label_fraction
        self.fraction_seed = fraction_seed
        self.check_files = check_files
        self.holdout = self._check_holdout(holdout)
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    def load_data_list(self) -> List[dict]:
        if not self.ann_file:
            samples = self._from_folders()
        elif self.ann_file.endswith('.json'):
            samples = self._from_json()
        else:
            samples = self._from_list_file()
        if not samples:
            raise ValueError(f'{type(self).__name__}: '
                             f'{self.ann_file or self.data_prefix["img_path"]}'
                             ' lists no samples')
        if self.holdout is not None:
            samples = self._holdout(samples)
        if self.label_fraction is not None:
            rng = np.random.default_rng(self.fraction_seed)
            keep = max(1, int(round(self.label_fraction * len(samples))))
            picked = np.sort(rng.permutation(len(samples))[:keep])
            samples = [samples[i] for i in picked]
        common = dict(
            label_map=self.label_map,
            reduce_zero_label=self.reduce_zero_label,
            mask_value_map=self.mask_value_map,
            allow_ignore_index=self.allow_ignore_index,
            num_classes=len(self._metainfo['classes']))
        return [dict(sample, **common, seg_fields=[]) for sample in samples]

    @staticmethod
    def _check_holdout(holdout: Optional[dict]) -> Optional[dict]:
        if holdout is None:
            return None
        spec = dict(fraction=0.1, seed=0, stratify=True, group=None)
        unknown = set(holdout) - set(spec) - {'part'}
        if unknown:
            raise ValueError(f'holdout has unknown keys {sorted(unknown)}; '
                             f'it takes part, {", ".join(spec)}')
        spec.update(holdout)
        if spec.get('part') not in PARTS:
            raise ValueError(f'holdout part must be one of {PARTS}, got '
                             f'{spec.get("part")!r}')
        if not 0 < spec['fraction'] < 1:
            raise ValueError('holdout fraction must lie in (0, 1), got '
                             f'{spec["fraction"]}')
        return spec

    def _holdout(self, samples: List[dict]) -> List[dict]:
        """The samples of the holdout's part (see :func:`holdout_parts`)."""
        where = self.ann_file or self.data_prefix['img_path']
        spec = self.holdout
        labels = [
            self._kind(s, where) if spec['stratify'] else None for s in samples
        ]
        groups = [s['img_path'] for s in samples]
        if spec['group'] is not None:
            pattern = re.compile(spec['group'])
            for i, path in enumerate(groups):
                match = pattern.search(path)
                if match is None:
                    raise ValueError(
                        f'{where}: holdout group {spec["group"]!r} does not '
                        f'match sample {path}')
                groups[i] = match.group(1 if pattern.groups else 0)
        try:
            held = holdout_parts(labels, groups, spec['fraction'],
                                 spec['seed'], spec['stratify'])
        except ValueError as err:
            raise ValueError(f'{where}: {err}') from None
        keep = held if spec['part'] == 'val' else ~held
        return [s for s, k in zip(samples, keep) if k]

    def _kind(self, sample: dict, where: str) -> int:
        """1 if ``sample`` is defective: its image label, else whether its
        mask (values mapped by ``mask_value_map``) holds a defect pixel."""
        if sample.get('gt_label') is not None:
            return sample['gt_label']
        if sample.get('seg_map_path') is None:
            raise ValueError(
                f'{where}: sample {sample["img_path"]} has neither an image '
                'label nor a mask, so the stratified holdout cannot tell its '
                'kind; set holdout=dict(..., stratify=False)')
        mask = read_image(sample['seg_map_path'], 'unchanged')
        mapped = mask.copy()
        for src, dst in self.mask_value_map.items():
            mapped[mask == src] = dst
        return int(((mapped > 0) & (mapped != IGNORE_INDEX)).any())

    def _sample(self, fields: dict, where: str) -> dict:
        """A checked sample from its fields (paths already joined)."""
        if not fields.get('img_path'):
            raise ValueError(f'{where}: the sample has no img_path')
        label = fields.get('gt_label')
        if label is not None:
            try:
                label = int(label)
            except (TypeError, ValueError):
                label = None
            if label not in (0, 1):
                raise ValueError(f'{where}: gt_label must be 0 (defect-free)'
                                 f' or 1 (defective), got '
                                 f'{fields["gt_label"]!r}')
            fields['gt_label'] = label
        if self.check_files:
            for key in PATH_FIELDS:
                path = fields.get(key)
                if path is not None and not osp.isfile(path):
                    raise FileNotFoundError(
                        f'{_ROLES[key]} {path} not found '
                        f'(listed for sample {fields["img_path"]} in '
                        f'{where})')
        return fields

    def _join(self, path: Optional[str]) -> Optional[str]:
        if path is None or osp.isabs(path) or not self.data_root:
            return path
        return osp.join(self.data_root, path)

    def _from_list_file(self) -> List[dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'{type(self).__name__}: list file {self.ann_file} not found')
        samples = []
        for lineno, line in enumerate(
                mmengine.list_from_file(self.ann_file), 1):
            values = line.split()
            if not values:
                continue
            where = f'{self.ann_file}:{lineno}'
            if len(values) > len(self.columns):
                raise ValueError(
                    f'{where}: {len(values)} values but the dataset declares '
                    f'{len(self.columns)} columns {self.columns}; got '
                    f'{line!r}')
            fields = {
                column: None if value == '-' else value
                for column, value in zip(self.columns, values)
            }
            for key in PATH_FIELDS:
                fields[key] = self._join(fields.get(key))
            samples.append(
                self._sample({
                    k: v
                    for k, v in fields.items() if v is not None
                }, where))
        return samples

    def _from_json(self) -> List[dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{type(self).__name__}: annotation file '
                                    f'{self.ann_file} not found')
        content = mmengine.load(self.ann_file)
        if not (isinstance(content, dict) and 'data_list' in content):
            raise ValueError(f'{self.ann_file} is not in mmengine\'s '
                             'annotation format ({"metainfo": {...}, '
                             '"data_list": [...]})')
        declared = (content.get('metainfo') or {}).get('classes')
        if declared is not None and tuple(declared) != tuple(
                self._metainfo['classes']):
            raise ValueError(
                f'{self.ann_file} declares classes {tuple(declared)} but the '
                f'dataset has {tuple(self._metainfo["classes"])}; set '
                'metainfo=dict(classes=...) in the dataset config')
        samples = []
        for index, entry in enumerate(content['data_list']):
            fields = dict(entry)
            for key in PATH_FIELDS:
                fields[key] = self._join(fields.get(key))
            samples.append(
                self._sample({
                    k: v
                    for k, v in fields.items() if v is not None
                }, f'{self.ann_file}, data_list[{index}]'))
        return samples

    def _from_folders(self) -> List[dict]:
        img_dir = self.data_prefix.get('img_path')
        if not img_dir or not osp.isdir(img_dir):
            raise FileNotFoundError(
                f'{type(self).__name__}: image folder {img_dir!r} not found')
        suffixes = ((self.img_suffix, ) if isinstance(self.img_suffix, str)
                    else tuple(self.img_suffix))
        names = sorted(
            fileio.list_dir_or_file(
                img_dir, list_dir=False, suffix=suffixes, recursive=True))
        template_dir = self.data_prefix.get('template_path')
        mask_dir = self.data_prefix.get('seg_map_path')
        samples = []
        for name in names:
            stem = name[:-len(next(s for s in suffixes if name.endswith(s)))]
            fields = dict(img_path=osp.join(img_dir, name))
            if template_dir:
                fields['template_path'] = osp.join(
                    template_dir,
                    name if self.template_suffix is None else stem +
                    self.template_suffix)
            if mask_dir:
                fields['seg_map_path'] = osp.join(mask_dir,
                                                  stem + self.seg_map_suffix)
            samples.append(self._sample(fields, img_dir))
        return samples
