"""BGNet: positional encoding, linear attention, matching (dense and
blocked), matched subtraction, neck, head and Table 1 configs."""
import math

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from mmdefect.models.layers import (LinearTransformer, blocked_matches,
                                    dense_matches, linear_attention,
                                    match_tokens, matched_subtraction,
                                    sine_positional_encoding)
from mmdefect.models.losses import binary_focal_loss
from mmdefect.utils import count_conv_linear_macs

CONFIG = 'configs/bgnet/bgnet_r34_synocd-256{}.py'
ROWS = {  # Table 1 row: (config suffix, neck keys that differ from S7)
    'S1': ('_concat', None),
    'S2': ('_siamese-diff',
           dict(positional_encoding=False, attention=False, matching=None)),
    'S3': ('_no-pe', dict(positional_encoding=False)),
    'S4': ('_no-attn', dict(attention=False)),
    'S5': ('_no-match', dict(matching=None)),
    'S6': ('_no-mnn', dict(matching='nn')),
    'S7': ('', {}),
}


def build(repo, suffix=''):
    torch.manual_seed(0)
    return MODELS.build(
        Config.fromfile(f'{repo}/{CONFIG.format(suffix)}').model)


def oracle(t_s, t_t, tau=0.1, theta=0.2, mutual=True):
    """The rule of the authors' code, written out."""
    scores = torch.einsum('nlc,nsc->nls', t_s, t_t) / tau
    p = torch.softmax(scores, 1) * torch.softmax(scores, 2)
    mask = (p > theta) & (p == p.max(dim=2, keepdim=True)[0])
    if mutual:
        mask &= p == p.max(dim=1, keepdim=True)[0]
    found, j = mask.max(dim=2)
    b, i = torch.where(found)
    return b, i, j[b, i]


def misaligned(n, length, size, channels, scale, dtype, seed=0):
    gen = torch.Generator().manual_seed(seed)
    t_t = torch.randn(n, size, channels, generator=gen, dtype=dtype) * scale
    picked = torch.randint(0, size, (n, length), generator=gen)
    t_s = torch.gather(t_t, 1, picked[..., None].expand(-1, -1, channels))
    return t_s + 0.3 * scale * torch.randn(
        t_s.shape, generator=gen, dtype=dtype), t_t


# ----------------------------------------------------------------- layers
def test_positional_encoding_closed_form():
    for d in (128, 512):
        pe = sine_positional_encoding(d, 5, 7, dtype=torch.float64)
        assert pe.shape == (1, d, 5, 7)
        for c, r, col in ((0, 0, 0), (5, 2, 6), (d - 1, 4, 3), (d // 2, 1, 1)):
            k, kind = divmod(c, 4)
            omega = 10000**(-4 * k / d)
            x, y = col + 1, r + 1
            value = [
                math.sin(x * omega),
                math.cos(x * omega),
                math.sin(y * omega),
                math.cos(y * omega)
            ][kind]
            assert float(pe[0, c, r, col]) == pytest.approx(value, abs=1e-9)


def test_linear_attention_against_a_naive_evaluation():
    torch.manual_seed(0)
    q = torch.randn(2, 5, 3, 4, dtype=torch.float64)
    k = torch.randn(2, 7, 3, 4, dtype=torch.float64)
    v = torch.randn(2, 7, 3, 4, dtype=torch.float64)
    out = linear_attention(q, k, v)

    def phi(t):
        return torch.nn.functional.elu(t) + 1

    naive = torch.zeros_like(out)
    for n in range(2):
        for h in range(3):
            for i in range(5):
                weights = torch.stack(
                    [phi(q[n, i, h]) @ phi(k[n, s, h]) for s in range(7)])
                naive[n, i, h] = (weights[:, None] * v[n, :, h]).sum(0) / (
                    weights.sum() + 1e-6)
    torch.testing.assert_close(out, naive)


def test_transformer_layer_sizes_and_cross_order():
    level2 = LinearTransformer(128, 4, ('self', 'cross') * 2)
    level4 = LinearTransformer(512, 8, ('self', 'cross') * 4)
    assert sum(p.numel() for p in level2.parameters()) == 657_408
    assert sum(p.numel() for p in level4.parameters()) == 20_987_904
    # The template's cross attention reads the sample already updated.
    small = LinearTransformer(8, 2, ('cross', ))
    s, t = torch.randn(1, 4, 8), torch.randn(1, 6, 8)
    out_s, out_t = small(s, t)
    layer = small.layers[0]
    torch.testing.assert_close(out_s, layer(s, t))
    torch.testing.assert_close(out_t, layer(t, layer(s, t)))


# --------------------------------------------------------------- matching
@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
@pytest.mark.parametrize('n,length,size,channels,rows,scale', [
    (2, 100, 90, 16, 33, 1.0),
    (1, 256, 300, 32, 1000, 0.3),
    (3, 64, 70, 8, 7, 3.0),
    (1, 4096, 1024, 32, 1000, 1.0),
])
def test_blocked_matching_equals_dense(dtype, n, length, size, channels, rows,
                                       scale):
    t_s, t_t = misaligned(n, length, size, channels, scale, dtype)
    expected = oracle(t_s, t_t)
    for mutual in (True, False):
        expected = oracle(t_s, t_t, mutual=mutual)
        dense = dense_matches(t_s, t_t, mutual=mutual)
        blocked = blocked_matches(t_s, t_t, mutual=mutual, block_rows=rows)
        for got in (dense, blocked):
            for a, b in zip(expected, got[:3]):
                torch.testing.assert_close(a, b)
    assert 0 < len(expected[0]) < n * length  # the threshold binds


def test_matching_with_exact_ties():
    """Duplicated template and sample tokens: several rows may take the
    same column; the first column wins a tie in a row, as in the code."""
    torch.manual_seed(0)
    t_t = torch.randn(1, 20, 8)
    t_t[0, 5] = t_t[0, 3]
    t_s = t_t[:, [3, 3, 7, 9]].clone()
    for got in (dense_matches(t_s,
                              t_t), blocked_matches(t_s, t_t, block_rows=1)):
        for a, b in zip(oracle(t_s, t_t), got[:3]):
            torch.testing.assert_close(a, b)


def test_matching_recovers_a_global_translation():
    """A template that is the sample shifted by k tokens is matched
    (i, i + k) on most interior tokens, and the matched output is 0."""
    torch.manual_seed(0)
    h = w = 12
    grid = torch.randn(1, 64, h + 4, w + 4)
    sample = grid[..., 2:2 + h, 2:2 + w]
    template = grid[..., 2:2 + h, 4:4 + w]  # shifted by 2 tokens in x
    t_s = sample.flatten(2).transpose(1, 2) * 3
    t_t = template.flatten(2).transpose(1, 2) * 3
    matches = match_tokens(t_s, t_t)
    b, i, j, _ = matches
    expected = i - 2
    good = (j == expected) & (i % w >= 2)
    assert good.sum() >= 0.9 * (h * (w - 2))
    out = matched_subtraction(t_s, t_t, matches)
    assert out[0, i[good]].abs().max() < 1e-5


def test_matching_runs_in_float32_without_gradient_under_autocast():
    t_s, t_t = misaligned(1, 64, 64, 16, 30.0, torch.float32)
    t_s.requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        matches = match_tokens(t_s, t_t)
    assert matches[3].dtype == torch.float32
    assert not matches[3].requires_grad
    assert torch.isfinite(matches[3]).all() and len(matches[0]) > 0


def test_matching_memory_is_bounded(monkeypatch):
    """Above the budget no L x S matrix is built: the blocked path's
    temporaries have at most ``budget`` elements."""
    t_s, t_t = misaligned(1, 2048, 2048, 16, 1.0, torch.float32)
    largest = []
    original = torch.einsum

    def watch(*args):
        out = original(*args)
        largest.append(out.numel())
        return out

    monkeypatch.setattr(torch, 'einsum', watch)
    got = match_tokens(t_s, t_t, memory_budget=2**18)
    monkeypatch.setattr(torch, 'einsum', original)
    assert max(largest) <= 2**18 < 2048 * 2048
    for a, b in zip(oracle(t_s, t_t), got[:3]):
        torch.testing.assert_close(a, b)


def test_matched_subtraction_gradients():
    t_s = torch.randn(2, 6, 4, requires_grad=True)
    t_t = torch.randn(2, 5, 4, requires_grad=True)
    matches = (torch.tensor([0, 0, 1]), torch.tensor([1, 3, 2]),
               torch.tensor([4, 4, 0]), torch.ones(3))
    out = matched_subtraction(t_s, t_t, matches)
    expected = t_s.detach().clone()
    for b, i, j in ((0, 1, 4), (0, 3, 4), (1, 2, 0)):
        expected[b, i] -= t_t.detach()[b, j]
    torch.testing.assert_close(out, expected)
    out.sum().backward()
    assert (t_s.grad == 1).all()
    assert float(t_t.grad[0, 4].sum()) == -8  # matched twice, 4 channels
    assert float(t_t.grad[0, :4].abs().sum()) == 0


# ------------------------------------------------------------------ model
@pytest.mark.parametrize('size', [256, 64])
def test_shapes_per_level(repo, size):
    model = build(repo).eval()
    x = torch.randn(1, 6, size, size)
    with torch.no_grad():
        feats = model.extract_feat(x)
        logits = model.decode_head(feats)
    channels = (64, 64, 128, 256, 512)
    strides = (2, 4, 8, 16, 32)
    assert [tuple(f.shape[1:]) for f in feats[:5]
            ] == [(c, size // s, size // s) for c, s in zip(channels, strides)]
    # The stride-8 match field: dx, dy (tokens) and P of every sample token.
    field = feats['match_map']
    assert field.shape == (1, 3, size // 8, size // 8)
    assert 0 <= float(field[:, 2].min()) and float(field[:, 2].max()) <= 1
    assert float(field[:, :2].abs().max()) < size // 8
    assert logits.shape == (1, 1, size, size)


def test_match_field_holds_token_displacements():
    # Batch 0: token 5 of a 4 x 4 grid (row 1, column 1) matches token 14
    # (row 3, column 2) with P 0.5; nothing else matches.
    matches = (torch.tensor([0]), torch.tensor([5]), torch.tensor([14]),
               torch.tensor([0.5]))
    field = MODELS.get('FeatureMatchingNeck').match_field(matches, 2, 4, 4)
    assert field[0, :, 1, 1].tolist() == [1., 2., 0.5]
    assert float(field.abs().sum()) == 3.5


def test_parameters_and_macs(repo):
    model = build(repo)
    assert sum(p.numel() for p in model.parameters()) == 47_688_065
    assert sum(p.numel() for p in model.decode_head.parameters()) == \
        4_758_081
    macs = count_conv_linear_macs(model, torch.randn(1, 6, 256, 256))
    assert macs / 1e9 == pytest.approx(16.35, abs=0.01)


@pytest.mark.parametrize('row', sorted(ROWS))
def test_each_row_switches_one_key(repo, row):
    suffix, keys = ROWS[row]
    full = Config.fromfile(f'{repo}/{CONFIG.format("")}').model
    cfg = Config.fromfile(f'{repo}/{CONFIG.format(suffix)}').model
    if keys is None:  # S1: the 6-channel early fusion
        assert cfg.type == 'DefectEncoderDecoder' and cfg.neck is None
        assert cfg.backbone.in_channels == 6
        return
    changed = {k: v for k, v in cfg.neck.items() if full.neck[k] != v}
    assert changed == keys
    assert cfg.decode_head == full.decode_head
    assert cfg.backbone == full.backbone


def test_focal_loss_without_alpha():
    torch.manual_seed(0)
    logits = torch.randn(2, 1, 9, 9)
    label = torch.randint(0, 2, (2, 9, 9))
    p = logits[:, 0].sigmoid()
    y = label.float()
    expected = -(y * (1 - p)**2 * torch.log(p) +
                 (1 - y) * p**2 * torch.log(1 - p)).mean()
    torch.testing.assert_close(
        binary_focal_loss(logits, label, alpha=None), expected)


def test_training_steps_lower_the_loss(repo, synocd_root):
    from mmengine.dataset import pseudo_collate
    from mmseg.registry import DATASETS
    cfg = Config.fromfile(f'{repo}/{CONFIG.format("")}')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    dataset = DATASETS.build(
        dict(cfg.train_dataloader.dataset, data_root=str(synocd_root)))
    data = model.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(4)]), True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    history = []
    for _ in range(12):
        loss, _ = model.parse_losses(model.loss(**data))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    assert np.mean(history[-3:]) < 0.7 * np.mean(history[:3]), history
