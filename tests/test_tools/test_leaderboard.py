"""The leaderboard: one budget for every method, its registry, its
generated documents, and the model index they feed."""
import json
import os.path as osp
import subprocess
import sys

import pytest
import yaml
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS


@pytest.fixture(scope='module')
def leaderboard(benchmarks):
    return benchmarks('leaderboard')


@pytest.fixture(scope='module')
def report(benchmarks):
    return benchmarks('report')


@pytest.fixture(scope='module')
def board(benchmarks):
    return benchmarks('board').load_board()


def trained_config(benchmarks, leaderboard, settings, dataset_key, name):
    """The config a part trains and tests (written into its folder)."""
    config, folder, options = leaderboard.part_config(settings, dataset_key,
                                                      name)
    return benchmarks('budget_runs').budget_config(config, folder,
                                                   settings.budget, options)


def test_every_part_gets_the_same_budget_data_and_seed(benchmarks, leaderboard,
                                                       repo, tmp_path,
                                                       monkeypatch):
    monkeypatch.chdir(repo)
    settings = leaderboard.parse_args([
        '--iters', '300', '--batch-size', '2', '--lr', '1e-3', '--seed', '7',
        '--work-dir',
        str(tmp_path)
    ])
    paths = {}
    for dataset_key, name in (('synocd', 'BANet'), ('synlcd', 'MFFPA'),
                              ('synlcd-al', 'CADNet')):
        paths[name] = trained_config(benchmarks, leaderboard, settings,
                                     dataset_key, name)
        cfg = Config.fromfile(paths[name])
        assert cfg.train_cfg.type == 'IterBasedTrainLoop'
        assert cfg.train_cfg.max_iters == 300
        assert cfg.train_dataloader.batch_size == 2
        assert cfg.optim_wrapper.optimizer == dict(
            type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01)
        warmup, poly = cfg.param_scheduler
        assert (warmup.end, poly.begin, poly.end) == (30, 30, 300)
        assert cfg.randomness.seed == 7
        data = settings.board.datasets[dataset_key]
        for loader in ('train_dataloader', 'test_dataloader'):
            assert cfg[loader].dataset.data_root == data.data
        for split, loader in (('train', 'train_dataloader'),
                              ('test', 'test_dataloader')):
            if split in data.splits:
                assert (cfg[loader].dataset.ann_file == data.splits[split])
    # The per-method parts of the recipe reached the configs.
    assert cfg.model.decode_head.mode == 'out_of_class'  # CADNet, AL
    assert cfg.model.decode_head.loss_decode.class_weight == [1.0, 10.0]
    assert paths['BANet'] == str(tmp_path / 'synocd' /
                                 'iters300_batch2_lr0.001_seed7' / 'BANet' /
                                 'banet_r34_synocd-256.py')
    banet = Config.fromfile(paths['BANet'])
    assert banet.model.decode_head.loss_decode.gamma == 0.0
    assert banet.model.decode_head.loss_decode.alpha == 0.9
    assert banet.test_dataloader.dataset.ann_file == (
        'annotations/batch_test.json')
    # Calibration reads the held-out validation batches, never the test's.
    assert banet.val_dataloader.dataset.ann_file == (
        'annotations/batch_val.json')
    # Out of class: the validation part held out of the training file.
    al = Config.fromfile(paths['CADNet'])
    assert al.val_dataloader.dataset.ann_file == 'splits/train_abpt.txt'
    assert al.val_dataloader.dataset.holdout.part == 'val'
    assert al.train_dataloader.dataset.holdout.part == 'train'


def test_train_crop_budget_crops_training_only_and_names_the_setting(
        benchmarks, leaderboard, report, repo, tmp_path, monkeypatch):
    monkeypatch.chdir(repo)
    settings = leaderboard.parse_args([
        '--datasets', 'synocd', '--iters', '1000', '--train-crop', '128',
        '--work-dir',
        str(tmp_path)
    ])
    budget = settings.budget.stored()
    assert budget['train_crop'] == 128
    assert report.setting_name(budget) == (
        'iters1000_batch4_lr0.0006_seed0_crop128')
    # Without the crop the setting keeps its name (stored runs stay valid).
    plain = dict(budget)
    del plain['train_crop']
    assert report.setting_name(plain) == 'iters1000_batch4_lr0.0006_seed0'
    assert report.command('synocd', budget).endswith('--train-crop 128')
    assert '128 x 128 crops' in report.describe(budget)
    path = trained_config(benchmarks, leaderboard, settings, 'synocd', 'BGNet')
    assert path.endswith('bgnet_r34_synocd-256_train-crop128.py')
    cfg = Config.fromfile(path)
    train = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert train[train.index('LoadDefectAnnotations') + 1] == 'RandomCrop'
    crop = cfg.train_dataloader.dataset.pipeline[train.index('RandomCrop')]
    assert tuple(crop.crop_size) == (128, 128)
    assert 'RandomCrop' not in [
        t['type'] for t in cfg.test_dataloader.dataset.pipeline
    ]
    with pytest.raises(SystemExit):
        leaderboard.parse_args(['--paper-schedules', '--train-crop', '128'])


def test_a_gpu_budget_is_plain_arguments(benchmarks, leaderboard, repo,
                                         tmp_path, monkeypatch):
    """A larger batch, a scaled learning rate and the device are the
    budget's arguments; writing the configs needs no GPU."""
    monkeypatch.chdir(repo)
    settings = leaderboard.parse_args([
        '--iters', '2000', '--batch-size', '32', '--lr', '4.8e-3', '--device',
        'cuda', '--work-dir',
        str(tmp_path)
    ])
    assert settings.budget.resolved_device() == 'cuda'
    assert settings.cost_batch == 32
    assert settings.budget.stored() == dict(
        iters=2000, batch_size=32, lr=4.8e-3, seed=0)
    cfg = Config.fromfile(
        trained_config(benchmarks, leaderboard, settings, 'synlcd', 'LSA-Net'))
    assert cfg.train_dataloader.batch_size == 32
    assert cfg.optim_wrapper.optimizer.lr == 4.8e-3
    assert cfg.param_scheduler[1].end == 2000
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'  # was epoch-based
    # Paper schedules: the config's own optimiser, batch and loss.
    settings = leaderboard.parse_args(
        ['--paper-schedules', '--seed', '3', '--work-dir',
         str(tmp_path)])
    assert settings.budget.stored() == {'paper_schedules': True}
    path = trained_config(benchmarks, leaderboard, settings, 'synocd', 'BANet')
    assert '/paper-schedules/BANet/' in path
    cfg, own = Config.fromfile(path), Config.fromfile(
        f'{repo}/configs/banet/banet_r34_synocd-256.py')
    assert cfg.optim_wrapper == own.optim_wrapper
    assert cfg.train_cfg == own.train_cfg
    loss = own.model.decode_head.loss_decode
    assert cfg.model.decode_head.loss_decode == loss
    assert cfg.randomness.seed == 3
    with pytest.raises(SystemExit):
        leaderboard.parse_args(['--device', 'tpu'])


def test_the_registry_is_data_and_parsing_changes_no_module_state(
        benchmarks, leaderboard, board, tmp_path):
    assert list(board.methods) == [
        'CADNet', 'BANet', 'BGNet', 'LSA-Net', 'MFFPA', 'SegFormer-B0',
        'Early fusion', 'Siamese difference'
    ]
    assert board.methods['BANet'].balance == {
        'model.decode_head.loss_decode.gamma': 0.0,
        'model.decode_head.loss_decode.alpha': 0.9
    }
    assert board.methods['LSA-Net'].balance == {}
    assert board.methods['BANet'].paper_count.key == 'thop_flops'
    assert board.methods['BGNet'].paper_count is None
    al = board.datasets['synlcd-al']
    assert al.data == board.datasets['synlcd'].data == 'data/synlcd_quick'
    assert board.methods['CADNet'].config(al) == (
        'configs/cadnet/cadnet_synlcd-256_defect.py')
    assert [s.done
            for s in al.generate] == ['meta.json', 'splits/train_nall.json']
    # Another data folder gives another board; the split of its data
    # follows; the registry on disk and the default settings stay as they
    # were.
    moved = leaderboard.parse_args(['--data', f'synlcd={tmp_path}'])
    assert moved.board.datasets['synlcd'].data == str(tmp_path)
    assert moved.board.datasets['synlcd-al'].data == str(tmp_path)
    assert moved.board.datasets['synocd'].data == 'data/synocd'
    assert leaderboard.parse_args(
        []).board.datasets['synlcd'].data == ('data/synlcd_quick')
    assert benchmarks('board').load_board() == board
    with pytest.raises(SystemExit):
        leaderboard.parse_args(['--data', 'kolektor=/tmp'])


def test_an_inconsistent_registry_names_the_file_and_entry(
        benchmarks, tmp_path):
    board = benchmarks('board')
    spec = yaml.safe_load(open(board.BOARD))
    spec['methods']['BGNet']['balance'] = 'focal'
    path = tmp_path / 'board.yaml'
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(
            ValueError, match=f'{path}: method BGNet: unknown '
            'balance focal'):
        board.load_board(str(path))
    spec = yaml.safe_load(open(board.BOARD))
    del spec['methods']['MFFPA']['configs']['synocd']
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(ValueError, match=r"MFFPA: no config for \['synocd'\]"):
        board.load_board(str(path))
    spec = yaml.safe_load(open(board.BOARD))
    del spec['datasets']['synocd']['splits']['val']
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(
            ValueError,
            match=f'{path}: data set synocd has its own '
            'training split but no val split'):
        board.load_board(str(path))


def fake_part(board, name, dataset_key, iou):
    metrics = {
        'IoU.background': 99.0,
        'IoU.defect': iou,
        'mIoU': (99.0 + iou) / 2,
        'defect.IoU': iou,
        'defect.Precision': 50.0,
        'defect.Recall': 40.0,
        'defect.F1': 44.4,
        'defect.IoU_per_image': iou - 1,
        'train_seconds': 120.0
    }
    if dataset_key == 'synlcd':
        metrics.update({'image/AP': 70.0, 'image/AUROC': 65.0})
    return dict(
        config=board.methods[name].configs[dataset_key],
        trained_config='work/x.py',
        checkpoint='work/iter_2.pth',
        metrics=metrics,
        machine='CPU, 2 cores',
        date='2026-12-03',
        counts=dict(
            params=3.7e6, params_inference=3.7e6, macs=1.6e9,
            thop_flops=3.2e9),
        speed=dict(
            train_s_per_iter=0.5,
            infer_img_per_s=20.0,
            infer_b1_img_per_s=10.0,
            fps_eq8=10.0,
            peak_mem_mb=900.0,
            device='cpu',
            batch=4))


def test_boards_side_by_side_keep_each_others_parts(report, tmp_path):
    # Two boards started from the same file; each stores its parts into the
    # file as it is when the part ends, not the copy it started from.
    path = str(tmp_path / 'leaderboard.json')
    budget = dict(iters=300, batch_size=4, lr=0.0006, seed=0)
    crop = dict(budget, iters=1000, train_crop=128)
    report.store_run_entry(path, 'synlcd', budget, 'CADNet', {'m': 1})
    report.store_run_entry(path, 'synocd', crop, 'BGNet', {'m': 2})
    report.store_run_entry(path, 'synlcd', budget, 'BANet', {'m': 3})
    merged = report.store_run_entry(path, 'synocd', crop, 'sweep', 'csv')
    assert merged == report.load_results(path)
    lcd = merged['synlcd'][report.setting_name(budget)]
    ocd = merged['synocd'][report.setting_name(crop)]
    assert lcd == dict(
        budget=budget, parts={
            'CADNet': {
                'm': 1
            },
            'BANet': {
                'm': 3
            }
        })
    assert ocd == dict(budget=crop, parts={'BGNet': {'m': 2}}, sweep='csv')


def test_documents_come_from_the_stored_results(report, board, tmp_path):
    budget = dict(iters=500, batch_size=4, lr=6e-4, seed=0)
    setting = report.setting_name(budget)
    results = {
        'synlcd': {
            setting:
            dict(
                budget=budget,
                parts={
                    'CADNet':
                    fake_part(board, 'CADNet', 'synlcd', 30.0),
                    'SegFormer-B0':
                    fake_part(board, 'SegFormer-B0', 'synlcd', 12.5)
                })
        }
    }
    # Marks no pixel defective: precision and F1 are NaN.
    results['synlcd'][setting]['parts']['CADNet']['metrics'].update({
        'defect.Precision':
        float('nan'),
        'defect.F1':
        float('nan')
    })
    # SynOCD on training crops; the pixel AP of a model under the 0.5.
    crops = dict(budget, iters=1000, train_crop=128)
    synocd = fake_part(board, 'CADNet', 'synocd', 0.0)
    synocd['metrics']['defect.AP_pixel'] = 25.0
    results['synocd'] = {
        report.setting_name(crops):
        dict(
            budget=crops,
            parts={'CADNet': synocd},
            # misalignment_sweep.py's csv, in its own order.
            sweep=('model,translation,rotation,defect.IoU,defect.F1,'
                   'defect.Precision,defect.Recall,defect.IoU_per_image,'
                   'defect.AP_pixel\n'
                   'CADNet,0,10,1.0,0,0,0,0,11.0\n'
                   'CADNet,32,0,2.0,0,0,0,0,12.0\n'
                   'CADNet,0,0,3.0,0,0,0,0,13.0\n'
                   'CADNet,4,0,4.0,0,0,0,0,14.0\n'))
    }
    # Trained side by side with another part: one core.
    results['synlcd'][setting]['parts']['SegFormer-B0']['metrics'][
        'train_threads'] = 1
    report.report(board, results, str(tmp_path))

    text = (tmp_path / 'docs' / 'leaderboard.md').read_text()
    assert ('| CADNet | sample + template | 99.00 | 30.00 | 64.50 | - | 40.00 '
            '| - |') in text
    assert '| SegFormer-B0 | sample | 99.00 | 12.50 |' in text
    assert '500 iterations of 4 images' in text
    assert ('python tools/benchmarks/leaderboard.py --datasets synlcd '
            '--iters 500 --batch-size 4 --lr 0.0006 --seed 0') in text
    assert 'Not measured yet: BANet, BGNet, LSA-Net, MFFPA' in text
    # CADNet's own count is conv+linear GMACs, BANet's 2 x thop MACs.
    assert '| 3.70 | 1.60 | 1.60 | 0.50 | 20.0 | 900 | 2.0 min |' in text
    assert '| 0.50 | 20.0 | 900 | 2.0 min (1 thread) |' in text
    assert (tmp_path / 'docs' / 'images' /
            f'leaderboard_synlcd_{setting}.png').stat().st_size > 1000

    zoo = (tmp_path / 'README.md').read_text()
    assert ('| CADNet | CADNet | SynLCD | [cadnet_synlcd-256_defect.py]'
            '(configs/cadnet/cadnet_synlcd-256_defect.py) | 30.00 | - | '
            '64.50 | 70.00 |') in zoo
    assert ('| CADNet | CADNet | SynOCD | [cadnet_synocd-256.py]'
            '(configs/cadnet/cadnet_synocd-256.py) | 0.00 | 25.00 | 49.50 | '
            '- |') in zoo
    cadnet = (tmp_path / 'configs' / 'cadnet' / 'README.md').read_text()
    assert '| CADNet | MiT-B0 (Siamese) | SynLCD | 256x256 | 500 |' in cadnet
    assert '[config](cadnet_synlcd-256_defect.py)' in cadnet
    assert '| CADNet | MiT-B0 (Siamese) | SynOCD | 128x128 | 1000 |' in cadnet
    assert '--iters 1000 --batch-size 4 --lr 0.0006 --seed 0 --train-crop ' \
        '128' in text
    assert '| -1.00 | 25.00 | 3.70 |' in text  # pixel AP after IoU per image
    assert ('| model | control | t 4 px | t 32 px | r 10 deg |\n'
            '|---|---|---|---|---|\n'
            '| CADNet | 3.00 | 4.00 | 2.00 | 1.00 |') in text
    assert '| CADNet | 13.00 | 14.00 | 12.00 | 11.00 |' in text  # pixel AP

    index = yaml.safe_load((tmp_path / 'model-index.yml').read_text())
    assert len(index['Import']) == len(board.collections)
    meta = yaml.safe_load(
        (tmp_path / 'configs' / 'cadnet' / 'metafile.yaml').read_text())
    models = {m['Name']: m for m in meta['Models']}
    measured = models['cadnet_synlcd-256_defect']
    assert measured['Results'][0]['Metrics'] == {
        'mIoU': 64.5,
        'defect IoU': 30.0
    }
    assert measured['Metadata']['Batch Size'] == 4
    assert models['cadnet_synocd-256']['Results'][0]['Metrics'][
        'defect IoU'] == 0.0
    banet = yaml.safe_load(
        (tmp_path / 'configs' / 'banet' / 'metafile.yaml').read_text())
    assert all(m['Results'] == [] for m in banet['Models'])  # not measured


def gpu_part(board, name, dataset_key, iou):
    """A part of the GPU board: tested at its calibrated operating point
    with the metrics at 0.5 beside; GPU throughput instead of counts."""
    part = fake_part(board, name, dataset_key, iou)
    del part['counts']
    part['machine'] = 'NVIDIA H200'
    part['speed'] = dict(
        device='cuda',
        batch=32,
        train_s_per_iter=0.25,
        train_img_per_s=128.0,
        train_peak_mem_mb=2048.0,
        alone_train_img_per_s=700.0,
        infer_img_per_s=2500.0)
    part['metrics'].update({
        'defect.IoU@0.5': iou - 5,
        'defect.Precision@0.5': 45.0,
        'defect.Recall@0.5': 35.0,
        'defect.F1@0.5': 40.0,
        'defect.AUPRO': 55.0,
        'calibration/pixel_threshold': 0.2
    })
    return part


def test_a_gpu_board_merges_beside_the_cpu_board(leaderboard, report, board,
                                                 tmp_path):
    cpu_budget = dict(
        iters=1000, batch_size=4, lr=6e-4, seed=0, train_crop=128)
    gpu_budget = dict(
        board='gpu',
        iters=1250,
        batch_size=32,
        lr=4.8e-3,
        seed=0,
        train_crop=128,
        reference=dict(iters=1000, batch_size=4, lr=6e-4),
        side_by_side=16)
    setting = report.setting_name(gpu_budget)
    assert setting == 'gpu_iters1250_batch32_lr0.0048_seed0_crop128'
    uncalibrated = gpu_part(board, 'CADNet', 'synocd', 10.0)
    del uncalibrated['metrics']['calibration/pixel_threshold']
    gpu = dict(
        budget=gpu_budget,
        parts={
            'CADNet': uncalibrated,
            'BGNet': gpu_part(board, 'BGNet', 'synocd', 30.0)
        },
        unfinished={'BANet': 'stopped at the deadline in training'})
    cpu = dict(
        budget=cpu_budget,
        parts={'BGNet': fake_part(board, 'BGNet', 'synocd', 20.0)})
    merged = tmp_path / 'gpu_board.json'
    merged.write_text(json.dumps({'synocd': {setting: gpu}}))
    results = tmp_path / 'results.json'
    results.write_text(
        json.dumps({'synocd': {
            report.setting_name(cpu_budget): cpu
        }}))
    out = tmp_path / 'out'
    leaderboard.main([
        '--merge',
        str(merged), '--results',
        str(results), '--out-root',
        str(out)
    ])
    assert set(json.loads(results.read_text())['synocd']) == {
        setting, 'iters1000_batch4_lr0.0006_seed0_crop128'
    }
    text = (out / 'docs' / 'leaderboard.md').read_text()
    cpu_text, gpu_text = text.split('(GPU board)')
    # The CPU board's run predates calibration: no calibrated columns.
    assert (
        '| method | input | IoU background | IoU defect | mIoU | Pre | Rec '
        '| F1 | IoU per image | params (M) |') in cpu_text
    budget = ('1250 iterations of 32 images on 128 x 128 crops that hold '
              'some defect (tested on the whole 256 x 256 images) (10.0 x the '
              "images of the CPU board's 1000 iterations of 4) from scratch, "
              'AdamW 0.0048 = 0.0006 x 32 / 4 (linear scaling rule)')
    assert budget in gpu_text
    assert '16 parts (every method on every data set of the run)' in gpu_text
    regenerate = ('`OUT=out WHEELS=.gpu/whl bash '
                  'tools/benchmarks/gpu_board.sh --datasets synocd --batch '
                  'synocd=32 --iters synocd=1250 --seed 0 --train-crop '
                  'synocd=128`')
    assert regenerate in gpu_text
    assert (
        '| method | input | IoU background | IoU defect | IoU defect cal. '
        '| mIoU | Pre | Rec | F1 | F1 cal. | IoU per image | AUPRO | train '
        'img/s (side by side) | train img/s (alone) | infer img/s | GPU '
        'MB (training) | train time |') in gpu_text
    # At 0.5 and calibrated side by side; '-' where the calibration failed.
    assert ('| BGNet | sample + template | 99.00 | 25.00 | 30.00 | 64.50 | '
            '45.00 | 35.00 | 40.00 | 44.40 | 29.00 | 55.00 | 128 | 700 | 2500 '
            '| 2048 | 2.0 min |') in gpu_text
    assert ('| CADNet | sample + template | 99.00 | 5.00 | - | 54.50 | 45.00 '
            '| 35.00 | 40.00 | - | 9.00 | 55.00 |') in gpu_text
    assert ('Not finished within the time budget: BANet (stopped at the '
            'deadline in training).') in gpu_text
    assert 'IoU defect cal. and F1 cal. at the operating point' in gpu_text
    assert not list((out / 'docs' / 'images').glob('*gpu*'))  # no MACs
    # The model zoo and metafiles stay the CPU board's.
    assert '| BGNet | BGNet | SynOCD |' in (out / 'README.md').read_text()
    meta = yaml.safe_load(
        (out / 'configs' / 'bgnet' / 'metafile.yaml').read_text())
    synocd, = (m for m in meta['Models'] if m['Results'])
    assert synocd['Results'][0]['Metrics']['defect IoU'] == 20.0
    with pytest.raises(SystemExit):
        leaderboard.parse_args(['--merge', str(tmp_path / 'missing.json')])


def test_model_index_lists_configs_that_exist_and_build(repo):
    index = yaml.safe_load(open(f'{repo}/model-index.yml'))
    configs = []
    for metafile in index['Import']:
        meta = yaml.safe_load(open(f'{repo}/{metafile}'))
        collections = {c['Name'] for c in meta['Collections']}
        for c in meta['Collections']:
            assert osp.exists(f'{repo}/{c["README"]}')
        for model in meta['Models']:
            assert model['In Collection'] in collections
            configs.append(model['Config'])
    assert len(configs) == 16  # 8 methods and baselines x 2 data sets
    init_default_scope('mmseg')
    for config in configs:
        model = MODELS.build(Config.fromfile(f'{repo}/{config}').model)
        assert sum(p.numel() for p in model.parameters()) > 0


def test_a_part_trains_tests_and_costs_one_method(repo, synlcd_root, tmp_path):
    out = tmp_path / 'out'
    results = tmp_path / 'results.json'

    def leaderboard(*extra):
        run = subprocess.run([
            sys.executable, 'tools/benchmarks/leaderboard.py', '--datasets',
            'synlcd', '--methods', 'SegFormer-B0', '--iters', '2',
            '--batch-size', '2', '--data', f'synlcd={synlcd_root}',
            '--work-dir',
            str(tmp_path / 'work'), '--results',
            str(results), '--out-root',
            str(out), *extra
        ],
                             cwd=repo,
                             capture_output=True,
                             text=True,
                             timeout=900)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]

    # Costs first (a quiet machine), training nothing.
    leaderboard('--cost-only')
    cost = tmp_path / 'work' / 'cost' / 'SegFormer-B0'
    speed = json.loads((cost / 'speed.json').read_text())
    assert speed['batch'] == 2
    assert not results.exists()
    assert not list((tmp_path / 'work').glob('synlcd/*/*/run'))
    # The part trains, tests and reuses the stored cost.
    leaderboard()
    stored = json.loads(results.read_text())
    (setting, synlcd), = stored['synlcd'].items()
    assert setting == 'iters2_batch2_lr0.0006_seed0'
    part = synlcd['parts']['SegFormer-B0']
    assert {
        'mIoU', 'defect.IoU', 'image/AP', 'train_seconds', 'train_threads'
    } <= set(part['metrics'])
    # The operating point from the validation's good images alone, tested
    # on a copy: the part keeps its own, and no second checkpoint is left.
    run_dir = tmp_path / 'work' / 'synlcd' / setting / 'SegFormer-B0' / 'run'
    assert 0 <= part['metrics']['good_only/false_call_rate'] <= 100
    assert 0 < part['metrics']['good_only/image_threshold'] < 1
    assert not list((run_dir / 'good_only').glob('*.pth'))
    record = json.loads((run_dir / 'calibration.json').read_text())
    assert record['rule'] == 'f1_max'
    assert part['counts']['params'] == pytest.approx(3.7e6, rel=0.01)
    assert part['speed']['train_s_per_iter'] == next(
        iter(speed['results'].values()))['train_s_per_iter']
    assert '| SegFormer-B0 | sample |' in (out / 'docs' /
                                           'leaderboard.md').read_text()
    # Generated data steps ran where missing (MFFPA's annotation files).
    assert (synlcd_root / 'splits' / 'train_nall.json').exists()


def test_step_against_macs_flags_slow_methods(report, board):
    base = fake_part(board, 'SegFormer-B0', 'synlcd', 12.5)
    cheap = fake_part(board, 'CADNet', 'synlcd', 30.0)
    cheap['counts'] = dict(cheap['counts'], macs=3.2e9)  # 2x the MACs
    cheap['speed'] = dict(cheap['speed'], train_s_per_iter=0.9)  # 1.8x
    slow = fake_part(board, 'BANet', 'synocd', 20.0)
    slow['speed'] = dict(slow['speed'], train_s_per_iter=1.0)  # 2x, same
    results = {
        'synlcd': {
            's':
            dict(budget={}, parts={
                'SegFormer-B0': base,
                'CADNet': cheap
            })
        },
        'synocd': {
            's': dict(budget={}, parts={'BANet': slow})
        }
    }
    table = report.step_against_macs(board, results)
    assert '| CADNet | 3.20 | 2.00 | 0.90 | 1.80 | 0.90 |' in table
    assert '| BANet | 1.60 | 1.00 | 1.00 | 2.00 | 2.00 (> 1.5: profiled' \
        in table
    assert 'SegFormer-B0 not measured' in report.step_against_macs(board, {})


def marked_block(text: str, marker: str) -> str:
    start = f'<!-- {marker}:start -->'
    assert start in text, marker
    return text.split(start, 1)[1].split(f'<!-- {marker}:end -->', 1)[0]


def test_the_stored_results_give_the_committed_documents(
        report, board, repo, tmp_path):
    """``--report-only`` on ``docs/leaderboard.json``: the tables, model zoo
    and metafiles are those committed (documents regenerated after every
    change of the results or of the report)."""
    results = report.load_results(f'{repo}/{report.RESULTS}')
    report.report(board, results, str(tmp_path))
    for document, marker in (('docs/leaderboard.md',
                              'leaderboard'), ('README.md', 'model-zoo'),
                             ('docs/benchmarks.md', 'step-against-macs')):
        new = marked_block((tmp_path / document).read_text(), marker)
        assert new == marked_block(open(f'{repo}/{document}').read(),
                                   marker), document
    for collection in board.collections.values():
        readme = f'{collection.folder}/README.md'
        assert marked_block((tmp_path / readme).read_text(),
                            'results-and-models') == marked_block(
                                open(f'{repo}/{readme}').read(),
                                'results-and-models'), readme
        metafile = f'{collection.folder}/metafile.yaml'
        assert (tmp_path / metafile
                ).read_text() == open(f'{repo}/{metafile}').read(), metafile
    assert (tmp_path / 'model-index.yml'
            ).read_text() == open(f'{repo}/model-index.yml').read()
    # Every stored run has its table, with the command that regenerates it.
    text = (tmp_path / 'docs' / 'leaderboard.md').read_text()
    for dataset_key, runs in results.items():
        for run in runs.values():
            assert (f'`{report.command(dataset_key, run["budget"])}`' in text)
            assert f'### {board.datasets[dataset_key].title}' in text
    for image in ('leaderboard_synlcd_iters300_batch4_lr0.0006_seed0.png',
                  'leaderboard_synocd_iters1000_batch4_lr0.0006_seed0_'
                  'crop128.png'):
        assert (tmp_path / 'docs' / 'images' / image).stat().st_size > 1000
