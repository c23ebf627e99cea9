"""Reading and writing shared by LSA-Net's single-image converters.

LSA-Net (Table 4) trains on KolektorSDD, NEU-Seg
and Magnetic-tile at a fixed size with binary masks.  Each converter
(``ksdd``, ``neu_seg``, ``magnetic_tile``) writes the same layout through
:class:`SplitWriter`::

    OUT/images/{train,test}/<id>.png   # the image as read (grey stays grey)
    OUT/masks/{train,test}/<id>.png    # uint8, 0 background, 1 defect
    OUT/splits/{train,test}.txt        # images/train/<id>.png - masks/...
    OUT/meta.json

The list files are the paired converters' "sample template mask" triples
with ``-`` for the missing template, so ``DefectDataset`` reads them with
its default columns and a mask can never be taken for a template.
"""
import os
import os.path as osp

import cv2
import numpy as np

from .common import imread, imwrite, write_split

SPLITS = ('train', 'test')
CLASSES = ('background', 'defect')
IMAGE_EXTS = ('.bmp', '.jpg', '.jpeg', '.png')
# Masks refer to the stored pixel grid, so EXIF orientation is ignored;
# ANYCOLOR keeps a grey file single-channel and drops an alpha channel.
READ_FLAGS = cv2.IMREAD_ANYCOLOR | cv2.IMREAD_IGNORE_ORIENTATION


def find_image(folder, stem):
    """The image ``<folder>/<stem>.<ext>`` whatever the case of its
    extension; None if there is none."""
    if osp.isdir(folder):
        for name in sorted(os.listdir(folder)):
            base, ext = osp.splitext(name)
            if base == stem and ext.lower() in IMAGE_EXTS:
                return osp.join(folder, name)
    return None


def list_images(folder, exts=IMAGE_EXTS, what='images'):
    """Sorted names of the files in ``folder`` ending in one of ``exts``
    (any case); an error names a missing or empty folder."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{what} folder {folder} not found')
    names = sorted(
        name for name in os.listdir(folder)
        if osp.splitext(name)[1].lower() in exts
        and osp.isfile(osp.join(folder, name)))
    if not names:
        raise ValueError(f'{folder} holds no {what} '
                         f'({", ".join("*" + e for e in exts)})')
    return names


def read_pair(image_path, mask_path):
    """Read an image and its raw single-channel mask; the errors name the
    file that cannot be read, or both files where their sizes differ."""
    img = imread(image_path, READ_FLAGS)
    mask = imread(mask_path, cv2.IMREAD_GRAYSCALE, what='mask')
    if mask.shape != img.shape[:2]:
        raise ValueError(
            f'mask {mask_path} is {mask.shape[1]}x{mask.shape[0]} but its '
            f'image {image_path} is {img.shape[1]}x{img.shape[0]}')
    return img, mask


def resize_pair(img, mask, size):
    """Resize to ``size`` x ``size``: the image bilinearly, the mask by
    nearest neighbour so that it keeps its values."""
    if img.shape[:2] == (size, size):
        return img, mask
    return (cv2.resize(img, (size, size), interpolation=cv2.INTER_LINEAR),
            cv2.resize(mask, (size, size), interpolation=cv2.INTER_NEAREST))


def check_size(size):
    if not isinstance(size, int) or size < 8:
        raise ValueError(f'size must be an integer >= 8, got {size!r}')


class SplitWriter:
    """Write resized samples and their 0/1 masks into a staging folder.

    Args:
        stage (str): The folder of :func:`mmdefect.utils.staged_output`.
        size (int): Side of the square images and masks written.
    """

    def __init__(self, stage, size):
        self.stage, self.size = stage, size
        self.lines = {split: [] for split in SPLITS}
        self.pixels = np.zeros(len(CLASSES), np.int64)
        for sub in ('images', 'masks'):
            for split in SPLITS:
                os.makedirs(osp.join(stage, sub, split))

    def add(self, split, name, img, mask):
        """Resize and write one sample; ``mask`` holds 0/1 at the image's
        size."""
        img, mask = resize_pair(img, mask.astype(np.uint8), self.size)
        rel = f'{split}/{name}.png'
        imwrite(osp.join(self.stage, 'images', rel), img)
        imwrite(osp.join(self.stage, 'masks', rel), mask)
        self.lines[split].append(f'images/{rel} - masks/{rel}')
        self.pixels += np.bincount(mask.ravel(), minlength=len(CLASSES))

    def finish(self):
        """Write the list files; return the pixels per class."""
        for split, lines in self.lines.items():
            write_split(self.stage, split, lines)
        return dict(zip(CLASSES, self.pixels.tolist()))
