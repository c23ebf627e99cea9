"""Convert a folder of your own images into a dataset the configs read::

    # class folders: SOURCE/good/, SOURCE/<defect type>/ [+ --masks DIR]
    python tools/dataset_converters/folder.py SOURCE data/own
    # a label file: CSV/TSV with columns image, label [, mask, template]
    python tools/dataset_converters/folder.py SOURCE data/own \
        --labels SOURCE/labels.csv
    # pairs: SOURCE/sample/, SOURCE/template/, SOURCE/mask/
    python tools/dataset_converters/folder.py SOURCE data/own

Writes images, masks and templates with ``splits/{train,val,test}.json``
(seeded, stratified by kind: defect-free, defective with a mask, defective
label-only); the counts per split and kind are printed at the end, and
for colour images how to keep their colour (the folder configs read
images grey, ``color_type = 'grayscale'``).  The layouts, labels and
checks are those of :mod:`mmdefect.datasets.converters.folder`;
``docs/tutorials/own_data.md`` walks from a folder to a calibrated model.
"""
from _cli import converter_parser, run_converter

from mmdefect.datasets.converters.folder import KINDS, SPLITS, convert_folder

KIND_NAMES = dict(
    good='defect-free', mask='defective with mask', label_only='label-only')


def summary(meta):
    w, h = meta['size']
    grey = 'grey' if meta['channels'] == [1] else \
        f'{"/".join(map(str, meta["channels"]))} channels'
    images = sum(c['images'] for c in meta['splits'].values())
    yield (f'{meta["layout"]} layout: {images} images of {w}x{h}, {grey}, '
           f'{meta["templates"]} template(s)')
    for split in SPLITS:
        counts = meta['splits'][split]
        kinds = ', '.join(f'{counts[k]} {KIND_NAMES[k]}' for k in KINDS)
        yield f'{split}: {counts["images"]} images ({kinds})'
    if max(meta['channels']) > 1:
        yield ('colour images: the folder configs read images grey; to keep '
               'the colour, add --cfg-options color_type=color to train.py, '
               'calibrate.py, test.py and infer.py')


def main(argv=None):
    parser = converter_parser(
        __doc__,
        source='image folder (class folders, sample/ + template/ pairs, or '
        'the folder the label file\'s paths are relative to)',
        seed='the split')
    parser.add_argument(
        '--labels',
        metavar='FILE',
        help='CSV/TSV with a header: image, label (good/ok/0 or '
        'defective/bad/ng/1) and optionally mask, template')
    parser.add_argument(
        '--masks',
        metavar='DIR',
        help='masks of the class folders: DIR/<defect type>/<stem>'
        '<suffix>.png')
    parser.add_argument(
        '--mask-suffix',
        default='',
        help="what follows an image's stem in its mask's name (MVTec-AD: "
        '_mask)')
    parser.add_argument(
        '--template',
        metavar='FILE',
        help='template (golden image) of every sample that names none')
    parser.add_argument(
        '--val',
        type=float,
        default=0.1,
        help='share of each kind for validation')
    parser.add_argument(
        '--test', type=float, default=0.2, help='share of each kind for test')
    parser.add_argument(
        '--resize',
        type=int,
        nargs=2,
        metavar=('W', 'H'),
        help='resize every image to W x H (masks by nearest neighbour); '
        'without it images of different sizes are refused')
    run_converter(parser, convert_folder, summary, argv)


if __name__ == '__main__':
    main()
