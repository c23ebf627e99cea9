"""Convert the Magnetic-tile defect data set into LSA-Net's 256x256 split
(Table 4)::

    python tools/dataset_converters/magnetic_tile.py \
        /data/Magnetic-tile-defect-datasets data/magnetic_tile \
        [--classes Blowhole Break Crack Fray Uneven] [--size 256] \
        [--threshold 128] [--seed 0]

The conversion (binarisation, stratified split, output layout) is
:func:`mmdefect.datasets.converters.magnetic_tile.convert_magnetic_tile`.
"""
from _cli import converter_parser, run_converter

from mmdefect.datasets.converters.magnetic_tile import (DEFECT_CLASSES,
                                                        MT_CLASSES,
                                                        convert_magnetic_tile)


def summary(meta):
    for split, counts in meta['splits'].items():
        per_class = ', '.join(f'{c} {counts[c]}'
                              for c in meta['args']['classes'])
        yield f'{split}: {counts["images"]} images ({per_class})'


def main(argv=None):
    parser = converter_parser(
        __doc__,
        source='folder holding MT_<Class>/Imgs/*.jpg + *.png',
        seed='the per-class split')
    parser.add_argument(
        '--classes',
        nargs='+',
        choices=MT_CLASSES,
        default=list(DEFECT_CLASSES),
        help='classes converted (the paper does not use Free)')
    parser.add_argument(
        '--size', type=int, default=256, help='side the images are resized to')
    parser.add_argument(
        '--threshold',
        type=int,
        default=128,
        help='mask values >= threshold are defect (the masks have '
        'anti-aliased edges)')
    run_converter(parser, convert_magnetic_tile, summary, argv)


if __name__ == '__main__':
    main()
