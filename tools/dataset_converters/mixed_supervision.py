"""Write mixed-supervision annotation files for a converted dataset::

    python tools/dataset_converters/mixed_supervision.py data/synlcd_quick \
        splits/train.txt --num 0 14 all [--seed 0] [--columns ...] \
        [--mask-value-map 2:1] [--overwrite]

Every image of the list file gets its image label from its mask (defective
= any defect pixel); ``<root>/splits/<list stem>_n<N>.json`` keeps the masks
of N seeded defective images and of every defect-free one
(:mod:`mmdefect.datasets.converters.mixed_supervision`).  The SynLCD
configs of MFFPA use it to emulate image-level labels with N pixel masks.
"""
import argparse
import os.path as osp

from mmdefect.datasets.converters.mixed_supervision import (labelled_samples,
                                                            write_mixed_splits)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Image labels + N pixel-labelled positives from a list '
        'file of a converted dataset')
    parser.add_argument('data_root', help='the dataset folder')
    parser.add_argument(
        'list_file', help='list file, relative to data_root (splits/...)')
    parser.add_argument(
        '--num',
        nargs='+',
        required=True,
        help="pixel-labelled positives to keep; 'all' or an integer; a "
        "value ending in '%%' is a percentage of the positives")
    parser.add_argument(
        '--columns',
        nargs='+',
        default=['img_path', 'template_path', 'seg_map_path'],
        help='fields of the list columns (DefectDataset columns)')
    parser.add_argument(
        '--mask-value-map',
        nargs='*',
        default=[],
        metavar='RAW:CLASS',
        help='raw mask values to map before deciding defective (255:1)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--overwrite', action='store_true')
    return parser.parse_args()


def parse_count(value, num_pos):
    if value == 'all':
        return 'all'
    if value.endswith('%'):
        return int(round(float(value[:-1]) / 100 * num_pos))
    return int(value)


def main():
    args = parse_args()
    root = osp.abspath(args.data_root)
    value_map = dict(
        tuple(int(v) for v in item.split(':')) for item in args.mask_value_map)
    try:
        samples = labelled_samples(root, args.list_file, args.columns,
                                   value_map)
    except (ValueError, FileNotFoundError) as error:
        raise SystemExit(str(error))
    num_pos = sum(s['gt_label'] for s in samples)
    split = osp.splitext(osp.basename(args.list_file))[0]
    folder = osp.join(root, 'splits')
    counts = [parse_count(v, num_pos) for v in args.num]
    for count in counts:
        path = osp.join(folder, f'{split}_n{count}.json')
        if osp.exists(path) and not args.overwrite:
            raise SystemExit(f'{path} exists; pass --overwrite to replace it')
    try:
        written = write_mixed_splits(folder, split, samples, counts, args.seed)
    except ValueError as error:
        raise SystemExit(str(error))
    print(f'{len(samples)} images, {num_pos} defective; wrote ' +
          ', '.join(f'splits/{stem}.json ({n} masks)'
                    for stem, n in written.items()))


if __name__ == '__main__':
    main()
