"""Atomic creation of output folders and files.

A generator, converter or exporter interrupted midway (an exception, Ctrl-C,
SIGTERM turned into SystemExit) must leave no half-written output.  Output is
written into a staging path next to the target and renamed into place only
when complete; renames within one file system are atomic.
"""
import os
import os.path as osp
import shutil
from contextlib import contextmanager


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


def write_png(path: str, image) -> None:
    """Encode an image (uint8 array, BGR or grey) as PNG and write it
    atomically; the error names the path."""
    import cv2
    ok, buf = cv2.imencode('.png', image)
    if not ok:
        raise OSError(f'cannot encode {path} as PNG')
    write_file(path, buf.tobytes())


def run_staged_tool(parser,
                    out_dir: str,
                    build,
                    errors=(ValueError, FileNotFoundError, FileExistsError)):
    """Run a command-line data tool whose ``build(progress)`` writes
    ``out_dir`` through :func:`staged_output`.

    SIGTERM becomes ``SystemExit`` (which unwinds through the staging and
    removes it), Ctrl-C ends with a one-line message, the expected input
    errors are reported by ``parser.error``, and ``progress(done, total)``
    drives an mmengine progress bar.  Returns what ``build`` returns.
    """
    import signal
    import sys

    from mmengine.utils import ProgressBar

    signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))
    bar = None

    def progress(done, total):
        nonlocal bar
        if bar is None:
            bar = ProgressBar(total)
        bar.update()

    try:
        result = build(progress)
    except errors as err:
        parser.error(str(err))
    except KeyboardInterrupt:
        sys.exit(f'\ninterrupted: {out_dir} was left unchanged')
    print()
    return result
