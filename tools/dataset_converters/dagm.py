"""Convert DAGM 2007 for mixed supervision, one dataset per class (MFFPA
Table 2)::

    python tools/dataset_converters/dagm.py /data/DAGM data/dagm \
        [--classes 1 2 ...] [--num 0 5 15 45 all] [--seed 0] [--overwrite]

The conversion is :func:`mmdefect.datasets.converters.dagm.convert_dagm`.
"""
from mmdefect.datasets.converters.dagm import COUNTS, convert_dagm
from mmdefect.datasets.converters.mixed_supervision import run_mixed_converter

if __name__ == '__main__':
    run_mixed_converter(
        __doc__,
        'folder holding Class1 ... Class10',
        convert_dagm,
        COUNTS,
        options=[('--classes',
                  dict(
                      type=int,
                      nargs='+',
                      help='class numbers to convert (default: every ClassK '
                      'folder)'))])
