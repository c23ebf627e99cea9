from types import SimpleNamespace

import pytest
import torch
from mmseg.structures import SegDataSample

from mmdefect.engine.hooks import InvalidLossHook


def test_invalid_loss_names_terms_iteration_and_images():
    hook = InvalidLossHook()
    sample = SegDataSample(metainfo=dict(img_path='data/x/bad_0.png'))
    runner = SimpleNamespace(iter=41)
    outputs = dict(
        loss=torch.tensor(float('nan')),
        **{
            'decode.loss_ce': torch.tensor(0.5),
            'aux.loss_bcl': torch.tensor(float('inf'))
        })
    with pytest.raises(FloatingPointError) as err:
        hook.after_train_iter(runner, 0, dict(data_samples=[sample]), outputs)
    msg = str(err.value)
    assert 'iteration 42' in msg and 'aux.loss_bcl' in msg
    assert 'bad_0.png' in msg and 'decode.loss_ce' not in msg
    hook.after_train_iter(runner, 0, None, dict(loss=torch.tensor(1.0)))
