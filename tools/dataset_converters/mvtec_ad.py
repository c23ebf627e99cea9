"""Convert MVTec-AD into CADNet's fully supervised 70/30 re-split (Sec.
4.1)::

    python tools/dataset_converters/mvtec_ad.py /data/mvtec_anomaly_detection \
        data/mvtec_ad [--seed 0] [--train-ratio 0.7] [--categories bottle ...]

``--include-train-good`` splits the ``train/good`` images too, as the
paper's 5,354 images do.  The conversion (masks, templates, split, output
layout) is :func:`mmdefect.datasets.converters.mvtec_ad.convert_mvtec`.
"""
from _cli import converter_parser, run_converter

from mmdefect.datasets.converters.mvtec_ad import CATEGORIES, convert_mvtec


def summary(meta):
    for name, counts in meta['splits'].items():
        yield (f'{name}: {counts["total"]} samples ({counts["defective"]} '
               'defective)')


def main(argv=None):
    parser = converter_parser(
        __doc__,
        source='folder holding <category>/train, <category>/test and '
        '<category>/ground_truth',
        seed='the split and the template draw')
    parser.add_argument(
        '--train-ratio',
        type=float,
        default=0.7,
        help='fraction of the images for training')
    parser.add_argument(
        '--categories',
        nargs='+',
        choices=CATEGORIES,
        metavar='CATEGORY',
        help='convert only these categories (default: all 15); labels keep '
        'their index among all 15')
    parser.add_argument(
        '--include-train-good',
        action='store_true',
        help="split train/good images too, as the paper's 5,354 images do")
    run_converter(parser, convert_mvtec, summary, argv)


if __name__ == '__main__':
    main()
