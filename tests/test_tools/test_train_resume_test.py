"""The command-line tools end to end on a tiny paired dataset:
train -> resume -> test (metrics, panels, masks), and a 2-process DDP run."""
import csv
import json
import os
import subprocess
import sys

QUICK = 'configs/cadnet/cadnet_synlcd-quickstart.py'


def tiny_config(repo, tmp_path, data_root, max_iters):
    cfg = tmp_path / f'tiny_{max_iters}.py'
    cfg.write_text(f"""
_base_ = '{repo}/{QUICK}'
data_root = '{data_root}'
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root))
val_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
train_cfg = dict(max_iters={max_iters}, val_interval={max_iters})
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, max_keep_ckpts=5))
""")
    return str(cfg)


def run(repo, *args, env=None):
    proc = subprocess.run([sys.executable, *args],
                          cwd=repo,
                          capture_output=True,
                          text=True,
                          env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_train_resume_test(repo, paired_root, tmp_path):
    work = tmp_path / 'work'
    run(repo, 'tools/train.py', tiny_config(repo, tmp_path, paired_root, 2),
        '--work-dir', str(work))
    assert (work / 'iter_2.pth').exists()
    log = run(repo, 'tools/train.py',
              tiny_config(repo, tmp_path, paired_root, 4), '--work-dir',
              str(work), '--resume')
    assert 'resumed epoch: 0, iter: 2' in log
    assert (work / 'iter_4.pth').exists()
    out = run(repo, 'tools/test.py', tiny_config(repo, tmp_path,
                                                 paired_root, 4),
              str(work / 'iter_4.pth'), '--work-dir', str(tmp_path / 'test'),
              '--show-dir', str(tmp_path / 'panels'), '--out',
              str(tmp_path / 'masks'))
    for key in ('mIoU', 'mFscore', 'line', 'abpt'):
        assert key in out
    panels = list((tmp_path / 'panels').rglob('*.png'))
    masks = list((tmp_path / 'masks').rglob('*.png'))
    assert len(panels) == 4 and len(masks) == 4
    # The table beside the panels: every test image's label, score and
    # decision (every tiny test image has a defect).
    with open(tmp_path / 'panels' / 'summary.csv') as f:
        rows = list(csv.DictReader(f))
    assert [r['sample'].rsplit('/', 1)[-1]
            for r in rows] == [f'test_{i}.png' for i in range(4)]
    assert [r['gt_label'] for r in rows] == ['1'] * 4
    for row in rows:
        assert row['decision'] in ('0', '1') and 0 <= float(row['score']) <= 1
    results = list((tmp_path / 'test').rglob('*.json'))
    metrics = [json.loads(p.read_text()) for p in results]
    assert any('mIoU' in m and 'IoU.line' in m for m in metrics)
    out = run(repo, 'tools/test.py', tiny_config(repo, tmp_path,
                                                 paired_root, 4),
              str(work / 'iter_4.pth'), '--work-dir', str(tmp_path / 'tta'),
              '--tta')
    assert 'mIoU' in out


def test_two_process_cpu_ddp(repo, paired_root, tmp_path):
    """tools/dist_train.sh and dist_test.sh with 2 gloo processes on CPU."""
    env = dict(
        os.environ, OMP_NUM_THREADS='1', PYTHON=sys.executable, PORT='29533')
    work = tmp_path / 'ddp'
    cfg = tiny_config(repo, tmp_path, paired_root, 2)
    log = sh(
        repo,
        'tools/dist_train.sh',
        cfg,
        '2',
        '--work-dir',
        str(work),
        env=env)
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's word for the world size
    assert (work / 'iter_2.pth').exists()
    log = sh(
        repo,
        'tools/dist_test.sh',
        cfg,
        str(work / 'iter_2.pth'),
        '2',
        '--work-dir',
        str(tmp_path / 'ddp_test'),
        env=env)
    assert 'mIoU' in log


def sh(repo, script, *args, env):
    proc = subprocess.run(['bash', script, *args],
                          cwd=repo,
                          capture_output=True,
                          text=True,
                          env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr
