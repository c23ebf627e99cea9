"""A small folder of grey inspection images as a user has them: the input
of the own-data tutorial (``docs/tutorials/own_data.md``).

One product, a drawn part (a plate with holes, a slot and a label field),
is imaged again and again under slightly varying light and sensor noise;
some images show a defect (a dark scratch or a bright blob).  The folder
holds what an inspection line records, not a dataset layout::

    OUT/images/part_<k>.png     # grey, size x size
    OUT/masks/part_<k>.png      # 0/255, for some defective images only
    OUT/template.png            # a defect-free image of the part (golden)
    OUT/labels.csv              # image,label,mask (label good/defective,
                                # mask empty where there is none)
    OUT/new/part_<k>.png        # unlabelled images to inspect afterwards

Every image is aligned with the template (a fixture holds the part), so a
paired model can compare them.  The images are drawn from ``seed`` alone.
"""
import os.path as osp

import cv2
import numpy as np

from mmdefect.utils import staged_output, write_file, write_png


def draw_part(size: int) -> np.ndarray:
    """The defect-free part, grey float in [0, 255]."""
    img = np.full((size, size), 60.0)
    margin = size // 10
    cv2.rectangle(img, (margin, margin), (size - margin, size - margin), 170.0,
                  -1)
    for cx, cy in ((0.3, 0.3), (0.7, 0.3), (0.3, 0.7), (0.7, 0.7)):
        cv2.circle(img, (int(cx * size), int(cy * size)), size // 14, 60.0, -1)
    cv2.rectangle(img, (int(0.42 * size), int(0.2 * size)),
                  (int(0.58 * size), int(0.8 * size)), 120.0, -1)
    return cv2.GaussianBlur(img, (3, 3), 0)


def draw_defect(rng: np.random.Generator, size: int) -> tuple:
    """A defect's intensity change and its mask (bool)."""
    change = np.zeros((size, size), np.float32)
    mask = np.zeros((size, size), np.uint8)
    x, y = rng.integers(size // 5, 4 * size // 5, 2)
    if rng.random() < 0.5:  # a scratch
        angle = rng.uniform(0, np.pi)
        half = rng.uniform(0.12, 0.25) * size
        dx, dy = half * np.cos(angle), half * np.sin(angle)
        ends = [(int(x - dx), int(y - dy)), (int(x + dx), int(y + dy))]
        cv2.line(mask, *ends, 1, max(1, size // 48))
        value = -70.0
    else:  # a blob
        axes = tuple(int(a) for a in rng.integers(size // 24, size // 10, 2))
        cv2.ellipse(mask, (int(x), int(y)), axes, float(rng.uniform(0, 180)),
                    0, 360, 1, -1)
        value = 70.0
    change[mask > 0] = value
    return change, mask > 0


def draw_image(rng: np.random.Generator, part: np.ndarray,
               defect: bool) -> tuple:
    """One capture of the part: light gain and offset, sensor noise and,
    where ``defect``, a defect.  Returns the uint8 image and the mask."""
    img = part * rng.uniform(0.92, 1.08) + rng.uniform(-8, 8)
    mask = np.zeros(part.shape, bool)
    if defect:
        change, mask = draw_defect(rng, part.shape[0])
        img = img + change
    img = img + rng.normal(0, 4, part.shape)
    return np.clip(img, 0, 255).astype(np.uint8), mask


def write_demo_folder(out_dir: str,
                      good: int = 24,
                      defective: int = 24,
                      masked: int = 12,
                      new: int = 6,
                      size: int = 128,
                      seed: int = 0,
                      overwrite: bool = False,
                      progress=None) -> dict:
    """Write the demo folder to ``out_dir``; return what it holds.

    Args:
        good (int): Defect-free images.
        defective (int): Defective images.
        masked (int): Defective images with a mask; the others are
            labelled only.
        new (int): Unlabelled images (every other one defective).
        size (int): Image side in pixels.
        progress: optional ``callable(done, total)`` called per image.
    """
    if not 0 <= masked <= defective:
        raise ValueError(f'masked must lie in [0, {defective}] (the '
                         f'defective images), got {masked}')
    if size < 32:
        raise ValueError(f'size must be at least 32, got {size}')
    rng = np.random.default_rng(seed)
    part = draw_part(size)
    labels = np.array([0] * good + [1] * defective)
    order = rng.permutation(len(labels))
    total = len(labels) + new
    rows = ['image,label,mask']
    with staged_output(out_dir, overwrite) as stage:
        template, _ = draw_image(rng, part, False)
        write_png(osp.join(stage, 'template.png'), template)
        masks_left = masked
        for done, index in enumerate(order, 1):
            name = f'part_{done - 1:03d}.png'
            img, mask = draw_image(rng, part, labels[index] == 1)
            write_png(osp.join(stage, 'images', name), img)
            mask_path = ''
            if labels[index] == 1 and masks_left > 0:
                masks_left -= 1
                mask_path = f'masks/{name}'
                write_png(
                    osp.join(stage, mask_path),
                    mask.astype(np.uint8) * 255)
            label = 'defective' if labels[index] else 'good'
            rows.append(f'images/{name},{label},{mask_path}')
            if progress:
                progress(done, total)
        for k in range(new):
            img, _ = draw_image(rng, part, k % 2 == 1)
            write_png(osp.join(stage, 'new', f'part_{k:03d}.png'), img)
            if progress:
                progress(len(labels) + k + 1, total)
        write_file(
            osp.join(stage, 'labels.csv'), ('\n'.join(rows) + '\n').encode())
    return dict(
        good=good, defective=defective, masked=masked, new=new, size=size)
