"""Generate SynLCD, the synthetic LCD-defect data set of CADNet (Sec. 4.1).

Defaults reproduce the paper: 512x512, 600 samples per pattern, 4,200 train
and 1,800 test samples. A quick set for smoke runs:

    python tools/dataset_converters/synlcd.py data/synlcd_mini \
        --size 256 --per-pattern 40 --workers 2

See docs/synlcd.md for the parameters and the on-disk layout.
"""
import argparse

from mmdefect.datasets.synlcd_generator import (DEFAULT_TEST_PATTERNS,
                                                PATTERN_NAMES, generate_synlcd)
from mmdefect.utils import run_staged_tool


def parse_args():
    parser = argparse.ArgumentParser(
        description='Generate the SynLCD synthetic LCD-defect data set')
    parser.add_argument(
        'out_dir',
        help='output directory (must not exist '
        'unless --overwrite)')
    parser.add_argument(
        '--size', type=int, default=512, help='image side in pixels (>= 64)')
    parser.add_argument(
        '--per-pattern',
        type=int,
        default=600,
        help='samples per pattern: half defect-free, half '
        'split evenly over line/abpt/mixed')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--workers',
        type=int,
        default=1,
        help='worker processes (the output does not depend '
        'on it)')
    parser.add_argument(
        '--test-patterns',
        nargs='+',
        default=list(DEFAULT_TEST_PATTERNS),
        metavar='PATTERN',
        help='patterns held out for testing, by name or id; '
        f'choices: {", ".join(PATTERN_NAMES)}')
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing out_dir')
    return parser, parser.parse_args()


def main():
    parser, args = parse_args()
    meta = run_staged_tool(
        parser,
        args.out_dir,
        lambda progress: generate_synlcd(
            args.out_dir,
            size=args.size,
            per_pattern=args.per_pattern,
            seed=args.seed,
            workers=args.workers,
            test_patterns=args.test_patterns,
            overwrite=args.overwrite,
            progress=progress),
        errors=(ValueError, FileExistsError))
    for split, info in meta['splits'].items():
        print(f'{split}: {info["counts"]["total"]} samples '
              f'{info["counts"]} from {", ".join(info["patterns"])}')
    print(f'written to {args.out_dir}')


if __name__ == '__main__':
    main()
