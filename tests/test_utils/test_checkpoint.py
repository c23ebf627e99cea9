"""Runner checkpoints load under torch's safe (weights_only) loader."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import mmdefect  # noqa: F401  (allow-lists the checkpoint globals)


class _Sneaky:
    """Pickles as getattr(HistoryBuffer, '__init__'): not a statistic."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


def test_message_hub_state_loads_with_weights_only(tmp_path):
    hub = MessageHub.get_instance('mmdefect-test')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/loss', np.float64(0.25))
    hub.update_info('meta', dict(seed=np.int64(3), arr=np.arange(3)))
    state = dict(message_hub=hub.state_dict(), weight=torch.ones(2))
    torch.save(state, tmp_path / 'ckpt.pth')
    loaded = torch.load(tmp_path / 'ckpt.pth')  # default: weights_only=True
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(0.375)
    assert buffer.statistics('min') == pytest.approx(0.25)


def test_other_getattr_lookups_stay_forbidden(tmp_path):
    torch.save(dict(x=_Sneaky()), tmp_path / 'bad.pth')
    with pytest.raises(pickle.UnpicklingError, match='__init__'):
        torch.load(tmp_path / 'bad.pth')
