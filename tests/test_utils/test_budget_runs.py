"""Shared helpers of the benchmark scripts."""
import json

from mmdefect.utils.budget_runs import (budget_options, train_and_test,
                                        write_marked_block)


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
