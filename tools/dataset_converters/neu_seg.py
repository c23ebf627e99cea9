"""Convert NEU-Seg into LSA-Net's inclusion + scratch set (Table 4)::

    python tools/dataset_converters/neu_seg.py /data/SD-saliency-900 \
        data/neu_seg [--classes In Sc] [--size 256] [--seed 0]
    python tools/dataset_converters/neu_seg.py /data/NEU_Seg data/neu_seg \
        [--layout neu_seg] [--label-values 1 3]

The layout (SD-saliency-900 or the 4-class NEU_Seg) is detected from the
folders unless ``--layout`` names it.  The conversion (class selection,
split, output layout) is
:func:`mmdefect.datasets.converters.neu_seg.convert_neu_seg`.
"""
from _cli import converter_parser, run_converter

from mmdefect.datasets.converters.neu_seg import (DEFECT_TYPES, LAYOUTS,
                                                  convert_neu_seg)


def summary(meta):
    yield f'layout: {meta["layout"]}'
    for split, counts in meta['splits'].items():
        yield f'{split}: {counts["images"]} images'
    if 'images_dropped_without_chosen_class' in meta:
        yield (f'{meta["images_dropped_without_chosen_class"]} images hold '
               'no chosen class and were left out')


def main(argv=None):
    parser = converter_parser(
        __doc__,
        source='folder holding "Source Images/" and "Ground truth/" '
        '(SD-saliency-900) or images/ and annotations/ (NEU_Seg)',
        seed='the per-class split (SD-saliency-900 only)')
    parser.add_argument(
        '--layout',
        choices=('auto', ) + LAYOUTS,
        default='auto',
        help='input layout (auto: detected from the folders)')
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
        '--size', type=int, default=256, help='side the images are resized to')
    parser.add_argument(
        '--train-ratio',
        type=float,
        default=0.8,
        help='SD-saliency-900 only: per-class fraction for training')
    run_converter(parser, convert_neu_seg, summary, argv)


if __name__ == '__main__':
    main()
