"""Generate SynLCD, the synthetic LCD-defect data set of CADNet (Sec. 4.1).

Defaults reproduce the paper: 512x512, 600 samples per pattern, 4,200 train
and 1,800 test samples.  A quick set for smoke runs::

    python tools/dataset_converters/synlcd.py data/synlcd_mini \
        --size 256 --per-pattern 40 --workers 2

See docs/synlcd.md for the parameters and the on-disk layout.
"""
from _cli import converter_parser, run_converter

from mmdefect.datasets.synlcd_generator import (DEFAULT_TEST_PATTERNS,
                                                PATTERN_NAMES, generate_synlcd)


def summary(meta):
    for split, info in meta['splits'].items():
        yield (f'{split}: {info["counts"]["total"]} samples '
               f'{info["counts"]} from {", ".join(info["patterns"])}')


def main(argv=None):
    parser = converter_parser(__doc__, seed='the generator', workers=True)
    parser.add_argument(
        '--size', type=int, default=512, help='image side in pixels (>= 64)')
    parser.add_argument(
        '--per-pattern',
        type=int,
        default=600,
        help='samples per pattern: half defect-free, half split evenly over '
        'line/abpt/mixed')
    parser.add_argument(
        '--test-patterns',
        nargs='+',
        default=list(DEFAULT_TEST_PATTERNS),
        metavar='PATTERN',
        help='patterns held out for testing, by name or id; choices: '
        f'{", ".join(PATTERN_NAMES)}')
    run_converter(parser, generate_synlcd, summary, argv)


if __name__ == '__main__':
    main()
