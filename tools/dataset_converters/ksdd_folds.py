"""Convert KolektorSDD into SegDecNet's 3 commutator folds for mixed
supervision (MFFPA Table 1)::

    python tools/dataset_converters/ksdd_folds.py /data/KolektorSDD \
        data/ksdd_folds [--num 0 5 10 15 20 all] [--seed 0] [--overwrite]

The conversion is
:func:`mmdefect.datasets.converters.ksdd_folds.convert_ksdd_folds`.
"""
from mmdefect.datasets.converters.ksdd_folds import COUNTS, convert_ksdd_folds
from mmdefect.datasets.converters.mixed_supervision import run_mixed_converter

if __name__ == '__main__':
    run_mixed_converter(__doc__,
                        'folder holding kosNN/PartK.jpg + PartK_label.bmp',
                        convert_ksdd_folds, COUNTS)
