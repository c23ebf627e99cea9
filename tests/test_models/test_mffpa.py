"""MFFPA and its SegDecNet baseline: Table 9 sizes, outlook and pyramid
attention, the gradient cut, SegDecNet's targets, the loss schedule and
the frequency-of-use sampler."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS, TRANSFORMS
from mmseg.structures import SegDataSample

from mmdefect.datasets.samplers import (FrequencyOfUseSampler,
                                        frequency_probabilities)
from mmdefect.engine.hooks import loss_weights
from mmdefect.engine.hooks.mixed_supervision_hook import \
    has_pixel_labelled_positives
from mmdefect.models.decode_heads import downsample_target
from mmdefect.models.layers import (OutlookAttention, PyramidAttention,
                                    gradient_multiply)
from mmdefect.utils import count_conv_linear_macs

# Table 9 rows: config, parameters (measured), conv + linear
# multiply-adds at 3 x 640 x 232 (paper: 47.99 / 31.79 / 32.35 / 33.32 G).
TABLE9 = [
    ('segdecnet_ksdd2-n0', 15_638_813, 47.988),
    ('mffpa_ksdd2-n0_mff', 8_581_217, 31.796),
    ('mffpa_ksdd2-n0_pa', 10_872_125, 32.349),
    ('mffpa_ksdd2-n0', 11_291_265, 33.321),
]


def build(repo, name, **model):
    torch.manual_seed(0)
    cfg = Config.fromfile(f'{repo}/configs/mffpa/{name}.py')
    cfg.merge_from_dict(dict(model=model))
    return MODELS.build(cfg.model)


@pytest.mark.parametrize('name,params,gmacs', TABLE9)
def test_table9_parameters_and_macs(repo, name, params, gmacs):
    model = build(repo, name).eval()
    assert sum(p.numel() for p in model.parameters()) == params
    macs = count_conv_linear_macs(model, torch.randn(1, 3, 640, 232))
    assert macs / 1e9 == pytest.approx(gmacs, abs=5e-4)


def test_shapes_and_one_channel_input(repo):
    model = build(repo, 'mffpa_ksdd2-n0', backbone=dict(in_channels=1))
    # 1-channel input (KSDD, DAGM, Severstal): 1,600 parameters fewer.
    assert sum(p.numel() for p in model.parameters()) == 11_289_665
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(2, 1, 64, 96))
        logit = model.decode_head(feats)
        decision = model.cls_head(feats, logit)
    assert feats[0].shape == (2, 512, 8, 12)
    assert logit.shape == (2, 1, 8, 12)
    assert decision.shape == (2, 1)
    with pytest.raises(ValueError, match='divisible by 8'):
        model.extract_feat(torch.randn(1, 1, 60, 64))


def naive_outlook(oa, x):
    """Outlook attention written pixel by pixel: each centre (i, j)
    distributes the softmax-weighted sum of its window's values to the 9
    positions of its window; outputs are summed, then projected."""
    n, c, h, w = x.shape
    heads, d = oa.num_heads, c // oa.num_heads
    value = torch.einsum('nchw,oc->nohw', x, oa.value.weight)
    value = F.pad(value, (1, 1, 1, 1))
    out = torch.zeros(n, c, h + 2, w + 2)
    logits = oa.attn(x.permute(0, 2, 3, 1))  # (N, H, W, heads * 81)
    for i in range(h):
        for j in range(w):
            a = logits[:, i, j].view(n, heads, 9, 9) * d**-0.5
            a = a.softmax(-1)
            v = value[:, :, i:i + 3, j:j + 3].reshape(n, heads, d, 9)
            y = torch.einsum('nhpq,nhdq->nhdp', a, v)
            out[:, :, i:i + 3, j:j + 3] += y.reshape(n, c, 3, 3)
    out = out[:, :, 1:-1, 1:-1]
    return oa.proj(out.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


def test_outlook_attention_against_a_naive_loop():
    torch.manual_seed(0)
    oa = OutlookAttention(8, num_heads=2, kernel_size=3)
    x = torch.randn(2, 8, 5, 6)
    with torch.no_grad():
        out = oa(x)
        assert out.shape == x.shape  # stride 1: H x W kept
        torch.testing.assert_close(out, naive_outlook(oa, x))
        attn = oa.window_attention(x)
    assert attn.shape == (2, 2, 30, 9, 9)
    torch.testing.assert_close(attn.sum(-1), torch.ones(2, 2, 30, 9))
    # MFFPA's OA: 256 channels, 4 heads -> 324 attention outputs.
    paper = OutlookAttention(256, num_heads=4)
    assert paper.attn.out_features == 324
    assert sum(p.numel() for p in paper.parameters()) == 214_596


@pytest.mark.parametrize('attention', ['coord', 'se'])
def test_pyramid_attention_branch_softmax(attention):
    torch.manual_seed(0)
    pa = PyramidAttention(
        17, channels=32, out_channels=8, attention=attention).eval()
    with torch.no_grad():
        x = pa.reduce(pa.pool(torch.randn(2, 17, 12, 10)))
        branches = [conv(x) for conv in pa.branches]
        weights = pa.branch_weights(branches)
        assert weights.shape == (4, 2, 8, 6, 5)
        torch.testing.assert_close(weights.sum(0), torch.ones(2, 8, 6, 5))
        assert pa(torch.randn(2, 17, 12, 10)).shape == (2, 8, 6, 5)
    # The paper's sizes: 4 x 256 -> 64 convs (2,686,976) + one shared
    # coordinate attention (1,688).
    paper = PyramidAttention(513)
    assert sum(p.numel() for p in paper.branches.parameters()) == 2_686_976
    assert sum(p.numel() for p in paper.attention.parameters()) == 1_688


def test_gradient_multiply():
    x = torch.ones(3, requires_grad=True)
    (gradient_multiply(x, 0.25) * 2).sum().backward()
    torch.testing.assert_close(x.grad, torch.full((3, ), 0.5))
    assert not gradient_multiply(x, 0).requires_grad


def segdec_sample(mask, img_path='x.png'):
    """A packed sample with SegDecNet targets made by the transform."""
    results = TRANSFORMS.build(
        dict(type='GenerateSegDecTargets', dilation=1, p=2, w_pos=3))(
            dict(gt_seg_map=mask))
    sample = SegDataSample(
        gt_sem_seg=PixelData(data=torch.from_numpy(mask)[None].long()))
    for key in ('gt_dilated_map', 'gt_weight_map'):
        sample.set_field(
            PixelData(data=torch.from_numpy(results[key])[None]), key)
    label = int(((mask > 0) & (mask != 255)).any() or (mask == 255).all())
    sample.set_field(torch.tensor(label), 'gt_label')
    shape = mask.shape
    sample.set_metainfo(
        dict(img_path=img_path, img_shape=shape, ori_shape=shape))
    return sample


def test_decision_loss_leaves_the_segmentation_network_alone(repo):
    model = build(repo, 'mffpa_ksdd2-n0')
    masks = [np.zeros((64, 64), np.uint8) for _ in range(2)]
    masks[0][20:30, 20:30] = 1
    inputs = torch.rand(2, 3, 64, 64)
    samples = [segdec_sample(m) for m in masks]
    model.loss(inputs, samples)['cls.loss_cls'].backward()
    segmentation = [
        *model.backbone.parameters(), *model.neck.parameters(),
        *model.decode_head.parameters()
    ]
    assert all(p.grad is None or not p.grad.any() for p in segmentation)
    assert model.cls_head.fc.weight.grad.abs().sum() > 0
    assert model.cls_head.extractor.reduce[0].weight.grad.abs().sum() > 0
    # With multiplier 1 the decision loss does reach them.
    model = build(repo, 'mffpa_ksdd2-n0', cls_head=dict(grad_multiplier=1.))
    model.loss(inputs, samples)['cls.loss_cls'].backward()
    assert model.backbone.stem[0].weight.grad.abs().sum() > 0


def test_distance_weights_and_dilation_golden_values():
    transform = TRANSFORMS.build(
        dict(type='GenerateSegDecTargets', dilation=1, p=2, w_pos=3))
    mask = np.zeros((5, 5), np.uint8)
    mask[1:4, 1:4] = 1
    out = transform(dict(gt_seg_map=mask))
    expected = np.ones((5, 5), np.float32)
    expected[1:4, 1:4] = 0.75
    expected[2, 2] = 3.0
    np.testing.assert_allclose(out['gt_weight_map'], expected)
    np.testing.assert_array_equal(out['gt_dilated_map'], mask)
    # Dilation by a 3 x 3 square; a defect-free mask weighs 1 everywhere;
    # an ignored mask gives weight 0 (no pixel loss for weak positives).
    point = np.zeros((5, 5), np.uint8)
    point[2, 2] = 1
    dilated = TRANSFORMS.build(dict(type='GenerateSegDecTargets', dilation=3))(
        dict(gt_seg_map=point))['gt_dilated_map']
    assert dilated.sum() == 9 and dilated[1:4, 1:4].all()
    clean = transform(dict(gt_seg_map=np.zeros((5, 5), np.uint8)))
    assert (clean['gt_weight_map'] == 1).all()
    weak = transform(dict(gt_seg_map=np.full((5, 5), 255, np.uint8)))
    assert not weak['gt_weight_map'].any()
    assert not weak['gt_dilated_map'].any()


def test_downsample_target():
    x = torch.arange(16 * 24, dtype=torch.float32).view(1, 1, 16, 24)
    assert downsample_target(x, 8).shape == (1, 1, 2, 3)
    ones = torch.ones(1, 1, 16, 24)
    torch.testing.assert_close(downsample_target(ones, 8), ones[..., ::8, ::8])
    # Output (0, 0) averages rows and columns -8..8 of the reflect-padded
    # map, i.e. |r| and |c| of the original for r, c in 0..8.
    idx = torch.arange(-8, 9).abs()
    window = x[0, 0][idx][:, idx]
    assert downsample_target(x, 8)[0, 0, 0,
                                   0] == pytest.approx(float(window.mean()))


def test_mask_loss_skips_weak_positives_and_sums_over_images(repo):
    model = build(repo, 'mffpa_ksdd2-n0')
    defect = np.zeros((64, 64), np.uint8)
    defect[10:20, 30:40] = 1
    clean = np.zeros((64, 64), np.uint8)
    weak = np.full((64, 64), 255, np.uint8)
    inputs = torch.rand(3, 3, 64, 64)
    with torch.no_grad():
        feats = model.extract_feat(inputs)
        logits = model.decode_head(feats)
        head = model.decode_head

        def seg_loss(indices, masks):
            samples = [segdec_sample(m) for m in masks]
            return head.loss_by_feat(logits[indices],
                                     samples)['loss_seg'].item()

        both = seg_loss([0, 1], [defect, clean])
        with_weak = seg_loss([0, 1, 2], [defect, clean, weak])
        one = seg_loss([0], [defect])
        other = seg_loss([1], [clean])
    assert with_weak == pytest.approx(both)  # a weak positive adds 0
    assert both == pytest.approx(one + other)  # sum of per-image means
    # One image by hand: mean over the 8 x 8 logits of w * BCE(logit, t).
    sample = segdec_sample(defect)
    target = downsample_target(sample.gt_dilated_map.data[None], 8)[0, 0]
    weight = downsample_target(sample.gt_weight_map.data[None], 8)[0, 0]
    by_hand = (F.binary_cross_entropy_with_logits(
        logits[0, 0], target, reduction='none') * weight).mean()
    assert one == pytest.approx(float(by_hand), rel=1e-5)


def test_weak_positives_train_only_the_decision(repo):
    model = build(repo, 'mffpa_ksdd2-n0')
    weak = segdec_sample(np.full((64, 64), 255, np.uint8))
    assert int(weak.gt_label) == 1
    losses = model.loss(torch.rand(1, 3, 64, 64), [weak])
    assert losses['decode.loss_seg'].item() == 0
    assert losses['cls.loss_cls'].item() > 0


def test_loss_schedule():
    assert loss_weights(0.0, 1.0, True) == (1.0, 0.0)
    assert loss_weights(10 / 50, 0.1, True) == pytest.approx((0.8, 0.02))
    # N = 0: constant (1, theta).
    assert loss_weights(0.6, 0.1, False) == (1.0, 0.1)
    with pytest.raises(ValueError):
        loss_weights(1.5, 1.0, True)


class LabelledList:
    """The part of a dataset the sampler and the hook read."""

    def __init__(self, entries):
        self.entries = entries

    def __len__(self):
        return len(self.entries)

    def get_data_info(self, index):
        return self.entries[index]


def test_auto_balance_looks_for_pixel_labelled_positives():
    weak = LabelledList([
        dict(img_path='a', gt_label=1),
        dict(img_path='b', seg_map_path='b.png', gt_label=0)
    ])
    assert not has_pixel_labelled_positives(weak)
    mixed = LabelledList(weak.entries +
                         [dict(img_path='c', seg_map_path='c.png')])
    assert has_pixel_labelled_positives(mixed)


def test_frequency_of_use_sampler():
    labels = [1] * 4 + [0] * 20
    dataset = LabelledList([
        dict(img_path=str(i), gt_label=label) for i, label in enumerate(labels)
    ])
    sampler = FrequencyOfUseSampler(dataset, seed=3)
    assert len(sampler) == 8
    counts = np.zeros(24, int)
    epochs = []
    for epoch in range(50):
        sampler.set_epoch(epoch)
        indices = list(sampler)
        epochs.append(indices)
        assert sorted(i for i in indices if i < 4) == [0, 1, 2, 3]
        negatives = [i for i in indices if i >= 4]
        assert len(negatives) == len(set(negatives)) == 4
        counts[negatives] += 1
    # 200 draws over 20 negatives: each used about 10 times.
    assert counts[4:].min() >= 8 and counts[4:].max() <= 12
    # Resuming at an epoch replays the same draws.
    again = FrequencyOfUseSampler(dataset, seed=3)
    again.set_epoch(37)
    assert list(again) == epochs[37]
    sampler.set_epoch(5)
    assert list(sampler) == epochs[5]
    with pytest.raises(ValueError, match='gt_label'):
        FrequencyOfUseSampler(LabelledList([dict(img_path='x.png')]))


def test_frequency_probabilities_favour_the_least_used():
    prob = frequency_probabilities(np.array([0, 1, 2, 3, 4]))
    assert prob.sum() == pytest.approx(1)
    assert np.all(np.diff(prob) < 0)
    # q = 1 - f/max f = [1, .75, .5, .25, 0] -> shifted by 1 - median (.5)
    # -> [1.5, 1.25, 1, .75, .5] ** (4 ln 5).
    q = np.array([1.5, 1.25, 1, .75, .5])**(4 * np.log(5))
    np.testing.assert_allclose(prob, q / q.sum())


def mixed_config(repo, root, work_dir, max_epochs):
    """The SynLCD MFFPA config on the tiny generated SynLCD: N = 2."""
    from mmdefect.datasets.converters.mixed_supervision import (
        labelled_samples, write_mixed_splits)
    if not (root / 'splits' / 'train_n2.json').exists():
        samples = labelled_samples(
            str(root), 'splits/train.txt', mask_value_map={2: 1})
        write_mixed_splits(str(root / 'splits'), 'train', samples, [2], 0)
    cfg = Config.fromfile(f'{repo}/configs/mffpa/mffpa_synlcd-256_n14.py')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False)
        cfg[loader].dataset.data_root = str(root)
    # Validation holds out a part of the same file (docs/train_test.md).
    for loader in ('train_dataloader', 'val_dataloader'):
        cfg[loader].dataset.ann_file = 'splits/train_n2.json'
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg = dict(
        type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=99)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.visualization = dict(type='SegVisualizationHook')
    cfg.work_dir = str(work_dir)
    return cfg


def test_mixed_supervision_trains_resumes_and_tests(repo, synlcd_root,
                                                    tmp_path):
    from mmengine.runner import Runner
    work = tmp_path / 'work'
    runner = Runner.from_cfg(mixed_config(repo, synlcd_root, work, 2))
    positives = len(runner.train_dataloader.sampler.positives)
    assert len(runner.train_dataloader.sampler) == 2 * positives
    runner.train()
    # Epoch 1 of 2: lambda = 1 - 1/2 (N = 2 > 0: dynamic balance).
    hub = runner.message_hub
    assert hub.get_scalar('train/seg_weight').current() == 0.5
    assert hub.get_scalar('train/cls_weight').current() == 0.5
    assert (work / 'epoch_2.pth').exists()
    # Resume for a third epoch: the weights follow the resumed epoch.
    cfg = mixed_config(repo, synlcd_root, work, 3)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.epoch == 3
    assert runner.message_hub.get_scalar(
        'train/seg_weight').current() == pytest.approx(1 / 3)
    metrics = runner.test()
    for key in ('image/AP', 'image/AUROC', 'defect.IoU'):
        assert key in metrics


def test_a_few_iterations_lower_the_loss(repo, synlcd_root):
    from mmengine.dataset import pseudo_collate
    from mmseg.registry import DATASETS
    cfg = mixed_config(repo, synlcd_root, '/tmp', 1)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    labels = [
        dataset.get_data_info(i)['gt_label'] for i in range(len(dataset))
    ]
    picked = [labels.index(1), labels.index(0)]
    picked += [len(labels) - 1 - labels[::-1].index(v) for v in (1, 0)]
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.decode_head.loss_decode.loss_weight = 1.0
    model.cls_head.loss_cls.loss_weight = 1.0
    data = model.data_preprocessor(
        pseudo_collate([dataset[i] for i in picked]), True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    history = []
    for _ in range(30):
        loss, _ = model.parse_losses(model.loss(**data))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    assert np.mean(history[-5:]) < 0.8 * np.mean(history[:5])
