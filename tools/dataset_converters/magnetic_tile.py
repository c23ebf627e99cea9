"""Convert the Magnetic-tile defect data set into LSA-Net's 256x256 split
(Table 4; spec D3)::

    python tools/dataset_converters/magnetic_tile.py \
        /data/Magnetic-tile-defect-datasets data/magnetic_tile \
        [--classes Blowhole Break Crack Fray Uneven] [--size 256] \
        [--threshold 128] [--seed 0]

The conversion (binarisation, stratified split, output layout) is
:func:`mmdefect.datasets.converters.magnetic_tile.convert_magnetic_tile`.
"""
import argparse

from mmdefect.datasets.converters.magnetic_tile import (DEFECT_CLASSES,
                                                        MT_CLASSES,
                                                        convert_magnetic_tile)
from mmdefect.utils import run_staged_tool


def parse_args():
    parser = argparse.ArgumentParser(
        description='Convert the Magnetic-tile defect images into 256x256 '
        'images and 0/1 masks, split 341/51 stratified by class')
    parser.add_argument(
        'mt_root', help='folder holding MT_<Class>/Imgs/*.jpg + *.png')
    parser.add_argument(
        'out_dir',
        help='output folder (the config\'s data_root, e.g. '
        'data/magnetic_tile); must not exist unless --overwrite')
    parser.add_argument(
        '--classes',
        nargs='+',
        choices=MT_CLASSES,
        default=list(DEFECT_CLASSES),
        help='classes converted (default: the 5 defect classes; the paper '
        'does not use Free)')
    parser.add_argument(
        '--size',
        type=int,
        default=256,
        help='side the images are resized '
        'to')
    parser.add_argument(
        '--threshold',
        type=int,
        default=128,
        help='mask values >= threshold are defect (the masks have '
        'anti-aliased edges)')
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of the per-class split')
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing out_dir')
    return parser, parser.parse_args()


def main():
    parser, args = parse_args()
    meta = run_staged_tool(
        parser, args.out_dir, lambda progress: convert_magnetic_tile(
            args.mt_root,
            args.out_dir,
            classes=args.classes,
            size=args.size,
            threshold=args.threshold,
            seed=args.seed,
            overwrite=args.overwrite,
            progress=progress))
    for split, counts in meta['splits'].items():
        per_class = ', '.join(f'{c} {counts[c]}'
                              for c in meta['args']['classes'])
        print(f'{split}: {counts["images"]} images ({per_class})')
    print(f'written to {args.out_dir}')


if __name__ == '__main__':
    main()
