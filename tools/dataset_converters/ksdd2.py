"""Convert KolektorSDD2 for mixed supervision (MFFPA Table 4)::

    python tools/dataset_converters/ksdd2.py /data/KolektorSDD2 data/ksdd2 \
        [--num 0 16 53 126 all] [--seed 0] [--overwrite]

The conversion is :func:`mmdefect.datasets.converters.ksdd2.convert_ksdd2`.
"""
import argparse
import json

from mmdefect.datasets.converters.ksdd2 import COUNTS, convert_ksdd2
from mmdefect.utils import run_staged_tool


def count(value):
    return value if value == 'all' else int(value)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('::')[0])
    parser.add_argument(
        'source',
        help='folder holding train/ and test/ (<id>.png + <id>_GT.png)')
    parser.add_argument(
        'out_dir',
        help='output folder (the config\'s data_root); must not exist unless '
        '--overwrite')
    parser.add_argument(
        '--num',
        type=count,
        nargs='+',
        default=list(COUNTS),
        help="pixel-labelled defective training images of each annotation "
        "file (integers or 'all')")
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of the choices')

    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing out_dir')
    return parser, parser.parse_args()


def main():
    parser, args = parse_args()
    meta = run_staged_tool(
        parser, args.out_dir, lambda progress: convert_ksdd2(
            args.source,
            args.out_dir,
            counts=args.num,
            seed=args.seed,
            overwrite=args.overwrite,
            progress=progress))
    print(json.dumps(meta, indent=1)[:2000])
    print(f'written to {args.out_dir}')


if __name__ == '__main__':
    main()
