"""The GPU board (tools/benchmarks/gpu_board.sh and gpu_board.py): its plan,
its reading of the training logs, the stand-in for mmcv's compiled ops, and
a dry run of the whole script on the CPU."""
import importlib.util
import json
import os
import subprocess
import sys
import tarfile

import pytest


@pytest.fixture(scope='module')
def gpu_board(benchmarks):
    return benchmarks('gpu_board')


def test_the_budget_scales_the_cpu_boards_learning_rate_with_the_batch(
        gpu_board, benchmarks, repo):
    report = benchmarks('report')
    cpu = {
        key:
        report.main_run(report.load_results(f'{repo}/{report.RESULTS}'),
                        key)['budget']
        for key in ('synocd', 'synlcd')
    }
    settings = gpu_board.parse_args(
        ['--out', 'out', '--batch', 'synocd=64', '--iters', 'synlcd=500'])
    assert settings.reference == cpu
    assert settings.batch == dict(synocd=64, synlcd=16)
    for key in ('synocd', 'synlcd'):  # linear scaling rule
        assert settings.lr(key) == pytest.approx(
            cpu[key]['lr'] * settings.batch[key] / cpu[key]['batch_size'])
    # Ten times the CPU board's images.
    assert settings.target_iters('synocd') == -(
        -10 * cpu['synocd']['iters'] * cpu['synocd']['batch_size'] // 64)
    assert settings.iters == dict(synlcd=500)
    assert settings.train_crop['synocd'] == cpu['synocd']['train_crop']
    assert settings.device == 'cuda'
    with pytest.raises(SystemExit):
        gpu_board.parse_args(['--out', 'out', '--batch', 'kolektor=8'])
    with pytest.raises(SystemExit):
        gpu_board.parse_args(['--out', 'out', '--iters', 'synocd=many'])


def test_the_plan_fits_the_slowest_part_in_the_time_left(gpu_board):
    speeds = {
        'fast': dict(s_per_iter=0.2, startup_s=20.0),
        'slow': dict(s_per_iter=0.5, startup_s=30.0)
    }
    # slow: (400 - 60 - 30) / (0.5 x 1.1) = 563.6 -> 550 (a multiple of 50)
    assert gpu_board.plan_iterations(speeds, 400, 60) == (550, 'slow')
    assert gpu_board.plan_iterations(
        speeds, 400, 60, max_iters=300) == (300, 'slow')
    # Fewer than 50 fit: as many as fit (10 / 0.55); none: 0.
    assert gpu_board.plan_iterations(speeds, 100, 60) == (18, 'slow')
    assert gpu_board.plan_iterations(speeds, 50, 60)[0] == 0
    with pytest.raises(ValueError, match='no part of the data set'):
        gpu_board.plan_iterations({}, 400, 60)


def test_speeds_and_stops_come_from_the_training_logs(gpu_board, tmp_path):
    run = tmp_path / 'run'
    assert gpu_board.training_speed(str(run)) is None  # nothing logged yet
    (run / '20261204_120000' / 'vis_data').mkdir(parents=True)
    rows = [
        dict(lr=1e-3, time=2.0, data_time=0.5, iter=10, memory=900),
        dict(lr=1e-3, time=0.4, data_time=0.1, iter=20, memory=1000),
        dict(mIoU=50.0, step=20),  # a validation line: no lr
        dict(lr=1e-3, time=0.2, data_time=0.1, iter=30, memory=1000)
    ]
    cut = '{"lr": 0.001, "ti'  # the last line of a stopped training
    (run / '20261204_120000' / 'vis_data' /
     'scalars.json').write_text('\n'.join(json.dumps(r)
                                          for r in rows) + f'\n{cut}')
    speed = gpu_board.training_speed(str(run))
    # The first line holds the warm-up and is left out.
    assert speed['s_per_iter'] == pytest.approx(0.3)
    assert speed['data_s_per_iter'] == pytest.approx(0.1)
    assert (speed['last_iter'], speed['peak_mem_mb']) == (30, 1000)
    budget_runs = sys.modules['budget_runs']
    deadline = budget_runs.DeadlineError('tools/train.py was stopped')
    assert gpu_board.reached(str(run), 50, deadline) == (
        'stopped at the deadline in training at iteration 30 of 50')
    (run / 'trained.json').write_text('{}')
    assert gpu_board.reached(
        str(run), 50, RuntimeError()) == ('failed in the calibration or test')
    # A failure comes with the end of the log it names, warnings left out.
    log = run / 'test.log'
    log.write_text('loading\nUserWarning: noise\nTraceback\nKeyError: x\n')
    text = gpu_board.failure(RuntimeError(f'tools/test.py failed; see {log}'))
    assert text == (f'tools/test.py failed; see {log}\n    loading\n'
                    '    Traceback\n    KeyError: x')


def test_the_stand_in_for_mmcv_ops_imports_and_names_a_called_op(repo):
    spec = importlib.util.spec_from_file_location(
        'mmcv_ext', f'{repo}/tools/benchmarks/mmcv_ext.py')
    ext = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ext)
    assert 'without compiled ops' in ext.get_compiling_cuda_version()
    # mmcv's ext_loader checks that every op exists.
    assert hasattr(ext, 'nms') and hasattr(ext, 'roi_align_forward')
    assert not hasattr(ext, '__path__')  # not a package
    with pytest.raises(NotImplementedError, match='mmcv._ext.nms: '):
        ext.nms(None, None, iou_threshold=0.5)


def test_a_dry_run_of_the_whole_script_writes_a_board(benchmarks, repo,
                                                      tmp_path):
    """``gpu_board.sh --tiny`` on the CPU (about a minute and a half on two
    busy cores): data generated at 64 x 64, the methods alone, a probe of 2
    iterations, the plan, one method trained, calibrated and tested on both
    data sets side by side, the results in docs/leaderboard.json's
    format."""
    out = tmp_path / 'out'
    env = dict(os.environ, OUT=str(out), PYTHON=sys.executable)
    env.pop('WHEELS', None)  # this interpreter's packages
    run = subprocess.run([
        'bash', 'tools/benchmarks/gpu_board.sh', '--tiny', '--methods',
        'SegFormer-B0', '--data', f'synocd={tmp_path}/synocd',
        f'synlcd={tmp_path}/synlcd', '--work-dir', f'{tmp_path}/work'
    ],
                         cwd=repo,
                         env=env,
                         capture_output=True,
                         text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert sorted(os.listdir(out)) == [
        'gpu_board.json', 'logs.tar.gz', 'run.log', 'summary.txt'
    ]  # no nvidia-smi here: no gpu.csv
    board = json.loads((out / 'gpu_board.json').read_text())
    assert set(board) == {'synocd', 'synlcd'}
    (setting, synocd), = board['synocd'].items()
    assert setting == 'gpu_iters2_batch2_lr0.0003_seed0_crop32'
    assert synocd['budget']['reference']['batch_size'] == 4
    assert synocd['budget']['side_by_side'] == 2
    for runs in board.values():
        (run_, ) = runs.values()
        part = run_['parts']['SegFormer-B0']
        assert 'unfinished' not in run_
        metrics = part['metrics']
        assert {
            'defect.IoU', 'defect.IoU@0.5', 'defect.F1@0.5', 'defect.AUPRO',
            'calibration/pixel_threshold', 'train_seconds'
        } <= set(metrics)
        assert 0 < metrics['calibration/pixel_threshold'] < 1
        speed = part['speed']
        assert speed['device'] == 'cpu' and speed['batch'] == 2
        assert speed['train_img_per_s'] > 0
        assert speed['infer_img_per_s'] > 0
        assert speed['alone_shape'] == [64, 64]
        assert os.path.exists(f'{repo}/{part["trained_config"]}')
    summary = (out / 'summary.txt').read_text()
    assert 'linear scaling rule: lr = lr_cpu x batch / batch_cpu' in summary
    assert 'synocd: probe of 2 iterations, 2 parts side by side' in summary
    assert 'BELOW the 10 x target' in summary  # 2 iterations, stated
    assert 'SegFormer-B0        training ' in summary  # alone on the device
    with tarfile.open(out / 'logs.tar.gz') as tar:
        names = tar.getnames()
    assert 'gpu_board/board/synlcd/SegFormer-B0/run/test.log' in names
    assert not [n for n in names if n.endswith('.pth')]
    # The board renders beside the CPU one.
    report = benchmarks('report')
    report.report(benchmarks('board').load_board(), board, str(tmp_path))
    text = (tmp_path / 'docs' / 'leaderboard.md').read_text()
    assert text.count('(GPU board)') == 2
    assert '| SegFormer-B0 | sample |' in text
