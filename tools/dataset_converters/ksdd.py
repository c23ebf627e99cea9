"""Convert KolektorSDD into LSA-Net's 512x512 defect windows (Table 4;
spec D1)::

    python tools/dataset_converters/ksdd.py /data/KolektorSDD data/ksdd \
        [--window 500] [--offsets 0 250 500 -500] [--size 512] [--keep-empty] \
        [--exclude kos21/Part7] [--seed 0] [--train-ratio 0.75]

The conversion (windows, split by source image, output layout) is
:func:`mmdefect.datasets.converters.ksdd.convert_ksdd`.
"""
import argparse

from mmdefect.datasets.converters.ksdd import OFFSETS, convert_ksdd
from mmdefect.utils import run_staged_tool


def parse_args():
    parser = argparse.ArgumentParser(
        description='Cut the defective KolektorSDD images into 500x500 '
        'windows resized to 512x512, split 3:1 by source image')
    parser.add_argument(
        'ksdd_root', help='folder holding kosNN/PartK.jpg + PartK_label.bmp')
    parser.add_argument(
        'out_dir',
        help='output folder (the config\'s data_root, e.g. data/ksdd); must '
        'not exist unless --overwrite')
    parser.add_argument(
        '--window', type=int, default=500, help='side of the windows')
    parser.add_argument(
        '--offsets',
        type=int,
        nargs='+',
        default=list(OFFSETS),
        help='top rows of the windows; a negative one counts from the '
        'bottom edge (-500: the last full window)')
    parser.add_argument(
        '--size',
        type=int,
        default=512,
        help='side the windows are '
        'resized to')
    parser.add_argument(
        '--keep-empty',
        action='store_true',
        help='keep the windows that hold no defect pixel too')
    parser.add_argument(
        '--exclude',
        nargs='+',
        default=[],
        metavar='kosNN/PartK',
        help='images to leave out (the SegDecNet loader leaves out '
        'kos21/Part7)')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seed of the split by source image')
    parser.add_argument(
        '--train-ratio',
        type=float,
        default=0.75,
        help='fraction of the defective source images for training')
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing out_dir')
    return parser, parser.parse_args()


def main():
    parser, args = parse_args()
    meta = run_staged_tool(
        parser, args.out_dir, lambda progress: convert_ksdd(
            args.ksdd_root,
            args.out_dir,
            window=args.window,
            offsets=args.offsets,
            size=args.size,
            keep_empty=args.keep_empty,
            exclude=args.exclude,
            seed=args.seed,
            train_ratio=args.train_ratio,
            overwrite=args.overwrite,
            progress=progress))
    print(f'{meta["defective_images"]} of {meta["images"]} images are '
          'defective')
    for split, counts in meta['splits'].items():
        print(f'{split}: {counts["windows"]} windows from {counts["images"]} '
              'images')
    print(f'written to {args.out_dir}')


if __name__ == '__main__':
    main()
