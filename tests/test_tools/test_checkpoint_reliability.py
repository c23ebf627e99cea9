"""Long runs: a training killed by SIGKILL and resumed ends with the weights
of one never interrupted; unusable checkpoints stop every tool with the
file's name."""
import os
import subprocess
import sys

import pytest
import torch

QUICK = 'configs/cadnet/cadnet_synlcd-quickstart.py'

# A hook that kills its own process with SIGKILL (no cleanup, no atexit)
# right after an iteration, once the checkpoint hook has run.
KILLER = """
import os
import signal

from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class KillAfterIteration(Hook):
    priority = 'LOWEST'

    def __init__(self, iteration):
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)
"""


def config(repo, tmp_path, data_root, name, kill_after=None):
    """The CADNet quickstart on the tiny pairs: dropout and drop path on
    (random masks every iteration), random flips, a fixed seed."""
    # The runtime's hooks (TorchRandomStateHook among them) are kept.
    hooks = '_base_.custom_hooks'
    imports = ''
    if kill_after is not None:
        (tmp_path / 'killer.py').write_text(KILLER)
        hooks = ('[*_base_.custom_hooks, '
                 f"dict(type='KillAfterIteration', iteration={kill_after})]")
        imports = ("custom_imports = dict(imports=['mmdefect', 'killer'], "
                   'allow_failed_imports=False)')
    path = tmp_path / f'{name}.py'
    path.write_text(f"""
_base_ = '{repo}/{QUICK}'
{imports}
data_root = '{data_root}'
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root))
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
randomness = dict(seed=0, deterministic=True)
train_cfg = dict(max_iters=6, val_interval=100)
custom_hooks = {hooks}
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, max_keep_ckpts=5))
""")
    return str(path)


def train(repo, tmp_path, cfg, work, *extra):
    env = dict(os.environ, PYTHONPATH=f'{tmp_path}:{repo}')
    return subprocess.run([
        sys.executable, 'tools/train.py', cfg, '--work-dir',
        str(work), *extra
    ],
                          cwd=repo,
                          capture_output=True,
                          text=True,
                          env=env,
                          timeout=600)


def weights(path):
    return torch.load(path, map_location='cpu')['state_dict']


def test_sigkill_then_resume_ends_with_the_uninterrupted_weights(
        repo, paired_root, tmp_path):
    straight = tmp_path / 'straight'
    done = train(repo, tmp_path, config(repo, tmp_path, paired_root,
                                        'straight'), straight)
    assert done.returncode == 0, done.stderr[-3000:]

    killed = tmp_path / 'killed'
    run = train(repo, tmp_path,
                config(repo, tmp_path, paired_root, 'killed', kill_after=3),
                killed)
    assert run.returncode == -9  # SIGKILL after iteration 3
    assert (killed / 'iter_2.pth').exists()
    assert not (killed / 'iter_4.pth').exists()
    resumed = train(repo, tmp_path,
                    config(repo, tmp_path, paired_root, 'resumed'), killed,
                    '--resume')
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert 'resumed epoch: 0, iter: 2' in resumed.stdout + resumed.stderr

    a, b = weights(straight / 'iter_6.pth'), weights(killed / 'iter_6.pth')
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=0, atol=1e-6)
    # The weights moved: the comparison is not between two initialisations.
    first = weights(straight / 'iter_2.pth')
    assert any(not torch.equal(first[k], a[k]) for k in a
               if a[k].is_floating_point())


@pytest.fixture(scope='module')
def trained(repo, paired_root, tmp_path_factory):
    """A CADNet trained 2 iterations: its config and checkpoint."""
    tmp_path = tmp_path_factory.mktemp('trained')
    cfg = config(repo, tmp_path, paired_root, 'short')
    with open(cfg, 'a') as f:
        f.write('train_cfg = dict(max_iters=2, val_interval=100)\n')
    run = train(repo, tmp_path, cfg, tmp_path / 'work')
    assert run.returncode == 0, run.stderr[-3000:]
    return cfg, tmp_path / 'work' / 'iter_2.pth'


def bad_checkpoints(checkpoint, tmp_path):
    """A truncated copy and the weights of another model (BANet-sized
    tensors under other names)."""
    data = checkpoint.read_bytes()
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(data[:len(data) // 2])
    foreign = tmp_path / 'foreign.pth'
    torch.save(
        dict(
            meta=dict(),
            state_dict={'stm.localisation.0.weight': torch.zeros(8, 3)}),
        foreign)
    return {'truncated': truncated, 'foreign': foreign}


@pytest.mark.parametrize('kind', ['truncated', 'foreign'])
def test_tools_name_an_unusable_checkpoint(repo, trained, tmp_path, kind):
    cfg, checkpoint = trained
    bad = bad_checkpoints(checkpoint, tmp_path)[kind]
    expected = ('cannot be read'
                if kind == 'truncated' else 'does not fit the')

    test = subprocess.run([
        sys.executable, 'tools/test.py', cfg,
        str(bad), '--work-dir',
        str(tmp_path / 'test')
    ],
                          cwd=repo,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert test.returncode != 0
    assert str(bad) in test.stderr and expected in test.stderr

    # --resume picks the latest checkpoint of the work dir.
    work = tmp_path / 'resume'
    work.mkdir()
    (work / 'iter_2.pth').write_bytes(bad.read_bytes())
    (work / 'last_checkpoint').write_text(str(work / 'iter_2.pth'))
    resume = train(repo, tmp_path, cfg, work, '--resume')
    assert resume.returncode != 0
    assert 'iter_2.pth' in resume.stderr and expected in resume.stderr

    load = train(repo, tmp_path, cfg, tmp_path / 'load', '--cfg-options',
                 f'load_from={bad}')
    assert load.returncode != 0
    assert str(bad) in load.stderr and expected in load.stderr

    from mmdefect.apis import init_model
    from mmdefect.utils import CheckpointError
    with pytest.raises(CheckpointError, match=expected) as error:
        init_model(cfg, str(bad))
    assert str(bad) in str(error.value)


def test_load_from_accepts_a_partial_checkpoint(repo, trained, tmp_path):
    """Fine-tuning: load_from may lack a head (or hold one of another
    shape); only a checkpoint sharing nothing with the model is refused."""
    from mmengine.config import Config
    from mmseg.registry import MODELS

    from mmdefect.utils import CheckpointError, check_weights
    cfg, checkpoint = trained
    model = MODELS.build(Config.fromfile(cfg).model)
    full = torch.load(checkpoint, map_location='cpu')
    backbone = {
        'state_dict': {
            k: v
            for k, v in full['state_dict'].items() if k.startswith('backbone')
        }
    }
    check_weights(model, backbone, 'backbone.pth', complete=False)
    with pytest.raises(CheckpointError, match='backbone.pth.*missing'):
        check_weights(model, backbone, 'backbone.pth', complete=True)
    check_weights(model, full, str(checkpoint), complete=True)
