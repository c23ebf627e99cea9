"""Generate SynOCD, misaligned template/sample pairs of optical-communication
devices (BANet / BGNet OCDs-like data).

Defaults reproduce the OCDs counts and split (918 pairs, 551 / 183 / 184) at
256 x 256 with the default misalignment preset.  A small set::

    python tools/dataset_converters/synocd.py data/synocd_mini \
        --fraction 0.1 --workers 2

Large boards (panels of units under one global pose, for tiled inference
and registration; two of 2,048 and two of 4,096 px)::

    python tools/dataset_converters/synocd.py data/synocd_boards \
        --boards 2048 4096 --board-count 2

See docs/synocd.md for the parameters and the on-disk layout.
"""
from _cli import converter_parser, run_converter

from mmdefect.datasets.synocd_generator import (KINDS, PRESETS,
                                                generate_boards,
                                                generate_synocd, ocd_counts)


def summary(meta):
    if 'boards' in meta:
        for side, count in meta['boards'].items():
            yield f'{count} boards of {side} x {side}'
        return
    for split, kinds in meta['splits'].items():
        yield f'{split}: {sum(kinds.values())} pairs {kinds}'


def generate(out_dir, fraction, pairs_per_kind, clean_fraction, no_sweep,
             boards, board_count, **kwargs):
    """:func:`generate_synocd` with the counts of the command line, or
    :func:`generate_boards` with ``--boards``."""
    if boards:
        return generate_boards(
            out_dir,
            sides=boards,
            count=board_count,
            unit=kwargs['size'],
            preset=kwargs['preset'],
            seed=kwargs['seed'],
            overwrite=kwargs['overwrite'],
            progress=kwargs['progress'])
    return generate_synocd(
        out_dir,
        counts=ocd_counts(fraction, pairs_per_kind, clean_fraction),
        sweep=not no_sweep,
        **kwargs)


def main(argv=None):
    parser = converter_parser(__doc__, seed='the generator', workers=True)
    parser.add_argument(
        '--size',
        type=int,
        default=256,
        help='image side in pixels (256 or 512; >= 64); the unit side of '
        '--boards')
    parser.add_argument(
        '--preset',
        choices=sorted(PRESETS),
        default='default',
        help='global misalignment and photometric change')
    parser.add_argument(
        '--scale',
        type=float,
        default=0.0,
        help='relative scale change of the sample, e.g. 0.02 for +-2 %%')
    parser.add_argument(
        '--fraction',
        type=float,
        default=1.0,
        help='fraction of the OCDs counts per kind (at least 5 each)')
    parser.add_argument(
        '--pairs-per-kind',
        type=int,
        nargs=len(KINDS),
        metavar='N',
        help=f'pairs of each kind, in the order {" ".join(KINDS)} '
        '(overrides --fraction)')
    parser.add_argument(
        '--clean-fraction',
        type=float,
        default=0.0,
        help='add this fraction of defect-free pairs (false-positive '
        'checks; OCDs has none)')
    parser.add_argument(
        '--types', type=int, default=8, help='product types (layouts)')
    parser.add_argument(
        '--batches',
        type=int,
        default=4,
        help='production batches per type (>= 3)')
    parser.add_argument(
        '--no-sweep',
        action='store_true',
        help='skip the misalignment sweep of the test pairs')
    parser.add_argument(
        '--boards',
        type=int,
        nargs='+',
        metavar='SIDE',
        help='generate large boards of these sides (multiples of --size) '
        'instead of pairs, e.g. 2048 4096')
    parser.add_argument(
        '--board-count',
        type=int,
        default=2,
        help='boards of each side (with --boards)')
    run_converter(parser, generate, summary, argv)


if __name__ == '__main__':
    main()
