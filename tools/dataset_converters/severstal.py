"""Convert Severstal steel defects for mixed supervision (MFFPA Table 3)::

    python tools/dataset_converters/severstal.py /data/severstal \
        data/severstal [--num 0 10 50 150 300 all] [--num-test 2400] \
        [--num-val 1118] [--train-positives 750] [--train-negatives 4143] \
        [--seed 0] [--overwrite]

The conversion is
:func:`mmdefect.datasets.converters.severstal.convert_severstal`.
"""
import argparse
import json

from mmdefect.datasets.converters.severstal import COUNTS, convert_severstal
from mmdefect.utils import run_staged_tool


def count(value):
    return value if value == 'all' else int(value)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('::')[0])
    parser.add_argument(
        'source', help='folder holding train_images/ and train.csv')
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
    for flag, default in (('--num-test', 2400), ('--num-val', 1118),
                          ('--train-positives', 750), ('--train-negatives',
                                                       4143)):
        parser.add_argument(flag, type=int, default=default)
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing out_dir')
    return parser, parser.parse_args()


def main():
    parser, args = parse_args()
    meta = run_staged_tool(
        parser, args.out_dir, lambda progress: convert_severstal(
            args.source,
            args.out_dir,
            counts=args.num,
            seed=args.seed,
            num_test=args.num_test,
            num_val=args.num_val,
            train_positives=args.train_positives,
            train_negatives=args.train_negatives,
            overwrite=args.overwrite,
            progress=progress))
    print(json.dumps(meta, indent=1)[:2000])
    print(f'written to {args.out_dir}')


if __name__ == '__main__':
    main()
