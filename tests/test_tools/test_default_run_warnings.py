"""A default run prints no warning a user cannot act on: the quickstart
config trained for 2 iterations, tested with panels and run by
tools/infer.py, as a user types the commands, on a tiny SynLCD.  Only the
reminder to calibrate the checkpoint is left (:data:`ALLOWED`)."""
import re
import subprocess
import sys

QUICK = 'configs/cadnet/cadnet_synlcd-quickstart.py'
# Python warnings ("UserWarning: ...", TracerWarning, ...), mmengine's log
# warnings and ONNX Runtime's.
WARNING_LINE = re.compile(r'Warning\b|\bWARNING\b|\[W:onnxruntime')
# Warnings a default run may print: those that tell the user what to do.
ALLOWED = (
    # The checkpoint is used before tools/calibrate.py ran on it.
    'choose an operating point with tools/calibrate.py', )


def warning_lines(text):
    return [
        line for line in text.splitlines()
        if WARNING_LINE.search(line) and not any(a in line for a in ALLOWED)
    ]


def run(repo, *args):
    proc = subprocess.run([sys.executable, *args],
                          cwd=repo,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_default_commands_print_no_warnings(repo, synlcd_root, tmp_path):
    data = [
        f'{loader}.dataset.data_root={synlcd_root}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]
    work = tmp_path / 'work'
    logs = dict(
        train=run(repo, 'tools/train.py', QUICK, '--iters', '2', '--work-dir',
                  str(work), '--cfg-options', *data))
    checkpoint = str(work / 'iter_2.pth')
    logs['test'] = run(repo, 'tools/test.py', QUICK, checkpoint, '--work-dir',
                       str(tmp_path / 'test'), '--show-dir',
                       str(tmp_path / 'panels'), '--cfg-options', *data)
    logs['infer'] = run(repo, 'tools/infer.py', QUICK, checkpoint, '--pairs',
                        str(synlcd_root / 'splits' / 'test.txt'), '--root',
                        str(synlcd_root), '--out', str(tmp_path / 'infer'))
    # The runs did their work: a test log, panels, inferred masks.
    assert 'mIoU' in logs['test']
    assert list((tmp_path / 'panels').rglob('*.png'))
    assert list((tmp_path / 'infer').rglob('*.png'))
    found = {tool: warning_lines(log) for tool, log in logs.items()}
    assert found == dict(train=[], test=[], infer=[])


def test_the_check_sees_each_kind_of_warning():
    lines = [
        '/x/mmseg/models/builder.py:36: UserWarning: ``build_loss`` would be',
        '/x/a.py:3: TracerWarning: Converting a tensor to a Python boolean',
        '12/05 07:45:45 - mmengine - WARNING - The prefix is not set',
        '\x1b[0;93m2026-12-05 [W:onnxruntime:, execution_frame.cc:943]',
        '12/05 07:45:48 - mmengine - INFO - Iter(val) [1/1] mIoU: 31.84',
    ]
    assert warning_lines('\n'.join(lines)) == lines[:4]


def test_python_warning_options_decide_alone(repo):
    """``python -W ...`` (or PYTHONWARNINGS) keeps every warning visible:
    setup_runtime then adds no filter of its own."""
    probe = ('import warnings; from mmdefect.utils import setup_runtime; '
             'setup_runtime(); print("quieted:", any("build_loss" in '
             'str(f[1]) for f in warnings.filters))')
    assert 'quieted: True' in run(repo, '-c', probe)
    assert 'quieted: False' in run(repo, '-W', 'default', '-c', probe)
