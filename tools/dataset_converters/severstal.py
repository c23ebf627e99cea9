"""Convert Severstal steel defects for mixed supervision (MFFPA Table 3)::

    python tools/dataset_converters/severstal.py /data/severstal \
        data/severstal [--num 0 10 50 150 300 all] [--num-test 2400] \
        [--num-val 1118] [--train-positives 750] [--train-negatives 4143] \
        [--seed 0] [--overwrite]

The conversion is
:func:`mmdefect.datasets.converters.severstal.convert_severstal`.
"""
from _cli import mixed_parser, mixed_summary, run_converter

from mmdefect.datasets.converters.severstal import COUNTS, convert_severstal

# The reference's subset sizes (module docstring of the converter).
SIZES = (
    ('--num-test', 2400, 'test images'),
    ('--num-val', 1118, 'validation images'),
    ('--train-positives', 750, 'defective training images'),
    ('--train-negatives', 4143, 'defect-free training images'),
)


def main(argv=None):
    parser = mixed_parser(
        __doc__,
        'folder holding train_images/ and train.csv',
        COUNTS,
        seed='the subsets and the pixel-labelled positives')
    for flag, default, what in SIZES:
        parser.add_argument(flag, type=int, default=default, help=what)
    run_converter(parser, convert_severstal, mixed_summary, argv)


if __name__ == '__main__':
    main()
