"""Generate SynOCD, misaligned template/sample pairs of optical-communication
devices (BANet / BGNet OCDs-like data).

Defaults reproduce the OCDs counts and split (918 pairs, 551 / 183 / 184) at
256 x 256 with the default misalignment preset.  A small set:

    python tools/dataset_converters/synocd.py data/synocd_mini \
        --fraction 0.1 --workers 2

See docs/synocd.md for the parameters and the on-disk layout.
"""
import argparse

from mmdefect.datasets.synocd_generator import (KINDS, PRESETS,
                                                generate_synocd, ocd_counts)
from mmdefect.utils import run_staged_tool


def parse_args():
    parser = argparse.ArgumentParser(
        description='Generate SynOCD, misaligned OCD-like defect pairs')
    parser.add_argument(
        'out_dir',
        help='output directory (must not exist '
        'unless --overwrite)')
    parser.add_argument(
        '--size',
        type=int,
        default=256,
        help='image side in pixels (256 or 512; >= 64)')
    parser.add_argument(
        '--preset',
        choices=sorted(PRESETS),
        default='default',
        help='global misalignment and photometric change')
    parser.add_argument(
        '--scale',
        type=float,
        default=0.0,
        help='relative scale change of the sample, e.g. '
        '0.02 for +-2 %% (default: none)')
    parser.add_argument(
        '--fraction',
        type=float,
        default=1.0,
        help='fraction of the OCDs counts per kind (at '
        'least 5 each)')
    parser.add_argument(
        '--pairs-per-kind',
        type=int,
        nargs=len(KINDS),
        metavar='N',
        help='pairs of each kind, in the order '
        f'{" ".join(KINDS)} (overrides --fraction)')
    parser.add_argument(
        '--clean-fraction',
        type=float,
        default=0.0,
        help='add this fraction of defect-free pairs (false-'
        'positive checks; OCDs has none)')
    parser.add_argument(
        '--types', type=int, default=8, help='product types (layouts)')
    parser.add_argument(
        '--batches',
        type=int,
        default=4,
        help='production batches per type (>= 3)')
    parser.add_argument(
        '--no-sweep',
        action='store_true',
        help='skip the misalignment sweep of the test pairs')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--workers',
        type=int,
        default=1,
        help='worker processes (the output does not depend '
        'on it)')
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing out_dir')
    return parser, parser.parse_args()


def main():
    parser, args = parse_args()
    meta = run_staged_tool(
        parser,
        args.out_dir,
        lambda progress: generate_synocd(
            args.out_dir,
            size=args.size,
            counts=ocd_counts(args.fraction, args.pairs_per_kind, args.
                              clean_fraction),
            types=args.types,
            batches=args.batches,
            preset=args.preset,
            scale=args.scale,
            seed=args.seed,
            workers=args.workers,
            sweep=not args.no_sweep,
            overwrite=args.overwrite,
            progress=progress),
        errors=(ValueError, FileExistsError))
    for split, kinds in meta['splits'].items():
        print(f'{split}: {sum(kinds.values())} pairs {kinds}')
    print(f'written to {args.out_dir}')


if __name__ == '__main__':
    main()
