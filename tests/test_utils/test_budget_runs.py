"""Shared helpers of the benchmark scripts."""
import json

from mmdefect.utils import budget_runs
from mmdefect.utils.budget_runs import (budget_options, forget_test,
                                        train_and_test, write_marked_block)


def test_budget_options():
    options = budget_options(300, 4)
    assert 'train_cfg.max_iters=300' in options
    assert 'train_dataloader.batch_size=4' in options
    assert 'train_cfg.val_interval=301' in options  # no validation
    assert 'default_hooks.checkpoint.interval=300' in options


def test_finished_runs_are_reused(tmp_path):
    work = tmp_path / 'done'
    work.mkdir()
    (work / 'metrics.json').write_text(json.dumps({'defect.IoU': 12.5}))
    # Nothing is trained: the config does not even exist.
    assert train_and_test('missing.py', str(work)) == {'defect.IoU': 12.5}


def test_a_forgotten_test_runs_again_without_training(tmp_path, monkeypatch):
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
    tools = []

    def fake_run_tool(args, log):
        tools.append(args[0])
        if args[0] == 'tools/test.py':
            out = work / 'test' / '20261204_000000'
            out.mkdir(parents=True)
            (out / 'metrics.json').write_text(
                json.dumps({
                    'defect.IoU': 12.5,
                    'defect.AP_pixel': 30.0
                }))

    monkeypatch.setattr(budget_runs, 'run_tool', fake_run_tool)
    forget_test(str(work))
    assert not (work / 'metrics.json').exists()
    assert json.loads((work / 'trained.json').read_text()) == {
        'train_seconds': 300.0,
        'train_threads': 2
    }
    metrics = train_and_test('config.py', str(work))
    assert tools == ['tools/test.py']  # tested again, not trained
    assert metrics == {
        'defect.IoU': 12.5,
        'defect.AP_pixel': 30.0,
        'train_seconds': 300.0,
        'train_threads': 2
    }
    assert json.loads((work / 'metrics.json').read_text()) == metrics
    forget_test(str(tmp_path / 'never_run'))  # nothing to forget


def test_marked_block_is_replaced_in_place(tmp_path):
    readme = tmp_path / 'README.md'
    readme.write_text('# Title\n\nbefore\n')
    write_marked_block(str(readme), 'bench', 'table 1')
    write_marked_block(str(readme), 'bench', 'table 2')
    text = readme.read_text()
    assert text.startswith('# Title\n\nbefore\n')
    assert text.count('<!-- bench:start -->') == 1
    assert 'table 2' in text and 'table 1' not in text
    assert list(tmp_path.iterdir()) == [readme]
