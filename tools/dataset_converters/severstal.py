"""Convert Severstal steel defects for mixed supervision (MFFPA Table 3)::

    python tools/dataset_converters/severstal.py /data/severstal \
        data/severstal [--num 0 10 50 150 300 all] [--num-test 2400] \
        [--num-val 1118] [--train-positives 750] [--train-negatives 4143] \
        [--seed 0] [--overwrite]

The conversion is
:func:`mmdefect.datasets.converters.severstal.convert_severstal`.
"""
from mmdefect.datasets.converters.mixed_supervision import run_mixed_converter
from mmdefect.datasets.converters.severstal import COUNTS, convert_severstal

# The reference's subset sizes (module docstring of the converter).
SIZES = (('--num-test', 2400), ('--num-val', 1118), ('--train-positives', 750),
         ('--train-negatives', 4143))

if __name__ == '__main__':
    run_mixed_converter(
        __doc__,
        'folder holding train_images/ and train.csv',
        convert_severstal,
        COUNTS,
        options=[(flag, dict(type=int, default=value))
                 for flag, value in SIZES])
