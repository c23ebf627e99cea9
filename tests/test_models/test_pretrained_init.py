"""ImageNet initialisation: which configs load which weights, the key
mapping of each checkpoint onto its backbone, and no download from the
configs that CI and the benchmarks train offline.

The paper configs name the published checkpoints (``torchvision://resnet34``
for BANet and BGNet, mmseg's converted MiT-B0 for CADNet and SegFormer-B0);
the tests here write a checkpoint file in the same format into an empty
torch hub cache under the name the URL gives it, so that ``init_weights()``
reads the file instead of the network, and any download fails the test.
"""
import argparse
import glob
import os.path as osp

import pytest
import torch
import torchvision
import yaml
from mmengine.config import Config, DictAction
from mmengine.runner.checkpoint import get_torchvision_models
from mmseg.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RESNET34 = 'torchvision://resnet34'
MIT_B0 = ('https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/'
          'segformer/mit_b0_20220624-7e0fe6dd.pth')
# CADNet's paper configs: Tables 3-7 and Fig. 6.
CADNET = ('synlcd', 'mvtec-ad', 'pku-pcb', 'synlcd_cel', 'synlcd_cel-cl',
          'synlcd_cel-bcl', 'synlcd_line2line', 'synlcd_line2abpt',
          'synlcd_abpt2abpt', 'synlcd_abpt2line',
          'synlcd_abpt-pretrain_line-5pct', 'synlcd_abpt-pretrain_line-10pct',
          'synlcd_abpt-pretrain_line-15pct')
# The paper configs and the weights their encoder starts from; every other
# config trains from scratch.
PRETRAINED = {
    'configs/banet/banet_r34_ocd-folder-256.py': RESNET34,
    'configs/bgnet/bgnet_r34_pcb-folder-256.py': RESNET34,
    'configs/baselines/segformer_mit-b0_synlcd-512.py': MIT_B0,
    **{
        f'configs/cadnet/cadnet_{name}.py': MIT_B0
        for name in CADNET
    }
}
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '*', '*.py')))


def offline_configs():
    """The configs the leaderboard, the GPU board and the CPU quick runs
    train: the board's configs and the quick / quickstart ones."""
    with open(osp.join(REPO, 'tools/benchmarks/board.yaml')) as f:
        board = yaml.safe_load(f)
    names = {
        config
        for method in board['methods'].values()
        for config in method['configs'].values()
    }
    names.update(c for c in CONFIGS if '-quick' in osp.basename(c))
    return sorted(names)


def pretrained_inits(node, key=''):
    """``(dotted key, checkpoint)`` of every pretrained-weights request in
    a model config: ``Pretrained`` init configs and ``pretrained`` keys."""
    found = []
    if isinstance(node, dict):
        if node.get('type') == 'Pretrained':
            found.append((key, node.get('checkpoint')))
        if node.get('pretrained'):
            found.append((f'{key}.pretrained', node['pretrained']))
        for k, v in node.items():
            found += pretrained_inits(v, f'{key}.{k}' if key else k)
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            found += pretrained_inits(v, f'{key}.{i}')
    return found


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """An empty torch hub cache whose downloads fail; returns the folder
    that ``load_url`` reads a cached checkpoint from."""
    monkeypatch.setattr(torch.hub, '_hub_dir', str(tmp_path))

    def refuse(url, *args, **kwargs):
        raise AssertionError(f'tried to download {url}')

    monkeypatch.setattr(torch.hub, 'download_url_to_file', refuse)
    folder = tmp_path / 'checkpoints'
    folder.mkdir()
    return folder


def cache(folder, url, state_dict):
    """Write ``state_dict`` where ``load_url`` looks for ``url``."""
    torch.save(state_dict, folder / osp.basename(url))


def neck_inputs(model, inputs):
    """The (sample, template) feature pyramids the backbone hands to the
    neck of a Siamese segmentor."""
    seen = []
    handle = model.neck.register_forward_pre_hook(
        lambda module, args: seen.append(args))
    with torch.no_grad():
        model.extract_feat(inputs)
    handle.remove()
    return seen[0][:2]


def assert_backbone_is(backbone, state_dict):
    loaded = backbone.state_dict()
    assert loaded.keys() <= state_dict.keys()
    for key, value in loaded.items():
        assert torch.equal(value, state_dict[key]), key


def test_every_config_states_its_weights():
    """The paper configs request exactly their backbone's ImageNet weights;
    no other config requests any."""
    for path in CONFIGS:
        if '_base_' in path:
            continue
        model = Config.fromfile(osp.join(REPO, path)).model.to_dict()
        expected = ([('backbone.init_cfg',
                      PRETRAINED[path])] if path in PRETRAINED else [])
        assert pretrained_inits(model) == expected, path


@pytest.mark.parametrize('path', offline_configs())
def test_offline_configs_initialise_without_download(path, hub):
    assert path not in PRETRAINED
    cfg = Config.fromfile(osp.join(REPO, path))
    MODELS.build(cfg.model).init_weights()


def torchvision_levels(net, x):
    """The five levels of BANet / BGNet computed by torchvision's ResNet:
    the stem before the max-pool, then the four stages."""
    stem = net.relu(net.bn1(net.conv1(x)))
    levels = [stem]
    x = net.maxpool(stem)
    for layer in (net.layer1, net.layer2, net.layer3, net.layer4):
        x = layer(x)
        levels.append(x)
    return levels


@pytest.mark.parametrize('path', [
    'configs/banet/banet_r34_ocd-folder-256.py',
    'configs/bgnet/bgnet_r34_pcb-folder-256.py'
])
def test_torchvision_resnet34_initialises_both_siamese_branches(path, hub):
    cfg = Config.fromfile(osp.join(REPO, path))
    assert cfg.model.backbone.init_cfg.checkpoint == RESNET34
    torch.manual_seed(1)
    reference = torchvision.models.resnet34()
    # Running statistics away from their defaults, so that the buffers'
    # mapping is checked too.
    for module in reference.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    weights = reference.state_dict()
    cache(hub, get_torchvision_models()['resnet34'], weights)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    assert not torch.equal(model.backbone.conv1.weight,
                           weights['conv1.weight'])
    model.init_weights()
    # torchvision's names are the backbone's, the classifier left out.
    assert set(weights) - set(model.backbone.state_dict()) == {
        'fc.weight', 'fc.bias'
    }
    assert_backbone_is(model.backbone, weights)
    model.eval()
    reference.eval()
    inputs = torch.randn(2, 6, 64, 64)
    sample_feats, template_feats = neck_inputs(model, inputs)
    with torch.no_grad():
        for feats, image in ((sample_feats, inputs[:, :3]), (template_feats,
                                                             inputs[:, 3:])):
            expected = torchvision_levels(reference, image)
            assert len(feats) == len(expected) == 5
            for got, want in zip(feats, expected):
                torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)


def mit_b0_weights(cfg):
    """An MiT-B0 state dict in mmseg's key format (the converted file the
    configs name), from a MixVisionTransformer of the config's shape."""
    torch.manual_seed(1)
    mit = MODELS.build(dict(cfg.model.backbone, init_cfg=None))
    mit.init_weights()
    with torch.no_grad():
        for param in mit.parameters():  # no tensor left at its default
            param.add_(0.1 * torch.rand_like(param))
    return mit, mit.state_dict()


@pytest.mark.parametrize('path', [
    'configs/cadnet/cadnet_synlcd.py',
    'configs/baselines/segformer_mit-b0_synlcd-512.py'
])
def test_mmseg_mit_b0_initialises_the_encoder(path, hub):
    cfg = Config.fromfile(osp.join(REPO, path))
    assert cfg.model.backbone.init_cfg.checkpoint == MIT_B0
    reference, weights = mit_b0_weights(cfg)
    # mmseg's format: patch embedding, blocks and norm of each stage.
    assert {
        'layers.0.0.projection.weight',
        'layers.0.1.0.attn.attn.in_proj_weight',
        'layers.3.1.1.ffn.layers.1.weight', 'layers.3.2.weight'
    } <= set(weights)
    cache(hub, MIT_B0, weights)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert model.backbone.state_dict().keys() == weights.keys()
    assert_backbone_is(model.backbone, weights)
    model.eval()
    reference.eval()
    channels = cfg.model.data_preprocessor.get('num_images', 2) * 3
    inputs = torch.randn(2, channels, 64, 64)
    with torch.no_grad():
        if channels == 6:
            pairs = zip(neck_inputs(model, inputs), inputs.chunk(2, dim=1))
        else:
            pairs = [(model.extract_feat(inputs), inputs)]
        for feats, image in pairs:
            for got, want in zip(feats, reference(image)):
                # Four stages of attention on perturbed weights: the float32
                # sums differ with the batch layout by up to ~2e-5 (a wrong
                # key mapping differs by O(1)).
                torch.testing.assert_close(got, want, rtol=1e-3, atol=1e-4)


def test_documented_switches(hub):
    """``model.backbone.init_cfg=None`` trains a paper config from scratch;
    the ``_delete_`` options give a budget config the paper's weights."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)

    def options(*tokens):
        return parser.parse_args(['--cfg-options', *tokens]).cfg_options

    paper = Config.fromfile(osp.join(REPO, 'configs/cadnet/cadnet_synlcd.py'))
    paper.merge_from_dict(options('model.backbone.init_cfg=None'))
    assert paper.model.backbone.init_cfg is None
    budget = Config.fromfile(
        osp.join(REPO, 'configs/banet/banet_r34_synocd-256.py'))
    budget.merge_from_dict(
        options('model.backbone.init_cfg._delete_=True',
                'model.backbone.init_cfg.type=Pretrained',
                f'model.backbone.init_cfg.checkpoint={RESNET34}'))
    assert budget.model.backbone.init_cfg == dict(
        type='Pretrained', checkpoint=RESNET34)
