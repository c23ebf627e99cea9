"""get_flops, benchmark, matching_memory and aggregate_results on real
configs at a tiny input size; the budget's training crop."""
import re
import subprocess
import sys

import pytest
import torch
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


@pytest.mark.parametrize('config,baseline,size', [
    ('configs/cadnet/cadnet_synlcd-256_defect.py',
     'configs/baselines/segformer_mit-b0_synlcd-256_defect.py', '64'),
    ('configs/mffpa/mffpa_ksdd2-n0.py', 'configs/mffpa/segdecnet_ksdd2-n0.py',
     '64'),
])
def test_benchmark_prints_side_by_side_ratios(repo, config, baseline, size):
    out = run(repo, 'tools/analysis_tools/benchmark.py', config, '--baseline',
              baseline, '--shape', size, size, '--batch', '2', '--warmup', '1',
              '--repeats', '2', '--threads', '1', '--profile', '3')
    ratio = re.search(
        r'train step ([\d.]+)x, inference throughput '
        r'([\d.]+)x, FPS \(Eq. 8\) ([\d.]+)x, peak memory ([\d.]+)x', out)
    assert ratio, out
    assert all(float(v) > 0 for v in ratio.groups())
    # Three operators of one training step per model, the costliest first.
    for model in (config, baseline):
        block = out.split(f'{model}: operators with the most self CPU '
                          'time')[1].splitlines()[1:4]
        times = [float(re.search(r' ([\d.]+) ms ', line)[1]) for line in block]
        assert times == sorted(times, reverse=True) and times[0] > 0, out
    # The model trains on what its pipeline makes: KolektorSDD2's configs
    # resize every image to 232 x 640 (W x H).
    train_input = '640x232' if 'ksdd2' in config else f'{size}x{size}'
    assert re.search(rf'{config}\s+{train_input} ', out), out


def test_benchmark_inputs_come_from_the_config_pipelines(repo, tmp_path):
    """Each paper's training targets are made by its own pipeline from the
    generated data: BANet's edge maps, SegDecNet's dilated and weighted
    masks; single-image configs get no template."""
    from importlib import util
    spec = util.spec_from_file_location(
        'benchmark', f'{repo}/tools/analysis_tools/benchmark.py')
    benchmark = util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    init_default_scope('mmseg')
    paired, single = tmp_path / 'paired', tmp_path / 'single'
    benchmark.write_generated_data(str(paired), (64, 64), 2, paired=True)
    benchmark.write_generated_data(str(single), (64, 64), 2, paired=False)
    banet = Config.fromfile(f'{repo}/configs/banet/banet_r34_synocd-256.py')
    batch = benchmark.pipeline_batch(
        str(paired), banet.train_dataloader.dataset.pipeline, 2)
    assert [tuple(x.shape) for x in batch['inputs']] == [(6, 64, 64)] * 2
    defective, good = batch['data_samples']
    assert defective.gt_edge_map.data.shape == (1, 64, 64)
    assert defective.gt_edge_map.data.any()  # the defect's boundary
    assert not good.gt_edge_map.data.any()
    assert (int(defective.gt_label), int(good.gt_label)) == (1, 0)
    mffpa = Config.fromfile(f'{repo}/configs/mffpa/mffpa_ksdd2-n0.py')
    batch = benchmark.pipeline_batch(
        str(single), mffpa.train_dataloader.dataset.pipeline, 3)
    assert len(batch['inputs']) == 3  # the generated data repeated
    sample = batch['data_samples'][0]
    assert tuple(batch['inputs'][0].shape) == (3, 640, 232)
    assert sample.gt_dilated_map.data.dtype == torch.float32
    assert sample.gt_weight_map.data.shape == (1, 640, 232)
    assert 'gt_edge_map' not in sample
    test = benchmark.pipeline_batch(
        str(paired), banet.test_dataloader.dataset.pipeline, 1)
    assert 'gt_edge_map' not in test['data_samples'][0]


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


def test_ablation_train_crop_holds_defects(benchmarks, repo, synocd_root,
                                           tmp_path):
    """--train-crop puts a defect-holding crop before the derived targets:
    the pair stays aligned and the Canny edges follow the cropped mask."""
    from copy import deepcopy

    import numpy as np
    from mmengine.dataset import Compose

    budget_runs = benchmarks('budget_runs')
    path = budget_runs.budget_config(
        f'{repo}/configs/banet/banet_r34_synocd-256.py', str(tmp_path),
        budget_runs.Budget(train_crop=32))
    cfg = Config.fromfile(path)
    types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert types[types.index('LoadDefectAnnotations') + 1] == 'RandomCrop'
    assert types.index('RandomCrop') < types.index('GenerateEdgeMap')
    init_default_scope('mmseg')
    from mmdefect.datasets import SynOCDDataset
    dataset = SynOCDDataset(
        data_root=str(synocd_root), ann_file='annotations/train.json')
    steps = cfg.train_dataloader.dataset.pipeline
    crop = Compose(steps[:types.index('RandomCrop') + 1])
    edges = Compose(steps[types.index('RandomCrop') + 1:-1])
    plain = Compose(steps[:types.index('RandomCrop')] +
                    [dict(type='RandomCrop', crop_size=(32, 32))])
    np.random.seed(0)
    holding, plain_holding = 0, 0
    for i in list(range(len(dataset))) * 3:
        plain_holding += int((plain(deepcopy(
            dataset.get_data_info(i)))['gt_seg_map'] == 1).any())
        info = dataset.get_data_info(i)
        full = Compose(steps[:types.index('RandomCrop')])(deepcopy(info))
        out = crop(deepcopy(info))
        assert out['img'].shape == (32, 32, 6)
        # The crop is one window of the whole pair and of its mask.
        h, w = full['gt_seg_map'].shape
        windows = [(y, x) for y in range(h - 31) for x in range(w - 31)
                   if np.array_equal(full['img'][y:y + 32,
                                                 x:x + 32], out['img'])]
        assert windows, 'the crop is not a window of the pair'
        y, x = windows[0]
        assert np.array_equal(full['gt_seg_map'][y:y + 32, x:x + 32],
                              out['gt_seg_map'])
        holding += int((out['gt_seg_map'] == 1).any())
        out = edges(out)
        assert out['gt_edge_map'].shape == (32, 32)
        assert out['gt_edge_map'].any() == (out['gt_seg_map'] == 1).any()
    # Defects are 0.4 % of a 64 px SynOCD image: plain random 32 px windows
    # miss most of them; the cat_max_ratio retries find more.
    assert holding > 1.2 * plain_holding


def test_budget_config_turns_epochs_into_iterations(benchmarks, repo,
                                                    tmp_path):
    budget_runs = benchmarks('budget_runs')
    budget = budget_runs.Budget(iters=40)
    iterations = f'{repo}/configs/banet/banet_r34_synocd-256.py'
    path = budget_runs.budget_config(iterations, str(tmp_path), budget)
    # Already counting iterations: the budget's end, nothing else.
    assert path == str(tmp_path / 'banet_r34_synocd-256.py')
    cfg, original = Config.fromfile(path), Config.fromfile(iterations)
    assert cfg.train_cfg == dict(
        original.train_cfg, max_iters=40, val_interval=41, val_begin=41)
    assert cfg.param_scheduler == original.param_scheduler
    assert cfg.model == original.model
    path = budget_runs.budget_config(
        f'{repo}/configs/lsanet/lsanet_synlcd-256.py', str(tmp_path), budget)
    assert path == str(tmp_path / 'lsanet_synlcd-256_iters.py')
    cfg = Config.fromfile(path)
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert cfg.train_cfg.max_iters == 40
    assert cfg.train_dataloader.sampler.type == 'InfiniteSampler'
    assert not cfg.default_hooks.checkpoint.by_epoch
    assert not cfg.log_processor.by_epoch and cfg.param_scheduler == []
    # The model and data are untouched.
    original = Config.fromfile(f'{repo}/configs/lsanet/lsanet_synlcd-256.py')
    assert cfg.model == original.model
    assert cfg.train_dataloader.dataset == original.train_dataloader.dataset


def test_aggregate_results_averages_folds(repo, tmp_path):
    import json
    for fold, (ap, auroc) in enumerate([(90.0, 95.0), (100.0, 97.0),
                                        (95.0, 99.0)]):
        stamp = tmp_path / f'fold{fold}' / '20261122_000000'
        stamp.mkdir(parents=True)
        (stamp / '20261122_000000.json').write_text(
            json.dumps({
                'image/AP': ap,
                'image/AUROC': auroc,
                'mIoU': 1.0
            }))
    out = run(repo, 'tools/analysis_tools/aggregate_results.py',
              *[str(tmp_path / f'fold{k}') for k in range(3)], '--keys',
              'image/AP', 'image/AUROC', '--out', str(tmp_path / 'mean.json'))
    assert '| mean of 3 | 95.00 | 97.00 |' in out
    assert json.loads((tmp_path / 'mean.json').read_text())['mean'] == {
        'image/AP': 95.0,
        'image/AUROC': 97.0
    }
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/aggregate_results.py',
        str(tmp_path / 'fold0'), '--keys', 'image/F1_max'
    ],
                          cwd=repo,
                          capture_output=True,
                          text=True)
    assert proc.returncode != 0 and 'image/F1_max' in proc.stderr
