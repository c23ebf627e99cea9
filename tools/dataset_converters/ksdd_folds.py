"""Convert KolektorSDD into SegDecNet's 3 commutator folds for mixed
supervision (MFFPA Table 1)::

    python tools/dataset_converters/ksdd_folds.py /data/KolektorSDD \
        data/ksdd_folds [--num 0 5 10 15 20 all] [--seed 0] [--overwrite]

The conversion is
:func:`mmdefect.datasets.converters.ksdd_folds.convert_ksdd_folds`.
"""
from _cli import mixed_parser, mixed_summary, run_converter

from mmdefect.datasets.converters.ksdd_folds import COUNTS, convert_ksdd_folds


def main(argv=None):
    parser = mixed_parser(__doc__,
                          'folder holding kosNN/PartK.jpg + PartK_label.bmp',
                          COUNTS)
    run_converter(parser, convert_ksdd_folds, mixed_summary, argv)


if __name__ == '__main__':
    main()
