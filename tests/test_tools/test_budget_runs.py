"""The runner of budgeted parts (tools/benchmarks/budget_runs.py) and the
ablation runner built on it."""
import json
import os
import time

import pytest
from mmengine.config import Config


@pytest.fixture(scope='module')
def budget_runs(benchmarks):
    return benchmarks('budget_runs')


def test_budget_options(budget_runs):
    options = budget_runs.budget_options(
        budget_runs.Budget(iters=300, batch_size=4))
    assert options['train_cfg.max_iters'] == 300
    assert options['train_dataloader.batch_size'] == 4
    # No validation, not even mmengine's after the last iteration.
    assert options['train_cfg.val_interval'] == 301
    assert options['train_cfg.val_begin'] == 301
    assert options['default_hooks.checkpoint.interval'] == 300
    # No budget: the config's own schedule and batch.
    assert budget_runs.budget_options(budget_runs.Budget()) == {}


def test_a_budget_checks_its_arguments(budget_runs):
    with pytest.raises(ValueError, match='needs its iterations'):
        budget_runs.Budget(lr=1e-3)
    with pytest.raises(ValueError, match="'cpu' or 'cuda'"):
        budget_runs.Budget(iters=10, device='gpu')
    assert budget_runs.Budget(device='cpu').resolved_device() == 'cpu'


def test_finished_runs_are_reused(budget_runs, tmp_path):
    work = tmp_path / 'done'
    work.mkdir()
    (work / 'metrics.json').write_text(json.dumps({'defect.IoU': 12.5}))
    # Nothing is trained: the config does not even exist.
    assert budget_runs.train_and_test('missing.py', str(work)) == {
        'defect.IoU': 12.5
    }


def fake_tools(monkeypatch, budget_runs, calls, calibrates=True):
    """Replaces the training, calibration and testing processes: training
    leaves a checkpoint, calibration its record beside it (or fails; the
    ``fpr`` rule sets an image threshold only), testing a metrics file."""

    def fake_run_tool(args, log, device='cpu', deadline=None):
        calls.append((args, device))
        work_dir = args[args.index('--work-dir') + 1]
        if args[0] == 'tools/train.py':
            with open(f'{work_dir}/iter_2.pth', 'wb') as f:
                f.write(b'weights')
            with open(f'{work_dir}/last_checkpoint', 'w') as f:
                f.write(f'{work_dir}/iter_2.pth')
        elif args[0] == 'tools/calibrate.py':
            if not calibrates:
                raise RuntimeError(f'{args[0]} failed; see {log}')
            if args[args.index('--rule') + 1] == 'fpr':
                record = dict(
                    rule='fpr', pixel=None, image=dict(threshold=0.7))
            else:
                record = dict(
                    rule='f1_max', pixel=dict(threshold=0.3), image=None)
            with open(
                    os.path.join(os.path.dirname(args[2]), 'calibration.json'),
                    'w') as f:
                json.dump(record, f)
        elif args[0] == 'tools/test.py':
            out = f'{work_dir}/20261204_000000'
            os.makedirs(out, exist_ok=True)
            with open(f'{out}/metrics.json', 'w') as f:
                json.dump(
                    {
                        'defect.IoU': 12.5,
                        'defect.AP_pixel': 30.0,
                        'image/false_calls_per_1000': 40.0
                    }, f)

    monkeypatch.setattr(budget_runs, 'run_tool', fake_run_tool)


def test_a_forgotten_test_runs_again_without_training(budget_runs, tmp_path,
                                                      monkeypatch):
    # A run finished before trained.json existed: its metrics hold the
    # training time.
    work = tmp_path / 'run'
    work.mkdir()
    (work / 'metrics.json').write_text(
        json.dumps({
            'defect.IoU': 12.5,
            'train_seconds': 300.0,
            'train_threads': 2
        }))
    (work / 'last_checkpoint').write_text(str(work / 'iter_300.pth'))
    calls = []
    fake_tools(monkeypatch, budget_runs, calls)
    budget_runs.forget_test(str(work))
    assert not (work / 'metrics.json').exists()
    assert json.loads((work / 'trained.json').read_text()) == {
        'train_seconds': 300.0,
        'train_threads': 2
    }
    metrics = budget_runs.train_and_test('config.py', str(work))
    # Not trained; calibrated on the validation split, then tested.
    assert [args[0]
            for args, _ in calls] == ['tools/calibrate.py', 'tools/test.py']
    assert calls[0][0][1:] == [
        'config.py',
        str(work / 'iter_300.pth'), '--rule', 'f1_max', '--split', 'val',
        '--work-dir',
        str(work / 'calibrate')
    ]
    assert metrics == {
        'defect.IoU': 12.5,
        'defect.AP_pixel': 30.0,
        'image/false_calls_per_1000': 40.0,
        'train_seconds': 300.0,
        'train_threads': 2,
        'calibration/pixel_threshold': 0.3  # the image level had none
    }
    assert json.loads((work / 'metrics.json').read_text()) == metrics
    # Forgotten again: calibrated again (the record beside the checkpoint
    # goes with the test).
    budget_runs.forget_test(str(work))
    assert not (work / 'calibration.json').exists()
    budget_runs.forget_test(str(tmp_path / 'never_run'))  # nothing to forget


def test_a_failed_calibration_still_tests_at_half(budget_runs, tmp_path,
                                                  monkeypatch, capsys):
    calls = []
    fake_tools(monkeypatch, budget_runs, calls, calibrates=False)
    work = tmp_path / 'run'
    metrics = budget_runs.train_and_test('config.py', str(work))
    assert [args[0] for args, _ in calls
            ] == ['tools/train.py', 'tools/calibrate.py', 'tools/test.py']
    assert 'calibration/pixel_threshold' not in metrics
    assert metrics['defect.IoU'] == 12.5
    assert 'calibration failed, the test decides at 0.5; see ' \
        f'{work}/calibrate.log' in capsys.readouterr().out


def test_a_good_images_only_point_is_checked_on_a_copy(budget_runs, tmp_path,
                                                       monkeypatch):
    calls = []
    fake_tools(monkeypatch, budget_runs, calls)
    work = tmp_path / 'run'
    metrics = budget_runs.train_and_test(
        'config.py', str(work), good_only=True)
    assert [args[0] for args, _ in calls] == [
        'tools/train.py', 'tools/calibrate.py', 'tools/test.py',
        'tools/calibrate.py', 'tools/test.py'
    ]
    copy = str(work / 'good_only' / 'iter_2.pth')
    assert calls[3][0][1:] == [
        'config.py', copy, '--rule', 'fpr', '--target', '0.05', '--split',
        'val', '--work-dir',
        str(work / 'good_only' / 'calibrate')
    ]
    assert calls[4][0][2] == copy
    # The part keeps its own point; the copy of the weights is gone.
    assert metrics['calibration/pixel_threshold'] == 0.3
    assert metrics['good_only/image_threshold'] == 0.7
    assert metrics['good_only/false_call_rate'] == 4.0  # 40 per 1,000
    assert not os.path.exists(copy)
    assert (work / 'iter_2.pth').exists()
    # A part finished without the check gains it, untrained and untested.
    done = json.loads((work / 'metrics.json').read_text())
    for key in ('good_only/image_threshold', 'good_only/false_call_rate'):
        done.pop(key)
    (work / 'metrics.json').write_text(json.dumps(done))
    calls.clear()
    assert budget_runs.train_and_test(
        'config.py', str(work), good_only=True) == metrics
    assert [args[0]
            for args, _ in calls] == ['tools/calibrate.py', 'tools/test.py']
    calls.clear()
    budget_runs.train_and_test('config.py', str(work), good_only=True)
    assert calls == []


def test_a_tool_past_its_deadline_is_stopped(budget_runs, tmp_path):
    log = tmp_path / 'sleep.log'
    start = time.time()
    with pytest.raises(budget_runs.DeadlineError, match='sleep.log'):
        budget_runs.run_tool([
            '-c', 'import time; print("started", flush=True); '
            'time.sleep(60)'
        ],
                             str(log),
                             deadline=time.time() + 3)
    assert time.time() - start < 20
    assert log.read_text().startswith('started')
    with pytest.raises(RuntimeError, match='failed; see'):
        budget_runs.run_tool(['-c', 'raise SystemExit(3)'], str(log))


def test_the_ablation_runner_trains_every_row_at_one_budget(
        benchmarks, budget_runs, repo, tmp_path, monkeypatch):
    calls = []
    fake_tools(monkeypatch, budget_runs, calls)
    readme = tmp_path / 'README.md'
    readme.write_text('# Ablation\n')
    work = tmp_path / 'work'
    benchmarks('ablation').main([
        f'{repo}/configs/banet/banet_r34_synocd-256.py',
        f'{repo}/configs/lsanet/lsanet_synlcd-256.py', '--names', 'S1', 'L',
        '--iters', '20', '--batch-size', '2', '--train-crop', '32', '--device',
        'cpu', '--data-root', 'data/tiny', '--work-dir',
        str(work), '--cfg-options', 'optim_wrapper.optimizer.lr=1e-4',
        '--readme',
        str(readme), '--marker', 'rows'
    ])
    trained = [args[1] for args, _ in calls if args[0] == 'tools/train.py']
    assert [args[1] for args, _ in calls if args[0] == 'tools/test.py'
            ] == trained  # the same file
    assert {device for _, device in calls} == {'cpu'}
    banet, lsanet = (Config.fromfile(path) for path in trained)
    assert trained[1].endswith('lsanet_synlcd-256_iters_train-crop32.py')
    for cfg in (banet, lsanet):
        assert cfg.train_cfg.max_iters == 20
        assert cfg.train_dataloader.batch_size == 2
        assert cfg.optim_wrapper.optimizer.lr == 1e-4  # on top of the budget
        assert cfg.test_dataloader.dataset.data_root == 'data/tiny'
        pipeline = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
        assert pipeline[pipeline.index('LoadDefectAnnotations') +
                        1] == 'RandomCrop'
    # The config's own optimiser: only the budget's keys and the options.
    assert banet.optim_wrapper.optimizer.type == Config.fromfile(
        f'{repo}/configs/banet/banet_r34_synocd-256.py'
    ).optim_wrapper.optimizer.type
    text = readme.read_text()
    assert text.startswith('# Ablation\n\n<!-- rows:start -->\nMeasured with '
                           '`tools/benchmarks/ablation.py --iters 20 '
                           '--batch-size 2 --train-crop 32 --cfg-options '
                           'optim_wrapper.optimizer.lr=1e-4` (')
    assert '| S1 | 12.50 |' in text and '| L | 12.50 |' in text
    # The config's own seed (no --seeds).
    assert json.loads(
        (work /
         'results.json').read_text())['L']['config']['defect.IoU'] == 12.5
    # Finished rows are reused.
    calls.clear()
    benchmarks('ablation').main([
        f'{repo}/configs/banet/banet_r34_synocd-256.py', '--names', 'S1',
        '--work-dir',
        str(work)
    ])
    assert calls == []


def test_claim_verdicts_on_hand_computed_seeds(benchmarks):
    verdict = benchmarks('ablation').verdict
    # Means 11 and 6, sample std 1 each: the difference 5 exceeds 1 + 1.
    high, low = {0: 10.0, 1: 11.0, 2: 12.0}, {0: 5.0, 1: 6.0, 2: 7.0}
    assert verdict(
        '>', high,
        low) == ("holds beyond the seeds' spread (above in 3 of 3 seeds)")
    assert verdict(
        '>', low,
        high) == ("reversed beyond the seeds' spread (above in 0 of 3 seeds)")
    # Means 12 and 11, std 2 and sqrt(7): 1 <= 4.65; seed 2 is a tie.
    a, b = {0: 10.0, 1: 12.0, 2: 14.0}, {0: 9.0, 1: 10.0, 2: 14.0}
    assert verdict(
        '>', a,
        b) == ("within the seeds' spread: not shown (above in 2 of 3 seeds)")
    assert verdict('~', a, b) == "holds: within the seeds' spread"
    assert verdict(
        '~', low,
        high) == ("does not hold: below by more than the seeds' spread")
    # Only the seeds both rows have are compared.
    assert verdict('>', {**high, 7: 0.0}, low).endswith('3 of 3 seeds)')


def test_seeded_ablation_gives_mean_std_and_the_claim(benchmarks, repo,
                                                      tmp_path, capsys):
    ablation = benchmarks('ablation')
    work = tmp_path / 'work'
    iou = {'full': (10.0, 11.0, 12.0), 'base': (5.0, 6.0, 7.0)}
    for name, values in iou.items():
        for seed, value in enumerate(values):
            run = work / f'seed{seed}' / name
            run.mkdir(parents=True)
            # Finished runs are reused: nothing trains.
            (run / 'metrics.json').write_text(
                json.dumps({
                    'defect.IoU': value,
                    'defect.F1': 2 * value,
                    'IoU.line': value - seed,
                    'train_seconds': 60.0 * (seed + 1)
                }))
    readme, board = tmp_path / 'README.md', tmp_path / 'leaderboard.md'
    config = f'{repo}/configs/bgnet/bgnet_r34_synocd-256.py'
    ablation.main([
        config, config, '--names', 'full', 'base', '--iters', '20', '--seeds',
        '0', '1', '2', '--work-dir',
        str(work), '--claim', 'full>base', 'full~base', '--title',
        'BGNet Table 1', '--claim-metric', 'defect.IoU', 'IoU.line',
        '--columns', 'IoU.line', '--readme',
        str(readme), '--summary',
        str(board), '--marker', 'claim'
    ])
    # Every seed's config carries its seed.
    for seed in range(3):
        cfg = Config.fromfile(work / f'seed{seed}' / 'bgnet_r34_synocd-256.py')
        assert cfg.randomness.seed == seed
    text = readme.read_text()
    assert '--seeds 0 1 2' in text and 'over 3 seeds' in text
    # IoU.line of full: 10, 10, 10; of base: 5, 5, 5.
    assert ('| full | 22.00 ± 2.00 | 11.00 ± 1.00 | 10.00 ± 0.00 | 10.00 / '
            '11.00 / '
            '12.00 | 2.0 min |') in text
    assert '| model | F1 | IoU | IoU.line | defect.IoU per seed |' in text
    assert ("* full > base (IoU.line): 10.00 ± 0.00 against 5.00 ± 0.00: "
            "holds beyond the seeds' spread (above in 3 of 3 seeds)") in text
    assert ("* full > base (defect.IoU): 11.00 ± 1.00 against 6.00 ± 1.00: "
            "holds beyond the seeds' spread (above in 3 of 3 seeds)") in text
    assert ("* full ~ base (defect.IoU): 11.00 ± 1.00 against 6.00 ± 1.00: "
            "does not hold: above by more than the seeds' spread") in text
    summary = board.read_text()
    # The link is relative to the document that holds the summary.
    assert f'**BGNet Table 1** (table: [{readme}](README.md))' in summary
    assert "holds beyond the seeds' spread" in summary
    stored = json.loads((work / 'results.json').read_text())
    assert stored['base']['2']['defect.IoU'] == 7.0
    assert 'holds beyond' in capsys.readouterr().out


def test_a_results_file_joins_seeds_run_in_other_work_dirs(
        benchmarks, budget_runs, repo, tmp_path, monkeypatch):
    ablation = benchmarks('ablation')
    calls = []
    fake_tools(monkeypatch, budget_runs, calls)
    results = tmp_path / 'claims.json'
    config = f'{repo}/configs/bgnet/bgnet_r34_synocd-256.py'

    def finished(work, seed, values):
        for name, value in values.items():
            run = work / f'seed{seed}' / name
            run.mkdir(parents=True)
            (run / 'metrics.json').write_text(
                json.dumps({
                    'defect.IoU': value,
                    'train_seconds': 60.0
                }))

    def claim(work, *extra):
        ablation.main([
            config, config, '--names', 'full', 'base', '--iters', '20',
            '--seeds', *extra, '--work-dir',
            str(work), '--claim', 'full>base', '--results',
            str(results), '--marker', 'claim'
        ])

    # Session 1 runs seed 0; session 2 (a new work dir) seeds 1 and 2.
    finished(tmp_path / 'one', 0, {'full': 10.0, 'base': 5.0})
    claim(tmp_path / 'one', '0')
    two = tmp_path / 'two'
    finished(two, 1, {'full': 11.0, 'base': 6.0})
    finished(two, 2, {'full': 12.0, 'base': 7.0})
    claim(two, '0', '1', '2')
    assert calls == []  # seed 0 came from the results file
    joined = json.loads((two / 'results.json').read_text())
    assert [joined['full'][s]['defect.IoU']
            for s in '012'] == [10.0, 11.0, 12.0]
    stored = json.loads(results.read_text())['claim']
    assert sorted(stored['base']) == ['0', '1', '2']
    run = stored['base']['0']
    assert run['budget'] == {
        'config': 'configs/bgnet/bgnet_r34_synocd-256.py',
        'iters': 20,
        'batch_size': 4,
        'train_crop': None,
        'cfg_options': [],
        'data_root': None
    }
    assert run['metrics']['defect.IoU'] == 5.0 and run['machine']
    # Another budget does not take the stored runs: seed 0 trains again
    # (the fake test gives 12.5) and replaces them.
    ablation.main([
        config, '--names', 'base', '--iters', '30', '--seeds', '0',
        '--work-dir',
        str(tmp_path / 'three'), '--results',
        str(results), '--marker', 'claim'
    ])
    assert [args[0] for args, _ in calls][0] == 'tools/train.py'
    run = json.loads(results.read_text())['claim']['base']['0']
    assert run['budget']['iters'] == 30
    assert run['metrics']['defect.IoU'] == 12.5
    # The board's recipe (--lr) is another budget too, and reaches the
    # config that trains.
    calls.clear()
    ablation.main([
        config, '--names', 'base', '--iters', '30', '--seeds', '0', '--lr',
        '0.0006', '--work-dir',
        str(tmp_path / 'four'), '--results',
        str(results), '--marker', 'claim'
    ])
    trained = Config.fromfile(calls[0][0][1])
    assert trained.optim_wrapper.optimizer.type == 'AdamW'
    assert trained.optim_wrapper.optimizer.lr == 0.0006
    run = json.loads(results.read_text())['claim']['base']['0']
    assert run['budget']['lr'] == 0.0006
    results.write_text('{"claim": ')  # cut off
    with pytest.raises(ValueError, match='claims.json is not a results'):
        claim(two, '0')


def test_a_claim_names_rows(benchmarks):
    ablation = benchmarks('ablation')
    for claim in ('full>other', 'full>base~full', 'full'):
        with pytest.raises(SystemExit):
            ablation.parse_args([
                'a.py', 'b.py', '--names', 'full', 'base', '--work-dir', 'w',
                '--claim', claim
            ])
    with pytest.raises(SystemExit):  # verdicts need a claim
        ablation.parse_args(
            ['a.py', '--work-dir', 'w', '--summary', 'board.md'])


def test_marked_block_is_replaced_in_place(benchmarks, tmp_path):
    write_marked_block = benchmarks('report').write_marked_block
    readme = tmp_path / 'README.md'
    readme.write_text('# Title\n\nbefore\n')
    write_marked_block(str(readme), 'bench', 'table 1')
    write_marked_block(str(readme), 'bench', 'table 2')
    text = readme.read_text()
    assert text.startswith('# Title\n\nbefore\n')
    assert text.count('<!-- bench:start -->') == 1
    assert 'table 2' in text and 'table 1' not in text
    assert list(tmp_path.iterdir()) == [readme]
