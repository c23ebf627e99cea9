"""Convert KolektorSDD into SegDecNet's 3 commutator folds for mixed
supervision (MFFPA Table 1)::

    python tools/dataset_converters/ksdd_folds.py /data/KolektorSDD \
        data/ksdd_folds [--num 0 5 10 15 20 all] [--seed 0] [--overwrite]

The conversion is
:func:`mmdefect.datasets.converters.ksdd_folds.convert_ksdd_folds`.
"""
import argparse
import json

from mmdefect.datasets.converters.ksdd_folds import COUNTS, convert_ksdd_folds
from mmdefect.utils import run_staged_tool


def count(value):
    return value if value == 'all' else int(value)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('::')[0])
    parser.add_argument(
        'source', help='folder holding kosNN/PartK.jpg + PartK_label.bmp')
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
        parser, args.out_dir, lambda progress: convert_ksdd_folds(
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
