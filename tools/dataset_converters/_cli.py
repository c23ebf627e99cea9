"""The command line every dataset converter and generator here shares.

A tool is ``python tools/dataset_converters/<name>.py [SOURCE] OUT_DIR
[options]``.  It builds its parser with :func:`converter_parser`, which adds
the arguments the tools share in one wording (``SOURCE``, ``OUT_DIR``,
``--seed``, ``--workers`` where the work is spread over processes,
``--overwrite``), adds its own options named like the keyword arguments of
its library function, and hands both to :func:`run_converter`.  That runs
the function, which writes ``OUT_DIR`` atomically
(:func:`mmdefect.utils.staged_output`), with a progress bar; bad input ends
with a usage error naming the file, SIGTERM and Ctrl-C end without partial
output; the tool's summary of the returned meta dict is printed last.
"""
import argparse
import signal
import sys
from typing import Callable, Iterable, Optional

from mmengine.utils import ProgressBar

from mmdefect.utils import setup_runtime

#: Errors of the input (missing or malformed files, bad arguments, an
#: existing output) reported as usage errors; anything else is a bug and
#: keeps its traceback.
INPUT_ERRORS = (ValueError, FileNotFoundError, FileExistsError)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default in its help where it has one."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False \
                or action.default == []:
            return action.help
        return super()._get_help_string(action)


def converter_parser(doc: str,
                     *,
                     seed: str,
                     source: Optional[str] = None,
                     workers: bool = False,
                     out_dir: bool = True) -> argparse.ArgumentParser:
    """The parser of a converter with the shared arguments.

    Args:
        doc (str): The tool's module docstring; its first paragraph is the
            description.
        seed (str): What ``--seed`` seeds.
        source (str, optional): What the ``source`` folder holds; None for
            a generator, which reads nothing.
        workers (bool): Add ``--workers``.
        out_dir (bool): Add ``OUT_DIR``; False for a tool that writes into
            an existing dataset.
    """
    description = ' '.join(doc.strip().split('\n\n')[0].split())
    if description.endswith('::'):  # the paragraph introduces an example
        description = description[:-2] + '.'
    parser = argparse.ArgumentParser(
        description=description, formatter_class=HelpFormatter)
    if source is not None:
        parser.add_argument('source', metavar='SOURCE', help=source)
    if out_dir:
        parser.add_argument(
            'out_dir',
            metavar='OUT_DIR',
            help="output folder (the config's data_root); must not exist "
            'unless --overwrite')
    parser.add_argument('--seed', type=int, default=0, help=f'seed of {seed}')
    if workers:
        parser.add_argument(
            '--workers',
            type=int,
            default=1,
            help='worker processes; the output does not depend on them')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace an existing output, once the new one is complete')
    return parser


def counts_option(parser: argparse.ArgumentParser,
                  default: Optional[Iterable] = None,
                  percentages: bool = False) -> None:
    """Add ``--num`` (``args.counts``) of the mixed-supervision tools: how
    many defective training images keep their mask, one annotation file
    ``train_n<N>.json`` per value.

    Args:
        default (Iterable, optional): The paper's values; None makes the
            option required.
        percentages (bool): Also accept a percentage of the defective
            images (``10%``), which the tool resolves.
    """

    def count(value):
        if value == 'all' or (percentages and value.endswith('%')):
            return value
        return int(value)

    parser.add_argument(
        '--num',
        dest='counts',
        type=count,
        nargs='+',
        metavar='N',
        required=default is None,
        default=None if default is None else list(default),
        help="pixel-labelled defective training images, one annotation "
        "file per value: integers or 'all'" +
        (", or a percentage of the defective images ('10%%')"
         if percentages else ''))


def mixed_parser(
        doc: str,
        source: str,
        counts: Iterable,
        seed: str = 'the pixel-labelled positives') -> argparse.ArgumentParser:
    """The parser of a mixed-supervision converter: the shared arguments
    and ``--num`` with the paper's ``counts``."""
    parser = converter_parser(doc, seed=seed, source=source)
    counts_option(parser, counts)
    return parser


def run_converter(parser: argparse.ArgumentParser,
                  convert: Callable[..., dict],
                  summary: Callable[[dict], Iterable[str]],
                  argv=None) -> dict:
    """Parse the command line, run ``convert`` and print its summary.

    ``convert`` is called as ``convert(SOURCE, OUT_DIR, progress=...,
    **options)`` (without the positionals the parser lacks), every other
    option by its name, ``progress(done, total)`` driving a progress bar.
    SIGTERM becomes ``SystemExit``, which unwinds through the staging
    folder and removes it; Ctrl-C ends with a one-line message; the errors
    of :data:`INPUT_ERRORS` end as ``parser.error``.  Returns the meta dict
    ``convert`` returns.
    """
    args = vars(parser.parse_args(argv))
    setup_runtime()
    out_dir = args.get('out_dir')
    positionals = [
        args.pop(key) for key in ('source', 'out_dir') if key in args
    ]
    signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))
    bar = None

    def progress(done, total):
        nonlocal bar
        if bar is None:
            bar = ProgressBar(total)
        bar.update()

    try:
        meta = convert(*positionals, progress=progress, **args)
    except INPUT_ERRORS as err:
        parser.error(str(err))
    except KeyboardInterrupt:
        sys.exit('\ninterrupted: no partial output was left')
    if bar is not None:
        print()
    for line in summary(meta):
        print(line)
    if out_dir is not None:
        print(f'written to {out_dir}')
    return meta


def mixed_summary(meta: dict) -> Iterable[str]:
    """Summary of a mixed-supervision converter (a
    ``MixedSplitWriter`` meta dict, or one per class or fold): images and
    defective images per split, the annotation files written."""
    parts = meta.get('classes') or meta.get('folds') or {'': meta}
    for name, part in parts.items():
        splits = ', '.join(
            f'{split} {counts["images"]} images ({counts["defective"]} '
            'defective)' for split, counts in part.items()
            if isinstance(counts, dict) and 'images' in counts)
        files = ', '.join(f'{stem}.json ({num} masks)'
                          for stem, num in part['files'].items())
        yield f'{name + ": " if name else ""}{splits}; {files}'
