"""Generate SynLCD, the synthetic LCD-defect data set of CADNet (Sec. 4.1).

Defaults reproduce the paper: 512x512, 600 samples per pattern, 4,200 train
and 1,800 test samples.  A quick set for smoke runs::

    python tools/dataset_converters/synlcd.py data/synlcd_mini \
        --size 256 --per-pattern 40 --workers 2

``--test-share 0.3`` tests new images of the training patterns instead of
unseen patterns.

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
    holdout = parser.add_mutually_exclusive_group()
    holdout.add_argument(
        '--test-patterns',
        nargs='+',
        metavar='PATTERN',
        help='patterns held out for testing, by name or id (default: '
        f'{" ".join(DEFAULT_TEST_PATTERNS)}); choices: '
        f'{", ".join(PATTERN_NAMES)}')
    holdout.add_argument(
        '--test-share',
        type=float,
        metavar='SHARE',
        help='hold out images instead of patterns: this share of every '
        "pattern's samples of each type (the last ones) is tested, the "
        'rest trained on, so both splits show every pattern')
    run_converter(parser, generate_synlcd, summary, argv)


if __name__ == '__main__':
    main()
