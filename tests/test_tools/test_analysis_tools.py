"""get_flops and benchmark on real configs at a tiny input size."""
import re
import subprocess
import sys

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope


def run(repo, *args):
    proc = subprocess.run([sys.executable, *args],
                          cwd=repo,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_get_flops_matches_the_paper_convention(repo):
    from importlib import util
    spec = util.spec_from_file_location(
        'get_flops', f'{repo}/tools/analysis_tools/get_flops.py')
    get_flops = util.module_from_spec(spec)
    spec.loader.exec_module(get_flops)
    cad = get_flops.complexity(
        Config.fromfile(f'{repo}/configs/cadnet/cadnet_synlcd.py'), (64, 64),
        with_mmengine=False)
    seg = get_flops.complexity(
        Config.fromfile(
            f'{repo}/configs/baselines/segformer_mit-b0_synlcd-512.py'),
        (64, 64),
        with_mmengine=False)
    init_default_scope('mmseg')
    assert cad['channels'] == 6 and seg['channels'] == 3
    # CADNet Table 3: 3.90 M vs SegFormer-B0 3.72 M parameters.
    assert cad['params'] / 1e6 == pytest.approx(3.90, rel=0.05)
    assert seg['params'] / 1e6 == pytest.approx(3.72, rel=0.05)
    # Two encoder passes but one decoder: well under twice the MACs.
    assert 1.0 < cad['macs'] / seg['macs'] < 2.0
    assert cad['macs_attn'] > cad['macs']


def test_get_flops_cli_states_the_convention(repo):
    out = run(repo, 'tools/analysis_tools/get_flops.py',
              'configs/cadnet/cadnet_synlcd.py', '--shape', '64', '64')
    assert 'params: 3.898 M' in out
    assert 'conv+linear MACs' in out and 'mmengine FLOPs' in out


def test_benchmark_prints_side_by_side_ratios(repo):
    out = run(repo, 'tools/analysis_tools/benchmark.py',
              'configs/cadnet/cadnet_synlcd.py', '--baseline',
              'configs/baselines/segformer_mit-b0_synlcd-512.py', '--shape',
              '64', '64', '--batch', '2', '--warmup', '1', '--repeats', '1',
              '--threads', '1')
    ratio = re.search(
        r'train step ([\d.]+)x, inference throughput '
        r'([\d.]+)x, peak memory ([\d.]+)x', out)
    assert ratio, out
    assert all(float(v) > 0 for v in ratio.groups())


def test_matching_memory_compares_dense_and_blocked(repo):
    out = run(repo, 'tools/analysis_tools/matching_memory.py', '--sizes', '64',
              '128', '--channels', '16', '--budget', '4096', '--repeats', '1')
    rows = [
        line for line in out.splitlines()
        if line.startswith('| 64x64') or line.startswith('| 128x128')
    ]
    assert len(rows) == 2
    for row in rows:
        cells = [c.strip() for c in row.strip('|').split('|')]
        assert cells[-1] == 'yes'  # blocked gives the dense matches
        assert cells[3].endswith(')')  # the blocked rows are reported
