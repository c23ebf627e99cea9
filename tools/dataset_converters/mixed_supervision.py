"""Write mixed-supervision annotation files for a converted dataset::

    python tools/dataset_converters/mixed_supervision.py data/synlcd_quick \
        splits/train.txt --num 0 14 all [--seed 0] [--columns ...] \
        [--mask-value-map 2:1] [--overwrite]

Every image of the list file gets its image label from its mask (defective
= any defect pixel); ``<root>/splits/<list stem>_n<N>.json`` keeps the masks
of N seeded defective images and of every defect-free one
(:mod:`mmdefect.datasets.converters.mixed_supervision`).  The SynLCD
configs of MFFPA use it to emulate image-level labels with N pixel masks.
"""
import os.path as osp

from _cli import converter_parser, counts_option, run_converter

from mmdefect.datasets.converters.mixed_supervision import (labelled_samples,
                                                            write_mixed_splits)


def annotate(source, list_file, counts, columns, mask_value_map, seed,
             overwrite, progress):
    """Label the samples of ``list_file`` and write one annotation file per
    count; returns the labelled images and the files written.  The files
    are few and small: ``progress`` is not called."""
    root = osp.abspath(source)
    value_map = {}
    for item in mask_value_map:
        raw, _, cls = item.partition(':')
        if not (raw.isdigit() and cls.isdigit()):
            raise ValueError(f'--mask-value-map {item}: expected RAW:CLASS, '
                             'e.g. 255:1')
        value_map[int(raw)] = int(cls)
    samples = labelled_samples(root, list_file, columns, value_map)
    num_pos = sum(s['gt_label'] for s in samples)
    counts = [
        int(round(float(c[:-1]) / 100 *
                  num_pos)) if isinstance(c, str) and c.endswith('%') else c
        for c in counts
    ]
    split = osp.splitext(osp.basename(list_file))[0]
    folder = osp.join(root, 'splits')
    for count in counts:
        path = osp.join(folder, f'{split}_n{count}.json')
        if osp.exists(path) and not overwrite:
            raise FileExistsError(
                f'{path} exists; pass --overwrite to replace it')
    files = write_mixed_splits(folder, split, samples, counts, seed)
    return dict(images=len(samples), defective=num_pos, files=files)


def summary(meta):
    yield (f'{meta["images"]} images, {meta["defective"]} defective; wrote ' +
           ', '.join(f'splits/{stem}.json ({n} masks)'
                     for stem, n in meta['files'].items()))


def main(argv=None):
    parser = converter_parser(
        __doc__,
        source='the dataset folder (data_root)',
        seed='the pixel-labelled positives',
        out_dir=False)
    parser.add_argument(
        'list_file',
        metavar='LIST_FILE',
        help='list file, relative to SOURCE (splits/...)')
    counts_option(parser, percentages=True)
    parser.add_argument(
        '--columns',
        nargs='+',
        default=['img_path', 'template_path', 'seg_map_path'],
        help='fields of the list columns (DefectDataset columns)')
    parser.add_argument(
        '--mask-value-map',
        nargs='*',
        default=[],
        metavar='RAW:CLASS',
        help='raw mask values to map before deciding defective (255:1)')
    run_converter(parser, annotate, summary, argv)


if __name__ == '__main__':
    main()
