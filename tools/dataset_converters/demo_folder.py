"""Generate the demo folder of the own-data tutorial::

    python tools/dataset_converters/demo_folder.py demo

A few dozen grey images of one part with a label file (good/defective),
masks for some defective images, a golden template and unlabelled new
images (:mod:`mmdefect.datasets.demo_folder`); the input of
``docs/tutorials/own_data.md``.
"""
from _cli import converter_parser, run_converter

from mmdefect.datasets.demo_folder import write_demo_folder


def summary(meta):
    yield (f'{meta["good"]} good and {meta["defective"]} defective images '
           f'({meta["masked"]} with a mask) of {meta["size"]}x{meta["size"]}'
           f', labels.csv, template.png, {meta["new"]} new images')


def main(argv=None):
    parser = converter_parser(__doc__, seed='the images')
    parser.add_argument(
        '--good', type=int, default=24, help='defect-free images')
    parser.add_argument(
        '--defective', type=int, default=24, help='defective images')
    parser.add_argument(
        '--masked',
        type=int,
        default=12,
        help='defective images with a mask (the others are labelled only)')
    parser.add_argument(
        '--new', type=int, default=6, help='unlabelled images in new/')
    parser.add_argument(
        '--size', type=int, default=128, help='image side in pixels')
    run_converter(parser, write_demo_folder, summary, argv)


if __name__ == '__main__':
    main()
