"""Runner checkpoints load under torch's safe (weights_only) loader once
``setup_runtime`` ran (tests/conftest.py calls it, as the tools do);
importing mmdefect alone changes nothing in mmengine, torch or the warning
filters."""
import json
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

# Run in a fresh interpreter: the state of mmengine's local checkpoint
# loader and of torch's safe globals before and after a config with
# ``custom_imports=['mmdefect']`` is read and built as mmseg's own tools do,
# after ``setup_runtime()``, and whether a message hub's state then loads
# with weights_only.
IMPORT_PROBE = """
import json
import sys
import warnings

import numpy as np
import torch
import torch._dynamo  # noqa: F401  (allow-lists its own class on import)
from mmengine.config import Config
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader


def state():
    return dict(loader=repr(CheckpointLoader._schemes['']),
                safe=sorted(map(repr, torch.serialization.get_safe_globals())),
                warnings=[repr(f) for f in warnings.filters
                          if str(getattr(f[3], 'pattern', f[3]))[:2] == 'mm'])


before = state()
cfg = Config.fromfile(sys.argv[2])  # imports mmdefect (custom_imports)
from mmseg.registry import MODELS  # noqa: E402
from mmseg.utils import register_all_modules  # noqa: E402
register_all_modules()
model = MODELS.build(cfg.model)
imported = state()
hub = MessageHub.get_instance('probe')
hub.update_scalar('train/loss', np.float64(0.25))
torch.save(dict(message_hub=hub.state_dict()), sys.argv[1])
try:
    torch.load(sys.argv[1])
    loads_before = True
except Exception:
    loads_before = False
from mmdefect.utils import setup_runtime  # noqa: E402
setup_runtime()
setup_runtime()  # a second call changes nothing more
after = state()
buffer = torch.load(sys.argv[1])['message_hub']['log_scalars']['train/loss']
print(json.dumps(dict(
    before=before, imported=imported, after=after, built=type(model).__name__,
    loads_before=loads_before, loads_after=isinstance(buffer, HistoryBuffer))))
"""


def test_import_changes_nothing_until_setup_runtime(repo, tmp_path):
    run = subprocess.run([
        sys.executable, '-c', IMPORT_PROBE,
        str(tmp_path / 'hub.pth'), 'configs/cadnet/cadnet_synlcd-quickstart.py'
    ],
                         cwd=repo,
                         capture_output=True,
                         text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result['built'] == 'SiameseEncoderDecoder'
    assert result['imported'] == result['before']
    assert not result['loads_before']
    assert 'read_local_checkpoint' in result['after']['loader']
    assert 'read_local_checkpoint' not in result['before']['loader']
    assert any('HistoryBuffer' in g for g in result['after']['safe'])
    assert not any('HistoryBuffer' in g for g in result['before']['safe'])
    assert result['loads_after']
    assert not result['before']['warnings']
    assert any('build_loss' in f for f in result['after']['warnings'])


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
