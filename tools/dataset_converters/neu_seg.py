"""Convert NEU-Seg into LSA-Net's inclusion + scratch set (Table 4; spec
D2)::

    python tools/dataset_converters/neu_seg.py /data/SD-saliency-900 \
        data/neu_seg [--classes In Sc] [--size 256] [--seed 0]
    python tools/dataset_converters/neu_seg.py /data/NEU_Seg data/neu_seg \
        [--layout neu_seg] [--label-values 1 3]

The layout (SD-saliency-900 or the 4-class NEU_Seg) is detected from the
folders unless ``--layout`` names it.  The conversion (class selection,
split, output layout) is
:func:`mmdefect.datasets.converters.neu_seg.convert_neu_seg`.
"""
import argparse

from mmdefect.datasets.converters.neu_seg import (DEFECT_TYPES, LAYOUTS,
                                                  convert_neu_seg)
from mmdefect.utils import run_staged_tool


def parse_args():
    parser = argparse.ArgumentParser(
        description='Convert NEU-Seg (SD-saliency-900 or NEU_Seg) into '
        'two-class 256x256 images and 0/1 masks')
    parser.add_argument(
        'neu_root',
        help='folder holding "Source Images/" and "Ground truth/" '
        '(SD-saliency-900) or images/ and annotations/ (NEU_Seg)')
    parser.add_argument(
        'out_dir',
        help='output folder (the config\'s data_root, e.g. data/neu_seg); '
        'must not exist unless --overwrite')
    parser.add_argument(
        '--layout',
        choices=('auto', ) + LAYOUTS,
        default='auto',
        help='input layout (default: detected from the folders)')
    parser.add_argument(
        '--classes',
        nargs='+',
        choices=list(DEFECT_TYPES),
        default=['In', 'Sc'],
        help='defect types kept: In inclusion, Pa patches, Sc scratches')
    parser.add_argument(
        '--label-values',
        type=int,
        nargs='+',
        help='NEU_Seg only: the mask values marking a defect (default: '
        'those of --classes, In 1, Pa 2, Sc 3)')
    parser.add_argument(
        '--size',
        type=int,
        default=256,
        help='side the images are resized '
        'to')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='SD-saliency-900 only: seed of the per-class split')
    parser.add_argument(
        '--train-ratio',
        type=float,
        default=0.8,
        help='SD-saliency-900 only: per-class fraction for training')
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing out_dir')
    return parser, parser.parse_args()


def main():
    parser, args = parse_args()
    meta = run_staged_tool(
        parser, args.out_dir, lambda progress: convert_neu_seg(
            args.neu_root,
            args.out_dir,
            layout=args.layout,
            classes=args.classes,
            label_values=args.label_values,
            size=args.size,
            seed=args.seed,
            train_ratio=args.train_ratio,
            overwrite=args.overwrite,
            progress=progress))
    print(f'layout: {meta["layout"]}')
    for split, counts in meta['splits'].items():
        print(f'{split}: {counts["images"]} images')
    if 'images_dropped_without_chosen_class' in meta:
        print(f'{meta["images_dropped_without_chosen_class"]} images hold no '
              'chosen class and were left out')
    print(f'written to {args.out_dir}')


if __name__ == '__main__':
    main()
