"""Convert the layouts people have into :class:`.MixedSplitWriter`'s.

Three inputs, all paths relative to ``SOURCE``:

* **class folders** (MVTec-like): ``SOURCE/good/`` holds the defect-free
  images, every other folder ``SOURCE/<defect type>/`` defective ones; masks,
  where there are any, lie in a parallel folder ``MASKS/<defect type>/<stem>
  <mask_suffix>.<ext>`` (``masks=``; MVTec-AD's ``ground_truth`` with
  ``mask_suffix='_mask'``);
* **a label file** (``labels=``, CSV or TSV with a header row): columns
  ``image`` and ``label``, optionally ``mask`` and ``template`` (an empty
  cell or ``-``: none); other columns are ignored.  Labels (any case):
  :data:`GOOD_LABELS` defect-free, :data:`DEFECT_LABELS` defective;
* **template/sample folder pairs**: ``SOURCE/sample/<name>`` with
  ``SOURCE/template/<name>`` (the same file name) and its mask
  ``SOURCE/mask/<stem><mask_suffix>.<ext>``, the image label read from the
  mask.

``template=`` gives one template (a golden image) to every sample that names
none, so that class folders and label files serve paired models too.

Masks are 0/1 or 0/255 alike: a defect wherever non-zero, as the other
converters read them.  A defective image without a mask is recorded with
its image label only (``gt_label`` 1, no ``seg_map_path``): it trains and
scores the image-level decision (MFFPA's mixed supervision), never as
defect-free.  Images keep their channels and depth (grey stays grey); they
must share one size unless ``resize=(W, H)`` resizes every image and
template bilinearly and every mask by nearest neighbour.

The split is seeded and stratified by kind (defect-free, defective with a
mask, defective label-only): of each kind ``round(val * n)`` images go to
validation and ``round(test * n)`` to test, at least one each from 3 images
of a kind, the rest to training; validation and test never share an
image.  Every split must hold defect-free and defective images.

Output (``OUT_DIR``, written atomically)::

    images/<split>/<name>.png, masks/<split>/<name>.png, templates/<name>.png
    splits/{train,val,test}.json   # DefectDataset's JSON annotation files
    meta.json                      # the arguments and the counts

Bad input stops before anything is written, naming the file (and the line
of the label file): an empty folder, a missing or unreadable image, an
unknown label, a repeated image, a mask or template of another size, mixed
image sizes without ``resize``, a split left without defect-free or
defective images.
"""
import csv
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image

from mmdefect.utils import staged_output
from .common import check_output_dir, imread, write_meta
from .mixed_supervision import MixedSplitWriter
from .single_image import IMAGE_EXTS

GOOD_LABELS = ('0', 'good', 'ok', 'normal')
DEFECT_LABELS = ('1', 'defective', 'defect', 'bad', 'ng', 'anomaly')
SPLITS = ('train', 'val', 'test')
KINDS = ('good', 'mask', 'label_only')
LAYOUTS = ('classes', 'labels', 'pairs')
# Masks and templates refer to the stored pixel grid, so EXIF orientation
# is ignored; ANYDEPTH keeps 16-bit images 16-bit.
IMAGE_FLAGS = (
    cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH
    | cv2.IMREAD_IGNORE_ORIENTATION)
MASK_FLAGS = (
    cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH
    | cv2.IMREAD_IGNORE_ORIENTATION)


def image_size(path: str, where: str) -> Tuple[int, int]:
    """The ``(w, h)`` of an image from its header; the error names the
    file and ``where`` it is listed."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{where}: {path} not found')
    try:
        with Image.open(path) as img:
            return img.size
    except Exception as err:  # PIL raises many types for bad files
        raise ValueError(f'{where}: cannot read {path} ({err})') from None


def _images(folder: str) -> List[str]:
    return sorted(
        name for name in os.listdir(folder)
        if osp.splitext(name)[1].lower() in IMAGE_EXTS
        and osp.isfile(osp.join(folder, name)))


def _find_mask(folder: str, stem: str) -> Optional[str]:
    """The mask ``<folder>/<stem>.<image ext>``; None if there is none, an
    error if there are several."""
    if not osp.isdir(folder):
        return None
    found = [
        osp.join(folder, name) for name in os.listdir(folder)
        if osp.splitext(name)[0] == stem
        and osp.splitext(name)[1].lower() in IMAGE_EXTS
    ]
    if len(found) > 1:
        raise ValueError(f'several masks for one image: {sorted(found)}')
    return found[0] if found else None


def class_folder_records(root: str, masks: Optional[str],
                         mask_suffix: str) -> List[dict]:
    """The images of ``root/good`` and ``root/<defect type>``."""
    folders = sorted(
        d for d in os.listdir(root)
        if osp.isdir(osp.join(root, d)) and d != 'good')
    if not osp.isdir(osp.join(root, 'good')):
        raise ValueError(f'{root} has no good/ folder of defect-free images '
                         '(class-folder layout: good/ and one folder per '
                         'defect type; or pass a label file)')
    if masks is not None and not osp.isdir(masks):
        raise FileNotFoundError(f'mask folder {masks} not found')
    records = []
    for folder in ['good'] + folders:
        names = _images(osp.join(root, folder))
        if not names:
            raise ValueError(f'{osp.join(root, folder)} holds no images '
                             f'({", ".join("*" + e for e in IMAGE_EXTS)})')
        for name in names:
            stem = osp.splitext(name)[0]
            path = osp.join(root, folder, name)
            mask = None
            if masks is not None:
                mask = _find_mask(osp.join(masks, folder), stem + mask_suffix)
            records.append(
                dict(
                    image=path,
                    where=path,
                    label=int(folder != 'good'),
                    mask=mask,
                    name=f'{folder}/{stem}',
                    defect_type=folder))
    return records


def _parse_label(value: str, where: str) -> int:
    value = value.strip().lower()
    if value in GOOD_LABELS:
        return 0
    if value in DEFECT_LABELS:
        return 1
    raise ValueError(f'{where}: unknown label {value!r}; defect-free: '
                     f'{", ".join(GOOD_LABELS)}; defective: '
                     f'{", ".join(DEFECT_LABELS)}')


def _inside(root: str, rel: str, where: str, role: str) -> str:
    path = osp.normpath(osp.join(root, rel))
    if osp.commonpath([root, path]) != root:
        raise ValueError(f'{where}: {role} {rel} lies outside {root}')
    return path


def label_file_records(root: str, labels: str) -> List[dict]:
    """The rows of a CSV/TSV label file with columns image, label and
    optionally mask and template."""
    if not osp.isfile(labels):
        raise FileNotFoundError(f'label file {labels} not found')
    with open(labels, newline='', encoding='utf-8-sig') as f:
        lines = f.read().splitlines()
    if not lines:
        raise ValueError(f'label file {labels} is empty')
    delimiter = '\t' if '\t' in lines[0] else (
        ';' if ';' in lines[0] and ',' not in lines[0] else ',')
    rows = csv.reader(lines, delimiter=delimiter)
    header = [c.strip().lower() for c in next(rows)]
    missing = [c for c in ('image', 'label') if c not in header]
    if missing:
        raise ValueError(f'{labels}:1: the header {header} lacks the '
                         f'column(s) {missing} (columns: image, label and '
                         'optionally mask, template)')
    column = {name: header.index(name) for name in header}
    records, first = [], {}
    for lineno, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue
        where = f'{labels}:{lineno}'
        if len(row) < len(header):
            raise ValueError(f'{where}: {len(row)} values for the '
                             f'{len(header)} columns {header}')
        cell = {name: row[i].strip() for name, i in column.items()}
        if not cell['image']:
            raise ValueError(f'{where}: no image')
        image = _inside(root, cell['image'], where, 'image')
        if image in first:
            raise ValueError(f'{where}: image {cell["image"]} is listed '
                             f'again (first on line {first[image]})')
        first[image] = lineno
        record = dict(
            image=image,
            where=where,
            label=_parse_label(cell['label'], where),
            name=osp.splitext(osp.relpath(image,
                                          root))[0].replace(os.sep, '/'))
        for key in ('mask', 'template'):
            value = cell.get(key, '')
            if value and value != '-':
                record[key] = _inside(root, value, where, key)
        records.append(record)
    if not records:
        raise ValueError(f'label file {labels} lists no images')
    return records


def pair_folder_records(root: str, mask_suffix: str) -> List[dict]:
    """``root/sample/<name>`` with ``root/template/<name>`` and the mask
    ``root/mask/<stem><mask_suffix>``, which gives the image label."""
    folders = {k: osp.join(root, k) for k in ('sample', 'template', 'mask')}
    for key, folder in folders.items():
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'{folder} not found (pair layout: sample/, template/ and '
                'mask/; without masks, list the pairs and their labels in '
                'a label file with a template column)')
    names = _images(folders['sample'])
    if not names:
        raise ValueError(f'{folders["sample"]} holds no images')
    records = []
    for name in names:
        stem = osp.splitext(name)[0]
        image = osp.join(folders['sample'], name)
        template = osp.join(folders['template'], name)
        if not osp.isfile(template):
            raise FileNotFoundError(f'{image}: template {template} not found')
        mask = _find_mask(folders['mask'], stem + mask_suffix)
        if mask is None:
            raise FileNotFoundError(f'{image}: no mask {stem}{mask_suffix}'
                                    f'.* in {folders["mask"]}')
        records.append(
            dict(
                image=image,
                where=image,
                label=None,
                mask=mask,
                template=template,
                name=stem))
    return records


def read_mask(path: str) -> np.ndarray:
    """A mask as 0/1: a defect wherever non-zero (0/1 and 0/255 alike)."""
    return (imread(path, MASK_FLAGS, what='mask') > 0).astype(np.uint8)


def check_records(records: List[dict],
                  resize: Optional[Tuple[int, int]]) -> Optional[tuple]:
    """Check names, sizes and labels from the files' headers (and the
    masks that give an image label); set every record's ``kind``.  Returns
    the one image size ``(w, h)``, or None where ``resize`` is given."""
    names, sizes = {}, {}
    for record in records:
        where = record['where']
        if record['name'] in names:
            raise ValueError(f'{where}: {record["image"]} and '
                             f'{names[record["name"]]} would both be written'
                             f' as {record["name"]}.png')
        names[record['name']] = record['image']
        size = image_size(record['image'], where)
        for key in ('mask', 'template'):
            if record.get(key) is None:
                continue
            other = image_size(record[key], where)
            if other != size:
                raise ValueError(
                    f'{where}: {key} {record[key]} is {other[0]}x{other[1]}'
                    f' but the image {record["image"]} is '
                    f'{size[0]}x{size[1]}')
        sizes.setdefault(size, record['image'])
        if record['label'] is None:  # pair layout: the mask decides
            record['label'] = int(read_mask(record['mask']).any())
        record['kind'] = ('good' if record['label'] == 0 else
                          'mask' if record.get('mask') else 'label_only')
    if len(sizes) > 1 and resize is None:
        (a, path_a), (b, path_b) = list(sizes.items())[:2]
        raise ValueError(
            f'the images differ in size ({len(sizes)} sizes), e.g. {path_a} '
            f'is {a[0]}x{a[1]} and {path_b} is {b[0]}x{b[1]}; pass --resize '
            'W H to resize every image (masks by nearest neighbour)')
    return None if resize is not None else next(iter(sizes))


def stratified_splits(kinds: Sequence[str], val: float, test: float,
                      seed: int) -> List[str]:
    """The split of every item: per kind a seeded permutation, of which
    ``round(test * n)`` items go to test and ``round(val * n)`` to
    validation (at least one each from 3 items of a kind), the rest to
    training.

    Raises:
        ValueError: When a split would hold no defect-free or no defective
            item.
    """
    rng = np.random.default_rng(seed)
    kinds = np.asarray(kinds)
    split = np.empty(len(kinds), object)
    for kind in KINDS:
        members = np.flatnonzero(kinds == kind)
        n = len(members)
        num_test, num_val = int(round(test * n)), int(round(val * n))
        if n >= 3:
            num_test, num_val = max(num_test, 1), max(num_val, 1)
            while num_test + num_val > n - 1:
                if num_test >= num_val:
                    num_test -= 1
                else:
                    num_val -= 1
        order = rng.permutation(members)
        split[order[:num_test]] = 'test'
        split[order[num_test:num_test + num_val]] = 'val'
        split[order[num_test + num_val:]] = 'train'
    counts = {k: int((kinds == k).sum()) for k in KINDS}
    for name in SPLITS:
        here = kinds[split == name]
        if not (here == 'good').any():
            raise ValueError(
                f'the {name} split would hold no defect-free images: there '
                f'are {counts["good"]}, and a kind reaches every split from 3'
                ' images')
        if not (here != 'good').any():
            raise ValueError(
                f'the {name} split would hold no defective images: there '
                f'are {counts["mask"]} with a mask and {counts["label_only"]}'
                ' label-only, and a kind reaches every split from 3 images')
    return split.tolist()


def _resized(img: np.ndarray, resize, interpolation) -> np.ndarray:
    if resize is None or img.shape[1::-1] == tuple(resize):
        return img
    return cv2.resize(img, tuple(resize), interpolation=interpolation)


def convert_folder(source: str,
                   out_dir: str,
                   labels: Optional[str] = None,
                   masks: Optional[str] = None,
                   mask_suffix: str = '',
                   template: Optional[str] = None,
                   val: float = 0.1,
                   test: float = 0.2,
                   resize: Optional[Sequence[int]] = None,
                   seed: int = 0,
                   overwrite: bool = False,
                   progress=None) -> dict:
    """Write the images of ``source`` to ``out_dir``; return its meta dict.

    The layout is the label file's where ``labels`` is given, the pairs'
    where ``source`` holds ``sample/`` and ``template/``, else the class
    folders'.

    Args:
        labels (str, optional): CSV/TSV label file.
        masks (str, optional): Mask folder of the class-folder layout.
        mask_suffix (str): What follows an image's stem in its mask's name.
        template (str, optional): The template of every sample that names
            none.
        val (float): Share of each kind for validation.
        test (float): Share of each kind for test.
        resize (Sequence[int], optional): ``(W, H)`` every image is resized
            to; None: the images must share one size.
        seed (int): Seed of the split.
        progress: optional ``callable(done, total)`` called per image.
    """
    root, out = check_output_dir(source, out_dir, overwrite, 'image')
    if not (0 < val < 1 and 0 < test < 1 and val + test < 1):
        raise ValueError(f'val and test must lie in (0, 1) with val + test '
                         f'< 1, got {val} and {test}')
    if resize is not None:
        resize = tuple(int(v) for v in resize)
        if len(resize) != 2 or min(resize) < 8:
            raise ValueError(f'resize must be W H of at least 8, got '
                             f'{resize}')
    if labels is not None:
        layout = 'labels'
        records = label_file_records(root, osp.abspath(labels))
    elif osp.isdir(osp.join(root, 'sample')) and \
            osp.isdir(osp.join(root, 'template')):
        layout = 'pairs'
        records = pair_folder_records(root, mask_suffix)
    else:
        layout = 'classes'
        records = class_folder_records(
            root, None if masks is None else osp.abspath(masks), mask_suffix)
    if template is not None:
        template = osp.abspath(template)
        for record in records:
            record.setdefault('template', template)
    size = check_records(records, resize)
    splits = stratified_splits([r['kind'] for r in records], val, test, seed)

    with staged_output(out, overwrite) as stage:
        writer = MixedSplitWriter(stage)
        templates: Dict[str, str] = {}
        channels = set()
        order = sorted(
            range(len(records)), key=lambda i: SPLITS.index(splits[i]))
        for done, index in enumerate(order, 1):
            record = records[index]
            img = _resized(
                imread(record['image'], IMAGE_FLAGS), resize, cv2.INTER_LINEAR)
            channels.add(1 if img.ndim == 2 else img.shape[2])
            mask = None
            if record.get('mask') is not None:
                mask = _resized(
                    read_mask(record['mask']), resize, cv2.INTER_NEAREST)
            extra = {}
            if record.get('defect_type') is not None:
                extra['defect_type'] = record['defect_type']
            path = record.get('template')
            if path is not None:
                if path not in templates:
                    name = (
                        osp.splitext(osp.relpath(path, root))[0].replace(
                            os.sep, '/') if osp.commonpath([root, path])
                        == root else osp.splitext(osp.basename(path))[0])
                    templates[path] = writer.add_template(
                        name,
                        _resized(
                            imread(path, IMAGE_FLAGS, what='template'), resize,
                            cv2.INTER_LINEAR))
                extra['template'] = templates[path]
            try:
                writer.add(splits[index], record['name'], img, mask,
                           record['label'], **extra)
            except ValueError as err:
                raise ValueError(f'{record["where"]}: {err}') from None
            if progress:
                progress(done, len(records))
        writer.finish(None, seed)
        counts = {}
        for split in SPLITS:
            kinds = [r['kind'] for r, s in zip(records, splits) if s == split]
            counts[split] = dict(
                images=len(kinds), **{k: kinds.count(k)
                                      for k in KINDS})
        meta = dict(
            dataset='folder',
            layout=layout,
            source=root,
            args=dict(
                labels=labels and osp.abspath(labels),
                masks=masks and osp.abspath(masks),
                mask_suffix=mask_suffix,
                template=template,
                val=val,
                test=test,
                resize=resize,
                seed=seed),
            size=list(resize or size),
            channels=sorted(channels),
            templates=len(templates),
            splits=counts)
        write_meta(stage, meta)
    return meta
