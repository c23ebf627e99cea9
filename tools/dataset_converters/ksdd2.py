"""Convert KolektorSDD2 for mixed supervision (MFFPA Table 4)::

    python tools/dataset_converters/ksdd2.py /data/KolektorSDD2 data/ksdd2 \
        [--num 0 16 53 126 all] [--seed 0] [--overwrite]

The conversion is :func:`mmdefect.datasets.converters.ksdd2.convert_ksdd2`.
"""
from _cli import mixed_parser, mixed_summary, run_converter

from mmdefect.datasets.converters.ksdd2 import COUNTS, convert_ksdd2


def main(argv=None):
    parser = mixed_parser(
        __doc__, 'folder holding train/ and test/ (<id>.png + <id>_GT.png)',
        COUNTS)
    run_converter(parser, convert_ksdd2, mixed_summary, argv)


if __name__ == '__main__':
    main()
