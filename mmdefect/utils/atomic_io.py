"""Atomic writes: a file or folder appears whole or not at all.

A generator, converter, exporter or tool interrupted midway (an exception,
Ctrl-C, SIGTERM turned into SystemExit) must leave no half-written output.
Output is written into a staging path next to the target and renamed into
place only when complete; renames within one file system are atomic.
:func:`staged_output` serves folders and exporters, :func:`write_file` single
files; JSON and YAML go through :func:`write_data`, PNG images through
:func:`write_png`.
"""
import os
import os.path as osp
import shutil
from contextlib import contextmanager

import mmengine


def remove_path(path: str) -> None:
    """Delete a file, link or folder; links are never followed."""
    if osp.isdir(path) and not osp.islink(path):
        shutil.rmtree(path)
    elif osp.lexists(path):
        os.remove(path)


@contextmanager
def staged_output(out: str, overwrite: bool = False, is_dir: bool = True):
    """Yield ``<out>.partial-<pid>``; move it to ``out`` on success.

    The staging path is removed on any exception (Ctrl-C included), so
    ``out`` never holds partial output.  An existing ``out`` is an error
    unless ``overwrite``; it is then replaced only once the new output is
    complete, and restored if the final rename fails.

    Args:
        out (str): Final path of the folder (``is_dir=True``, the staging
            folder is created) or file (``is_dir=False``, the caller writes
            the staging file).
    """
    out = osp.abspath(out)
    if osp.lexists(out) and not overwrite:
        raise FileExistsError(
            f'{out} already exists; pass --overwrite to replace it')
    os.makedirs(osp.dirname(out), exist_ok=True)
    staging = f'{out}.partial-{os.getpid()}'
    remove_path(staging)  # left by a killed run that had the same pid
    if is_dir:
        os.makedirs(staging)
    try:
        yield staging
        if not osp.lexists(staging):
            raise FileNotFoundError(f'nothing was written to {staging}')
        if osp.lexists(out):
            old = f'{out}.old-{os.getpid()}'
            os.rename(out, old)
            try:
                os.rename(staging, out)
            except BaseException:
                os.rename(old, out)
                raise
            remove_path(old)
        else:
            os.rename(staging, out)
    except BaseException:
        remove_path(staging)
        raise


def write_file(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a staging file in its folder
    (created if needed); an existing file is replaced."""
    with staged_output(path, overwrite=True, is_dir=False) as tmp:
        with open(tmp, 'wb') as f:
            f.write(data)


def write_data(path: str, obj, **kwargs) -> None:
    """Serialise ``obj`` as JSON or YAML, chosen by the suffix of ``path``,
    and write it with :func:`write_file`.

    mmengine's file handlers do the serialising (numpy arrays and scalars
    become lists and numbers); ``kwargs`` go to them, e.g. ``indent=2`` for
    JSON.  The text ends with a newline.
    """
    suffix = osp.splitext(path)[1][1:].lower()
    if suffix not in ('json', 'yaml', 'yml'):
        raise ValueError(f'{path}: write_data writes .json, .yaml or .yml '
                         'files')
    text = mmengine.dump(obj, file_format=suffix, **kwargs)
    write_file(path, (text if text.endswith('\n') else text + '\n').encode())


def write_png(path: str, image) -> None:
    """Encode an image (uint8 array, BGR or grey) as PNG and write it
    atomically; the error names the path."""
    import cv2
    ok, buf = cv2.imencode('.png', image)
    if not ok:
        raise OSError(f'cannot encode {path} as PNG')
    write_file(path, buf.tobytes())
