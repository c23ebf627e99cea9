"""Convert PKU-Market-PCB into CADNet's 1000x1000 paired crops (Sec. 4.1)::

    python tools/dataset_converters/pku_pcb.py /data/PCB_DATASET data/pku_pcb \
        [--crop 1000] [--seed 0] [--train-ratio 0.7] [--diff-threshold 30]

The conversion (mask derivation, crops, split, output layout) is
:func:`mmdefect.datasets.converters.pku_pcb.convert_pcb`.
"""
import argparse

from mmdefect.datasets.converters.pku_pcb import convert_pcb
from mmdefect.utils import run_staged_tool


def parse_args():
    parser = argparse.ArgumentParser(
        description='Crop PKU-Market-PCB into paired 1000x1000 sample/'
        'template/mask triples with masks derived inside the boxes')
    parser.add_argument(
        'pcb_root',
        help='PCB_DATASET folder holding images/, '
        'Annotations/ and PCB_USED/')
    parser.add_argument(
        'out_dir',
        help='output folder (the config\'s '
        'data_root, e.g. data/pku_pcb); must not exist unless '
        '--overwrite')
    parser.add_argument(
        '--crop', type=int, default=1000, help='side of the square crops')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seed of the split by source image')
    parser.add_argument('--train-ratio', type=float, default=0.7)
    parser.add_argument(
        '--diff-threshold',
        type=int,
        default=30,
        help='grey-level difference that marks a defect '
        'pixel inside a box')
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing out_dir')
    return parser, parser.parse_args()


def main():
    parser, args = parse_args()
    meta = run_staged_tool(
        parser, args.out_dir, lambda progress: convert_pcb(
            args.pcb_root,
            args.out_dir,
            crop=args.crop,
            seed=args.seed,
            train_ratio=args.train_ratio,
            diff_threshold=args.diff_threshold,
            overwrite=args.overwrite,
            progress=progress))
    for split, counts in meta['splits'].items():
        print(f'{split}: {counts["crops"]} crops from {counts["images"]} '
              'images')
    print(f'{meta["boxes_labelled_as_full_box"]} of {meta["boxes"]} boxes '
          'showed no difference and were labelled as full boxes')
    print(f'written to {args.out_dir}')


if __name__ == '__main__':
    main()
