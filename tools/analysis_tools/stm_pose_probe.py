"""Does BANet's STM learn the pose?  The STM trained on SynOCD pairs whose
pose is known, supervised by the pose and through the segmentation loss.

    python tools/analysis_tools/stm_pose_probe.py \
        [--config configs/banet/banet_r34_synocd-256_no-feam.py] \
        [--arms pose seg seg+pose] [--iters 200] [--size 128] [--width 16]

SynOCD pairs (``mmdefect.datasets.synocd_generator.Pair``, ``--pairs`` for
training, ``--eval-pairs`` others for evaluation) are rendered in memory
at ``--size``; every training step sees each drawn sample under a fresh
pose of the ``--preset`` (default: +-16 px, +-5 deg at 256, scaled with
the size).  The model is the config's (default row S4: Siamese encoder,
STM, differences, U-Net decoder), from scratch, its encoder narrowed to
``--width`` channels at the stem (levels w, w, 2w, 4w, 8w; ``--width 0``
keeps ResNet-34's 64) so that the probe runs on one core in minutes.
Arms, each from the same initial weights:

* ``pose``: only a diagnostic pose loss, the mean distance (px) between
  where ``theta`` and the true transform send the image corners and centre
  (the measure of ``PoseErrorHook``); it says whether encoder + STM can
  regress the pose at all;
* ``seg``: the segmentation loss alone, as in the paper (BANet puts no loss
  on ``theta``);
* ``seg+pose``: both, the pose loss times ``--pose-weight`` (ours).

Printed per arm, on the evaluation pairs at their own poses (eval mode),
before and after training: Pearson correlation and least-squares slope of
the pose read from ``theta`` (``tx``, ``ty`` px, ``angle`` deg) against the
true one, the pose error (px) next to no alignment's; during training the
gradient norms reaching the STM's last (regression) layer, the whole STM,
the encoder and the decoder, the norm of the segmentation loss's gradient
on ``theta`` and its cosine with the direction from ``theta`` to the true
transform (positive: the segmentation loss pulls ``theta`` towards the
pose).  ``--stm-lr-mult`` scales the STM's learning rate (as
``paramwise_cfg.custom_keys.stm.lr_mult`` does in training).  ``--json``
writes the numbers.
"""
import argparse
import json
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmdefect.datasets.synocd_generator import KINDS, PRESETS, Pair
from mmdefect.datasets.synocd_generator.pairs import draw_pose
from mmdefect.models.layers import theta_from_pixel_affine
from mmdefect.utils import setup_runtime, write_file
from mmdefect.utils.geometry import pose_from_matrix, pose_matrix

ARMS = ('pose', 'seg', 'seg+pose')
MEAN = np.array([123.675, 116.28, 103.53], np.float32)  # RGB, the configs'
STD = np.array([58.395, 57.12, 57.375], np.float32)
#: The image corners and centre in normalised coordinates (3, 5).
POINTS = torch.tensor([[-1., 1, -1, 1, 0], [-1, -1, 1, 1, 0], [1] * 5])


def make_pairs(indices, size: int, preset: str, seed: int) -> list:
    """SynOCD pairs of the given indices, defect kinds, types and batches
    in turn."""
    return [
        Pair(seed, KINDS[i % len(KINDS)], i, i % 8, i % 4, size, preset)
        for i in indices
    ]


def render(pairs: list, poses: list) -> dict:
    """Network input (N, 6, H, W: sample then template, normalised RGB),
    masks (N, H, W) and the true ``theta`` (N, 2, 3) of ``poses``."""
    inputs, masks, thetas = [], [], []
    for pair, pose in zip(pairs, poses):
        sample, mask = pair.sample(pose)
        images = [(image.astype(np.float32) - MEAN) / STD
                  for image in (sample, pair.template)]
        inputs.append(np.concatenate(images, axis=2).transpose(2, 0, 1))
        masks.append(mask)
        thetas.append(
            theta_from_pixel_affine(
                pose_matrix(pose, pair.size), pair.size, pair.size))
    return dict(
        inputs=torch.from_numpy(np.stack(inputs)),
        masks=torch.from_numpy(np.stack(masks)).long(),
        theta=torch.from_numpy(np.stack(thetas)).float())


def pose_distance(theta, target, size: int):
    """Mean distance (px) between where ``theta`` and ``target`` (N, 2, 3)
    send the image corners and centre: ``PoseErrorHook``'s measure, per
    pair (N,)."""
    offsets = (theta - target) @ POINTS.to(theta)  # (N, 2, 5), normalised
    return (offsets * size / 2).norm(dim=1).mean(dim=1)


def pose_of_theta(theta: np.ndarray, size: int) -> dict:
    """The SynOCD pose (``tx``, ``ty``, ``angle``, ``scale``) closest to
    the transform that ``theta`` (2, 3) applies."""
    norm = np.array([[2 / size, 0, 1 / size - 1], [0, 2 / size, 1 / size - 1],
                     [0, 0, 1]])
    backward = np.linalg.inv(norm) @ np.vstack([theta, [0, 0, 1]]) @ norm
    return pose_from_matrix(np.linalg.inv(backward)[:2], size)


def build_model(config: str, width: int, lr_recipe: bool = True):
    """The config's model from scratch, its encoder narrowed to ``width``
    (0 keeps it); the balanced BCE of the CPU board in place of the focal
    loss (``gamma=0``, ``alpha=0.9``, ``configs/banet/README.md``)."""
    cfg = Config.fromfile(config).model
    cfg.backbone.init_cfg = None
    if width:
        levels = [width, width, 2 * width, 4 * width, 8 * width]
        cfg.backbone.update(stem_channels=width, base_channels=width)
        cfg.neck.in_channels = levels
        cfg.decode_head.update(
            in_channels=levels, decoder_channels=levels[:4], channels=width)
    if lr_recipe:
        cfg.decode_head.loss_decode.update(gamma=0.0, alpha=0.9)
    model = MODELS.build(cfg)
    model.init_weights()
    if getattr(model.neck, 'stm', None) is None:
        raise ValueError(f'{config} has no STM (neck.stm is None)')
    return model


def stm_theta(model, inputs: torch.Tensor) -> torch.Tensor:
    """The STM's ``theta`` (N, 2, 3) of stacked pairs (N, 6, H, W), the
    encoder run as the segmentor runs it (both images in one batch)."""
    deepest = model.backbone(torch.cat(inputs.chunk(2, dim=1)))[-1]
    return model.neck.stm(*deepest.chunk(2))


def data_samples(masks: torch.Tensor) -> list:
    samples = []
    for mask in masks:
        sample = SegDataSample(
            metainfo=dict(
                img_shape=tuple(mask.shape), pad_shape=tuple(mask.shape)))
        sample.gt_sem_seg = PixelData(data=mask[None])
        samples.append(sample)
    return samples


def evaluate(model, batch: dict, size: int) -> dict:
    """Correlation and slope of the pose read from ``theta`` against the
    truth, pose error and no alignment's, on ``batch`` (eval mode)."""
    model.eval()
    with torch.no_grad():
        theta = stm_theta(model, batch['inputs'])
    model.train()
    identity = batch['theta'].new_tensor([[1., 0, 0], [0, 1, 0]])
    result = dict(
        error_px=float(pose_distance(theta, batch['theta'], size).mean()),
        identity_px=float(
            pose_distance(identity.expand_as(theta), batch['theta'],
                          size).mean()))
    found = [pose_of_theta(t, size) for t in theta.double().numpy()]
    truth = [pose_of_theta(t, size) for t in batch['theta'].double().numpy()]
    for key in ('tx', 'ty', 'angle'):
        x = np.array([p[key] for p in truth])
        y = np.array([p[key] for p in found])
        spread = y.std()
        result[f'{key}_corr'] = (
            float(np.corrcoef(x, y)[0, 1]) if spread > 1e-9 else None)
        result[f'{key}_slope'] = float(np.polyfit(x, y, 1)[0])
    return result


def grad_norm(module) -> float:
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    return float(torch.stack([g.norm() for g in grads]).norm()) if \
        grads else 0.


def train_arm(arm: str, model, pairs: list, eval_batch: dict, args) -> dict:
    """Train ``model`` on ``arm``'s loss; numbers before, during, after."""
    stm = model.neck.stm
    stm_params = set(map(id, stm.parameters()))
    optimizer = torch.optim.Adam([
        dict(params=[p
                     for p in model.parameters() if id(p) not in stm_params]),
        dict(params=list(stm.parameters()), lr=args.lr * args.stm_lr_mult)
    ],
                                 lr=args.lr)
    captured = {}

    def keep_theta(module, inputs, output):
        captured['theta'] = output

    handle = stm.register_forward_hook(keep_theta)
    rng = np.random.default_rng([args.seed, 1])
    preset = PRESETS[args.preset]
    result = dict(arm=arm, before=evaluate(model, eval_batch, args.size))
    logs, start = [], time.time()
    for step in range(args.iters):
        picks = rng.choice(len(pairs), args.batch_size, replace=False)
        batch = render([pairs[i] for i in picks],
                       [draw_pose(rng, preset, args.size, 0.) for _ in picks])
        optimizer.zero_grad()
        if arm == 'pose':
            stm_theta(model, batch['inputs'])
            seg_loss = None
        else:
            losses = model.loss(batch['inputs'], data_samples(batch['masks']))
            seg_loss = sum(v for k, v in losses.items() if 'loss' in k)
        theta = captured['theta']
        pose_loss = pose_distance(theta, batch['theta'], args.size).mean()
        log = dict(step=step, pose_px=pose_loss.item())
        if seg_loss is not None:
            log['seg_loss'] = seg_loss.item()
            # Where the segmentation loss alone pushes theta.
            grad = torch.autograd.grad(seg_loss, theta, retain_graph=True)[0]
            towards = (batch['theta'] - theta).detach()
            log['seg_grad_theta'] = float(grad.flatten(1).norm(dim=1).mean())
            log['seg_grad_cos'] = float(
                torch.nn.functional.cosine_similarity(
                    -grad.flatten(1), towards.flatten(1), dim=1).mean())
        total = {
            'pose':
            pose_loss,
            'seg':
            seg_loss,
            'seg+pose':
            (seg_loss +
             args.pose_weight * pose_loss if seg_loss is not None else None)
        }[arm]
        total.backward()
        log.update(
            grad_stm_last=grad_norm(stm.regress[-1]),
            grad_stm=grad_norm(stm),
            grad_encoder=grad_norm(model.backbone),
            grad_decoder=grad_norm(model.decode_head))
        optimizer.step()
        logs.append(log)
    handle.remove()
    result['seconds'] = round(time.time() - start, 1)
    result['after'] = evaluate(model, eval_batch, args.size)
    result['train'] = {
        key: float(np.mean([log[key] for log in logs]))
        for key in logs[0] if key != 'step'
    }
    tail = logs[-max(1, len(logs) // 5):]
    result['train_last'] = {
        key: float(np.mean([log[key] for log in tail]))
        for key in tail[0] if key != 'step'
    }
    return result


def _fmt(value, spec: str = '.3f') -> str:
    return '-' if value is None else format(value, spec)


def report(results: list) -> str:
    lines = [
        '| arm | when | error px | identity px | tx corr | ty corr | '
        'angle corr | tx slope | ty slope | angle slope |',
        '|---|---|---|---|---|---|---|---|---|---|'
    ]
    for r in results:
        for when in ('before', 'after'):
            e = r[when]
            lines.append(f"| {r['arm']} | {when} | {e['error_px']:.2f} | "
                         f"{e['identity_px']:.2f} | " + ' | '.join(
                             _fmt(e[f'{k}_{m}']) for m in ('corr', 'slope')
                             for k in ('tx', 'ty', 'angle')) + ' |')
    lines += [
        '', '| arm | grad STM last layer | grad STM | grad encoder | '
        'grad decoder | seg grad on theta | cos(seg grad, to truth) | '
        'train pose px (last 20 %) | seconds |', '|---|---|---|---|---|---|'
        '---|---|---|'
    ]
    for r in results:
        t, last = r['train'], r['train_last']
        lines.append(
            f"| {r['arm']} | {t['grad_stm_last']:.2e} | {t['grad_stm']:.2e} "
            f"| {t['grad_encoder']:.2e} | {t['grad_decoder']:.2e} | "
            f"{_fmt(t.get('seg_grad_theta'), '.2e')} | "
            f"{_fmt(t.get('seg_grad_cos'), '+.3f')} | "
            f"{last['pose_px']:.2f} | {r['seconds']} |")
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--config', default='configs/banet/banet_r34_synocd-256_no-feam.py')
    parser.add_argument('--arms', nargs='+', choices=ARMS, default=ARMS)
    parser.add_argument('--iters', type=int, default=200)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--size', type=int, default=128)
    parser.add_argument('--width', type=int, default=16)
    parser.add_argument('--pairs', type=int, default=64)
    parser.add_argument('--eval-pairs', type=int, default=48)
    parser.add_argument('--preset', choices=sorted(PRESETS), default='default')
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--stm-lr-mult', type=float, default=1.0)
    parser.add_argument('--pose-weight', type=float, default=0.1)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--json', help='write the numbers to this file')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.size % 32:
        raise ValueError(f'--size must be a multiple of 32, got {args.size}')
    setup_runtime()
    # init_weights reports every parameter; the probe prints its table.
    MMLogger.get_current_instance().setLevel('WARNING')
    torch.set_num_threads(1)
    pairs = make_pairs(range(args.pairs), args.size, args.preset, args.seed)
    held_out = make_pairs(
        range(args.pairs, args.pairs + args.eval_pairs), args.size,
        args.preset, args.seed)
    eval_batch = render(held_out, [p.pose for p in held_out])
    results = []
    for arm in args.arms:
        torch.manual_seed(args.seed)
        model = build_model(args.config, args.width)
        results.append(train_arm(arm, model, pairs, eval_batch, args))
        print(f"{arm}: {results[-1]['seconds']} s", flush=True)
    print(report(results))
    if args.json:
        write_file(
            args.json,
            json.dumps(dict(args=vars(args), results=results),
                       indent=1).encode())


if __name__ == '__main__':
    main()
