"""Peak memory and time of BGNet's dense and blocked matching, side by side.

    python tools/analysis_tools/matching_memory.py [--sizes 256 512 1024] \
        [--channels 128] [--budget 16777216] [--repeats 3]

For each input size the stride-8 token sets of one pair (L = S = (size /
8)^2 tokens of ``--channels``) are matched by the dense rule and by the
blocked one (``mmdefect.models.layers``), each in a fresh process: the peak
resident memory added by the matching (``ru_maxrss`` after minus before)
and the median time over ``--repeats`` runs are printed with their ratios,
and whether both gave the same matches.  Runs on the CPU.
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time


def measure(mode: str, size: int, channels: int, budget: int,
            repeats: int) -> dict:
    """Run in the child process: one matching mode at one size."""
    import torch

    from mmdefect.models.layers import blocked_matches, dense_matches
    torch.set_num_threads(2)
    tokens = (size // 8)**2
    gen = torch.Generator().manual_seed(0)
    template = torch.randn(1, tokens, channels, generator=gen)
    picked = torch.randint(0, tokens, (1, tokens), generator=gen)
    sample = template[:, picked[0]] + 0.3 * torch.randn(
        1, tokens, channels, generator=gen)
    rows = max(1, budget // tokens)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    with torch.no_grad():
        for _ in range(repeats):
            start = time.perf_counter()
            if mode == 'dense':
                matches = dense_matches(sample, template)
            else:
                matches = blocked_matches(sample, template, block_rows=rows)
            times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    checksum = int((matches[1] * 7919 + matches[2]).sum())
    return dict(
        mode=mode,
        size=size,
        tokens=tokens,
        block_rows=rows if mode == 'blocked' else tokens,
        peak_mib=round((peak - before) / 1024, 1),
        seconds=round(statistics.median(times), 3),
        matches=len(matches[0]),
        checksum=checksum)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--sizes', type=int, nargs='+', default=[256, 512, 1024])
    parser.add_argument('--channels', type=int, default=128)
    parser.add_argument(
        '--budget',
        type=int,
        default=2**24,
        help='elements of one temporary of the blocked mode')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument(
        '--child', nargs=2, metavar=('MODE', 'SIZE'), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, size = args.child
        print(
            json.dumps(
                measure(mode, int(size), args.channels, args.budget,
                        args.repeats)))
        return
    print('| input | tokens L = S | dense peak | blocked peak (rows) | '
          'memory ratio | dense time | blocked time | time ratio | same '
          'matches |')
    print('|---|---|---|---|---|---|---|---|---|')
    for size in args.sizes:
        runs = {}
        for mode in ('dense', 'blocked'):
            out = subprocess.run([
                sys.executable, __file__, '--child', mode,
                str(size), '--channels',
                str(args.channels), '--budget',
                str(args.budget), '--repeats',
                str(args.repeats)
            ],
                                 capture_output=True,
                                 text=True,
                                 check=True).stdout
            runs[mode] = json.loads(out.strip().splitlines()[-1])
        d, b = runs['dense'], runs['blocked']
        same = (d['matches'], d['checksum']) == (b['matches'], b['checksum'])
        print(
            f"| {size}x{size} | {d['tokens']} | {d['peak_mib']} MiB | "
            f"{b['peak_mib']} MiB ({b['block_rows']}) | "
            f"{d['peak_mib'] / max(b['peak_mib'], 0.1):.1f}x | "
            f"{d['seconds']} s | {b['seconds']} s | "
            f"{b['seconds'] / max(d['seconds'], 1e-6):.2f}x | "
            f"{'yes' if same else 'no'} |",
            flush=True)


if __name__ == '__main__':
    main()
