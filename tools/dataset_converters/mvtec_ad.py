"""Convert MVTec-AD into CADNet's fully supervised re-split (Sec. 4.1)::

    python tools/dataset_converters/mvtec_ad.py /data/mvtec_anomaly_detection \
        data/mvtec_ad [--seed 0] [--train-ratio 0.7] [--categories bottle ...]

``--include-train-good`` splits the ``train/good`` images too, as the
paper's 5,354 images do.  The conversion (masks, templates, split, output
layout) is :func:`mmdefect.datasets.converters.mvtec_ad.convert_mvtec`.
"""
import argparse

from mmdefect.datasets.converters.mvtec_ad import CATEGORIES, convert_mvtec
from mmdefect.utils import run_staged_tool


def parse_args():
    parser = argparse.ArgumentParser(
        description='Convert MVTec-AD into the paired list layout of '
        'CADNet\'s 70/30 fully supervised re-split')
    parser.add_argument(
        'mvtec_root',
        help='folder holding <category>/train, '
        '<category>/test and <category>/ground_truth')
    parser.add_argument(
        'out_dir',
        help='output folder (the config\'s '
        'data_root, e.g. data/mvtec_ad)')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seed of the split and the template draw')
    parser.add_argument('--train-ratio', type=float, default=0.7)
    parser.add_argument(
        '--categories',
        nargs='+',
        choices=CATEGORIES,
        metavar='CATEGORY',
        help='convert only these categories (default: all '
        '15); labels keep their index among all 15')
    parser.add_argument(
        '--include-train-good',
        action='store_true',
        help='split train/good images too, as the paper\'s '
        '5,354 images do')
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing out_dir')
    return parser, parser.parse_args()


def main():
    parser, args = parse_args()
    meta = run_staged_tool(
        parser, args.out_dir, lambda progress: convert_mvtec(
            args.mvtec_root,
            args.out_dir,
            categories=args.categories,
            seed=args.seed,
            train_ratio=args.train_ratio,
            include_train_good=args.include_train_good,
            overwrite=args.overwrite,
            progress=progress))
    for name, counts in meta['splits'].items():
        print(f'{name}: {counts["total"]} samples ({counts["defective"]} '
              'defective)')
    print(f'written to {args.out_dir}')


if __name__ == '__main__':
    main()
