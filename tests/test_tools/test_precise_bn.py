"""tools/precise_bn.py: BatchNorm statistics recomputed on training data."""
import itertools

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmdefect.apis import init_model

QUICK = 'configs/cadnet/cadnet_synlcd-quickstart.py'


@pytest.fixture
def trained(repo, paired_root, tmp_path):
    """The CADNet quickstart on the tiny paired set, its training loader
    in order and unaugmented (batches of 4), and a checkpoint whose
    BatchNorm statistics are far off and which carries an operating
    point."""
    cfg = tmp_path / 'tiny.py'
    cfg.write_text(f"""
_base_ = '{repo}/{QUICK}'
data_root = '{paired_root}'
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(data_root=data_root, pipeline=[
        dict(type='LoadDefectImages'), dict(type='LoadDefectAnnotations'),
        dict(type='PackDefectInputs')]))
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
""")
    torch.manual_seed(0)
    model = init_model(str(cfg))
    state = model.state_dict()
    for key in state:
        if key.endswith('running_mean'):
            state[key] = torch.full_like(state[key], 5.0)
        elif key.endswith('running_var'):
            state[key] = torch.full_like(state[key], 40.0)
    ckpt = tmp_path / 'model.pth'
    torch.save(
        dict(state_dict=state, meta=dict(calibration=dict(rule='f1_max'))),
        ckpt)
    return str(cfg), str(ckpt), state


def batch_statistics(cfg_path: str, state: dict, batches: int) -> dict:
    """Independently: each BatchNorm layer's input mean and unbiased
    variance per channel, per training batch, averaged over ``batches``."""
    cfg = Config.fromfile(cfg_path)
    model = init_model(cfg)
    model.load_state_dict(state)
    model.eval()  # dropout and stochastic depth off, as the model tests
    seen = {}

    def keep(name):

        def hook(module, inputs, output):
            x = inputs[0].transpose(0, 1).flatten(1).double()
            seen.setdefault(name, []).append((x.mean(1), x.var(1)))

        return hook

    for name, module in model.named_modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.train()
            module.register_forward_hook(keep(name))
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    with torch.no_grad():
        for data in itertools.islice(loader, batches):
            model(**model.data_preprocessor(data, False))
    return {
        name: (torch.stack([m for m, _ in stats]).mean(0),
               torch.stack([v for _, v in stats]).mean(0))
        for name, stats in seen.items()
    }


def test_statistics_become_the_mean_batch_statistics(tool, trained, tmp_path,
                                                     capsys):
    cfg, ckpt, before = trained
    out = tmp_path / 'precise.pth'
    tool('tools/precise_bn.py').main(
        [cfg, ckpt, str(out), '--num-samples', '8'])
    assert 'operating point was dropped' in capsys.readouterr().out
    written = torch.load(out, map_location='cpu', weights_only=False)
    after = written['state_dict']
    assert written['meta']['precise_bn']['batches'] == 2
    assert 'calibration' not in written['meta']
    expected = batch_statistics(cfg, before, 2)
    assert len(expected) == 6  # the quickstart's BatchNorm layers
    for name, (mean, var) in expected.items():
        torch.testing.assert_close(
            after[f'{name}.running_mean'].double(), mean, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(
            after[f'{name}.running_var'].double(), var, rtol=1e-4, atol=1e-5)
    # Nothing else changed.
    for key, value in before.items():
        if not key.endswith(('running_mean', 'running_var')):
            assert torch.equal(after[key], value), key


def test_refusals_leave_files_alone(tool, trained, tmp_path):
    cfg, ckpt, _ = trained
    precise_bn = tool('tools/precise_bn.py')
    out = tmp_path / 'precise.pth'
    out.write_bytes(b'kept')
    with pytest.raises(SystemExit):
        precise_bn.main([cfg, ckpt, str(out)])
    assert out.read_bytes() == b'kept'
    with pytest.raises(ValueError, match='no BatchNorm'):
        precise_bn.recompute(torch.nn.Linear(2, 2), None, 8)
