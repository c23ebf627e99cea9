"""Convert PKU-Market-PCB into CADNet's 1000x1000 paired crops (Sec. 4.1).

CADNet "resized and cropped the original images into 1000x1000 sub-images,
retaining only those containing defects", 70/30 for training and testing.
The published set (``PCB_DATASET``) has boxes only; the authors' masks are
not available, so masks are derived here.  The command line is
``tools/dataset_converters/pku_pcb.py``.

Input: ``images/<Defect_type>/<board>_<defect>_<nn>.jpg``, the Pascal-VOC
boxes ``Annotations/<Defect_type>/<same stem>.xml`` and the defect-free board
``PCB_USED/<board>.JPG``.  The samples are that board with defects painted
in, so sample and template are registered pixel for pixel.

Mask derivation: inside each box, the pixels where the Gaussian-blurred
(5x5) grey sample and template differ by more than ``diff_threshold``
grey levels, morphologically closed (5x5 ellipse); the whole box where
nothing differs.  Pixels outside every box are background.

Crops: the image is tiled with ``ceil(L / crop)`` evenly spaced, overlapping
windows per axis; a box that lies entirely in no tile gets a window centred
on it.  Windows holding no defect pixel are dropped.  Images are not
resized (the paper's resize factor is not given).  The split is by source
image, so crops of one image never land in both splits.

Output (atomic: written to ``OUT.partial-<pid>``, renamed when complete):
``OUT/{images,templates,masks}/<stem>_<y>_<x>.png``, ``OUT/splits/{train,
test}.txt`` and ``OUT/meta.json``.
"""
import os
import os.path as osp
import re
import warnings
import xml.etree.ElementTree as ET

import cv2
import numpy as np

from mmdefect.utils import staged_output
from ..pku_pcb import PKUPCBDataset
from .common import (check_output_dir, imread, imwrite, split_indices,
                     write_meta, write_split)
from .single_image import find_image

CLASSES = PKUPCBDataset.METAINFO['classes']
BLUR = 5
CLOSE_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
# EXIF orientation is ignored: VOC boxes refer to the stored pixel grid.
READ_FLAGS = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION


def read_boxes(xml_path):
    """Read ``(label, x0, y0, x1, y1)`` per object, 0-based with exclusive
    ends.

    Also returns the ``<size>`` (w, h) the file declares, or None.
    """
    try:
        tree = ET.parse(xml_path)
    except (ET.ParseError, OSError) as err:
        raise ValueError(f'cannot parse annotation {xml_path}: {err}') from err
    root = tree.getroot()
    size = None
    w, h = root.findtext('size/width'), root.findtext('size/height')
    if w and h and int(float(w)) > 0 and int(float(h)) > 0:
        size = (int(float(w)), int(float(h)))
    boxes = []
    for obj in root.iter('object'):
        name = (obj.findtext('name') or '').strip().lower().replace(' ', '_')
        if name not in CLASSES[1:]:
            raise ValueError(f'{xml_path}: unknown defect type {name!r}; '
                             f'expected one of {", ".join(CLASSES[1:])}')
        try:
            xmin, ymin, xmax, ymax = (
                int(round(float(obj.findtext(f'bndbox/{k}'))))
                for k in ('xmin', 'ymin', 'xmax', 'ymax'))
        except (TypeError, ValueError):
            raise ValueError(f'{xml_path}: object {name!r} has no valid '
                             '<bndbox> xmin/ymin/xmax/ymax') from None
        # Pascal VOC corners are 1-based and inclusive.
        boxes.append((CLASSES.index(name), xmin - 1, ymin - 1, xmax, ymax))
    if not boxes:
        raise ValueError(f'annotation {xml_path} holds no <object>')
    return boxes, size


def collect_images(root):
    """One entry per annotation file, with its image and template board."""
    ann_dir = osp.join(root, 'Annotations')
    if not osp.isdir(ann_dir):
        raise FileNotFoundError(f'annotation folder {ann_dir} not found')
    xmls = sorted(
        osp.join(d, name) for d in sorted(os.listdir(ann_dir))
        if osp.isdir(osp.join(ann_dir, d))
        for name in os.listdir(osp.join(ann_dir, d))
        if name.lower().endswith('.xml'))
    if not xmls:
        raise ValueError(f'no annotation files: {ann_dir}/<Defect_type>/ '
                         'holds no *.xml')
    entries = []
    for rel in xmls:
        xml_path = osp.join(ann_dir, rel)
        defect_dir, stem = osp.dirname(rel), osp.splitext(osp.basename(rel))[0]
        expected = osp.join(root, 'images', defect_dir, stem + '.jpg')
        image = find_image(osp.dirname(expected), stem)
        if image is None:
            raise FileNotFoundError(
                f'image {expected} not found (annotated by {xml_path})')
        board = re.match(r'(\d+)_', stem)
        if board is None:
            raise ValueError(f'cannot read the board id (leading number) '
                             f'from {image}')
        expected = osp.join(root, 'PCB_USED', board.group(1) + '.JPG')
        template = find_image(osp.dirname(expected), board.group(1))
        if template is None:
            raise FileNotFoundError(
                f'template board {expected} not found (needed by {image})')
        boxes, size = read_boxes(xml_path)
        entries.append(
            dict(
                stem=stem,
                image=image,
                template=template,
                xml=xml_path,
                boxes=boxes,
                size=size))
    stems = [e['stem'] for e in entries]
    if len(set(stems)) != len(stems):
        raise ValueError('image names must be unique across defect folders')
    return entries


def _grey(img):
    """The blurred grey image the sample/template difference is taken on."""
    return cv2.GaussianBlur(
        cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), (BLUR, BLUR), 0)


def derive_mask(sample_grey, template_grey, boxes, threshold):
    """Class-index mask from blurred grey images and boxes.

    Returns the mask and the number of boxes that fell back to the full box.
    """
    changed = (cv2.absdiff(sample_grey, template_grey)
               > threshold).astype(np.uint8)
    mask = np.zeros(changed.shape, np.uint8)
    full_boxes = 0
    for label, x0, y0, x1, y1 in boxes:
        region = cv2.morphologyEx(changed[y0:y1, x0:x1], cv2.MORPH_CLOSE,
                                  CLOSE_KERNEL)
        if not region.any():
            region[...] = 1
            full_boxes += 1
        mask[y0:y1, x0:x1][region > 0] = label
    return mask, full_boxes


def _starts(length, crop):
    """Starts of ``ceil(length / crop)`` evenly spaced windows covering
    ``length``, the first at 0 and the last ending at ``length``."""
    if length <= crop:
        return [0]
    num = -(-length // crop)
    return [round(i * (length - crop) / (num - 1)) for i in range(num)]


def crop_windows(height, width, crop, boxes):
    """Top-left corners of the windows and the window size ``(h, w)``.

    Tiles cover the image; a box inside no tile gets a window centred on it
    (a box larger than ``crop`` cannot fit in one window and is split).
    An image smaller than ``crop`` along an axis gives windows of its size.
    """
    win_h, win_w = min(crop, height), min(crop, width)
    windows = [(y, x) for y in _starts(height, crop)
               for x in _starts(width, crop)]
    for _, x0, y0, x1, y1 in boxes:
        if any(y <= y0 and y1 <= y + win_h and x <= x0 and x1 <= x + win_w
               for y, x in windows):
            continue
        y = min(max((y0 + y1 - win_h) // 2, 0), height - win_h)
        x = min(max((x0 + x1 - win_w) // 2, 0), width - win_w)
        if (y, x) not in windows:
            windows.append((y, x))
    return windows, (win_h, win_w)


def _clip_boxes(entry, height, width):
    """Clip the entry's boxes to the image; a box wholly outside is an
    error naming the annotation file."""
    boxes = []
    for label, x0, y0, x1, y1 in entry['boxes']:
        box = (label, max(x0, 0), max(y0, 0), min(x1, width), min(y1, height))
        if box[3] <= box[1] or box[4] <= box[2]:
            raise ValueError(
                f'{entry["xml"]}: box {(x0, y0, x1, y1)} lies outside the '
                f'{width}x{height} image {entry["image"]}')
        boxes.append(box)
    return boxes


def convert_entry(entry, template, stage, crop, threshold):
    """Crop one annotated image; return its crop names and statistics."""
    sample = imread(entry['image'], READ_FLAGS)
    if sample.shape != template['image'].shape:
        raise ValueError(
            f'sample {entry["image"]} is {sample.shape[1]}x{sample.shape[0]} '
            f'but its template {entry["template"]} is '
            f'{template["image"].shape[1]}x{template["image"].shape[0]}')
    height, width = sample.shape[:2]
    if entry['size'] is not None and entry['size'] != (width, height):
        warnings.warn(f'{entry["xml"]} declares size {entry["size"]} but '
                      f'{entry["image"]} is {(width, height)}')
    boxes = _clip_boxes(entry, height, width)
    mask, full_boxes = derive_mask(
        _grey(sample), template['grey'], boxes, threshold)
    windows, (win_h, win_w) = crop_windows(height, width, crop, boxes)
    names = []
    pixels = np.zeros(len(CLASSES), np.int64)
    for y, x in windows:
        mask_crop = mask[y:y + win_h, x:x + win_w]
        if not mask_crop.any():
            continue
        name = f'{entry["stem"]}_{y}_{x}.png'
        imwrite(
            osp.join(stage, 'images', name), sample[y:y + win_h, x:x + win_w])
        imwrite(
            osp.join(stage, 'templates', name), template['image'][y:y + win_h,
                                                                  x:x + win_w])
        imwrite(osp.join(stage, 'masks', name), mask_crop)
        pixels += np.bincount(mask_crop.ravel(), minlength=len(CLASSES))
        names.append(name)
    return names, dict(boxes=len(boxes), full_boxes=full_boxes, pixels=pixels)


def convert_pcb(pcb_root,
                out_dir,
                crop=1000,
                seed=0,
                train_ratio=0.7,
                diff_threshold=30,
                overwrite=False,
                progress=None):
    """Write the cropped PKU-Market-PCB to ``out_dir``; return its meta dict.

    Args:
        progress: optional ``callable(done, total)`` called per image.
    """
    root, out = check_output_dir(pcb_root, out_dir, overwrite,
                                 'PKU-Market-PCB')
    if crop < 32:
        raise ValueError(f'crop must be >= 32, got {crop}')
    if not 0 < train_ratio < 1:
        raise ValueError(f'train_ratio must lie in (0, 1), got {train_ratio}')
    if not 0 <= diff_threshold < 255:
        raise ValueError(
            f'diff_threshold must lie in [0, 255), got {diff_threshold}')

    entries = collect_images(root)
    train, _ = split_indices(
        len(entries), train_ratio, seed, what='annotated images')
    train = set(train)
    lines = dict(train=[], test=[])
    counts = {s: dict(images=0, crops=0) for s in lines}
    boxes = full_boxes = 0
    pixels = np.zeros(len(CLASSES), np.int64)
    # Images of one board follow each other, so its template is read once.
    order = sorted(
        range(len(entries)), key=lambda i: (entries[i]['template'], i))
    template = dict(path=None)
    with staged_output(out, overwrite) as stage:
        for sub in ('images', 'templates', 'masks'):
            os.makedirs(osp.join(stage, sub))
        crops = {}
        for done, i in enumerate(order, 1):
            entry = entries[i]
            if template['path'] != entry['template']:
                image = imread(entry['template'], READ_FLAGS)
                template = dict(
                    path=entry['template'], image=image, grey=_grey(image))
            crops[i], stats = convert_entry(entry, template, stage, crop,
                                            diff_threshold)
            boxes += stats['boxes']
            full_boxes += stats['full_boxes']
            pixels += stats['pixels']
            if progress is not None:
                progress(done, len(entries))
        for i, entry in enumerate(entries):
            split = 'train' if i in train else 'test'
            counts[split]['images'] += 1
            counts[split]['crops'] += len(crops[i])
            lines[split] += [
                f'images/{n} templates/{n} masks/{n}' for n in crops[i]
            ]
        for split, split_lines in lines.items():
            write_split(stage, split, split_lines)
        meta = dict(
            converter='mmdefect.datasets.converters.pku_pcb',
            reference='CADNet, Section 4.1 (1000x1000 crops, 70/30 split)',
            args=dict(
                crop=crop,
                seed=seed,
                train_ratio=train_ratio,
                diff_threshold=diff_threshold,
                blur=BLUR,
                close_kernel=CLOSE_KERNEL.shape[0]),
            classes=list(CLASSES),
            splits=counts,
            boxes=boxes,
            boxes_labelled_as_full_box=full_boxes,
            pixel_counts=dict(zip(CLASSES, pixels.tolist())))
        write_meta(stage, meta)
    return meta
