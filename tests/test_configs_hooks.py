"""Hooks come from the configs: every training config keeps the hooks of
``configs/_base_/default_runtime.py``, whatever custom hooks it adds, since
``tools/train.py`` adds none."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
    if '_base_' not in p)


@pytest.mark.parametrize('name', CONFIGS)
def test_training_configs_keep_the_runtime_hooks(name):
    cfg = Config.fromfile(osp.join(REPO, name))
    if 'train_cfg' not in cfg:
        pytest.skip('not a training config')
    types = [hook['type'] for hook in cfg.get('custom_hooks', [])]
    # A resumed training draws the dropout masks of an uninterrupted one.
    assert types.count('TorchRandomStateHook') == 1, types
    # A NaN or infinite loss stops the run with the iteration.
    assert types.count('InvalidLossHook') == 1, types
