"""Helpers shared by the data set converters and the SynLCD generator.

Every data set tool writes the same kind of output: images in folders, list
files ``splits/<name>.txt`` with one "sample template mask" triple per line
and a ``meta.json``, all inside the staging folder of
:func:`mmdefect.utils.staged_output`.  The errors raised here name the file
at fault, so a command line reports it through ``parser.error``.
"""
import os.path as osp

import cv2
import numpy as np

from mmdefect.utils import write_data, write_file


def split_indices(num, train_ratio, seed, what='items'):
    """Draw a random ``train_ratio`` / rest split of ``range(num)``.

    ``floor(train_ratio * num)`` indices go to training (3,747 of 5,354 for
    the paper's MVTec-AD), at least one in each part.  Both parts are sorted,
    so the list files keep the order in which the items were collected.

    Args:
        what (str): What is split, for the error on fewer than 2 items.

    Returns:
        tuple[list[int], list[int]]: The training and the test indices.
    """
    if num < 2:
        raise ValueError(f'need at least 2 {what} to split, got {num}')
    num_train = min(max(int(train_ratio * num), 1), num - 1)
    order = np.random.default_rng(seed).permutation(num)
    return sorted(order[:num_train].tolist()), sorted(
        order[num_train:].tolist())


def imread(path, flags=cv2.IMREAD_COLOR, what='image'):
    """Read an image with OpenCV, raising an error that names ``path``.

    ``cv2.imread`` returns None for a missing, corrupt or non-image file
    instead of raising, which would surface later as an unrelated error.
    """
    img = cv2.imread(path, flags)
    if img is None:
        raise ValueError(f'cannot read {what} {path} (missing, corrupt or '
                         'not an image)')
    return img


def imwrite(path, img, params=()):
    """Write an image with OpenCV, raising an error that names ``path``.

    Args:
        params (Sequence[int]): ``cv2.imwrite`` flag/value pairs, e.g.
            ``[cv2.IMWRITE_PNG_COMPRESSION, 3]``.
    """
    if not cv2.imwrite(path, img, params):
        raise OSError(f'could not write {path}')


def check_output_dir(source, out, overwrite, source_name):
    """Validate the source folder and the output folder of a converter.

    Runs before any work is done, so a wrong path fails at once rather than
    after the data set has been read: the source must exist, the output must
    lie outside it and not contain it (an output inside the source would
    become part of the data set, and replacing an output that contains the
    source would delete it), and an existing output is an error unless
    ``overwrite``.

    Args:
        source_name (str): The data set's name, for the error on a missing
            source folder.

    Returns:
        tuple[str, str]: The absolute source and output paths.
    """
    root, out = osp.abspath(source), osp.abspath(out)
    if not osp.isdir(root):
        raise FileNotFoundError(f'{source_name} root {root} not found')
    if osp.commonpath([root, out]) in (root, out):
        raise ValueError(f'output {out} must lie outside the data set {root} '
                         'and not contain it')
    if osp.lexists(out) and not overwrite:
        raise FileExistsError(
            f'{out} already exists; pass --overwrite to replace it')
    return root, out


def write_split(stage, name, lines):
    """Write the list file ``<stage>/splits/<name>.txt``, one line per item.

    Args:
        lines (Iterable[str]): The lines, without their newline.
    """
    write_file(
        osp.join(stage, 'splits', f'{name}.txt'),
        ''.join(f'{line}\n' for line in lines).encode())


def write_meta(stage, meta):
    """Write ``meta`` to ``<stage>/meta.json``, indented."""
    write_data(osp.join(stage, 'meta.json'), meta, indent=2)
