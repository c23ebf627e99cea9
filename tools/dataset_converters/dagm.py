"""Convert DAGM 2007 for mixed supervision, one dataset per class (MFFPA
Table 2)::

    python tools/dataset_converters/dagm.py /data/DAGM data/dagm \
        [--classes 1 2 ...] [--num 0 5 15 45 all] [--seed 0] [--overwrite]

The conversion is :func:`mmdefect.datasets.converters.dagm.convert_dagm`.
"""
from _cli import mixed_parser, mixed_summary, run_converter

from mmdefect.datasets.converters.dagm import COUNTS, convert_dagm


def main(argv=None):
    parser = mixed_parser(__doc__, 'folder holding Class1 ... Class10', COUNTS)
    parser.add_argument(
        '--classes',
        type=int,
        nargs='+',
        help='class numbers to convert (default: every ClassK folder)')
    run_converter(parser, convert_dagm, mixed_summary, argv)


if __name__ == '__main__':
    main()
