"""Cut KolektorSDD into LSA-Net's 512x512 defect windows (Table 4)::

    python tools/dataset_converters/ksdd.py /data/KolektorSDD data/ksdd \
        [--window 500] [--offsets 0 250 500 -500] [--size 512] [--keep-empty] \
        [--exclude kos21/Part7] [--seed 0] [--train-ratio 0.75]

The conversion (windows, split by source image, output layout) is
:func:`mmdefect.datasets.converters.ksdd.convert_ksdd`.
"""
from _cli import converter_parser, run_converter

from mmdefect.datasets.converters.ksdd import OFFSETS, convert_ksdd


def summary(meta):
    yield (f'{meta["defective_images"]} of {meta["images"]} images are '
           'defective')
    for split, counts in meta['splits'].items():
        yield (f'{split}: {counts["windows"]} windows from '
               f'{counts["images"]} images')


def main(argv=None):
    parser = converter_parser(
        __doc__,
        source='folder holding kosNN/PartK.jpg + PartK_label.bmp',
        seed='the split by source image')
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
        help='side the windows are resized to')
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
        '--train-ratio',
        type=float,
        default=0.75,
        help='fraction of the defective source images for training')
    run_converter(parser, convert_ksdd, summary, argv)


if __name__ == '__main__':
    main()
