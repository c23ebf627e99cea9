"""Convert PKU-Market-PCB into CADNet's 1000x1000 paired crops (Sec. 4.1)::

    python tools/dataset_converters/pku_pcb.py /data/PCB_DATASET data/pku_pcb \
        [--crop 1000] [--seed 0] [--train-ratio 0.7] [--diff-threshold 30]

The conversion (mask derivation, crops, split, output layout) is
:func:`mmdefect.datasets.converters.pku_pcb.convert_pcb`.
"""
from _cli import converter_parser, run_converter

from mmdefect.datasets.converters.pku_pcb import convert_pcb


def summary(meta):
    for split, counts in meta['splits'].items():
        yield (f'{split}: {counts["crops"]} crops from {counts["images"]} '
               'images')
    yield (f'{meta["boxes_labelled_as_full_box"]} of {meta["boxes"]} boxes '
           'showed no difference and were labelled as full boxes')


def main(argv=None):
    parser = converter_parser(
        __doc__,
        source='PCB_DATASET folder holding images/, Annotations/ and '
        'PCB_USED/',
        seed='the split by source image')
    parser.add_argument(
        '--crop', type=int, default=1000, help='side of the square crops')
    parser.add_argument(
        '--train-ratio',
        type=float,
        default=0.7,
        help='fraction of the source images for training')
    parser.add_argument(
        '--diff-threshold',
        type=int,
        default=30,
        help='grey-level difference that marks a defect pixel inside a box')
    run_converter(parser, convert_pcb, summary, argv)


if __name__ == '__main__':
    main()
