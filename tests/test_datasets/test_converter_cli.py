"""The converters' shared command line (tools/dataset_converters/_cli.py):
one ``--help`` layout, the shared options in one wording, the summary."""
import glob
import json
import os.path as osp
import shutil

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = sorted(
    osp.splitext(osp.basename(p))[0]
    for p in glob.glob(osp.join(REPO, 'tools', 'dataset_converters', '*.py'))
    if not osp.basename(p).startswith('_'))
GENERATORS = ('synlcd', 'synocd', 'demo_folder')
# Generators whose work is spread over processes.
PARALLEL = ('synlcd', 'synocd')


def run(run_tool, name, *args):
    """Exit code, stdout with its line wrapping undone, stderr."""
    code, captured = run_tool(name, *args)
    return code, ' '.join(captured.out.split()), captured.err


def test_every_tool_is_a_converter():
    assert len(TOOLS) == 14 and 'mixed_supervision' in TOOLS


@pytest.mark.parametrize('name', TOOLS)
def test_help_lists_the_shared_options(run_tool, name):
    code, out, _ = run(run_tool, name, '--help')
    assert code == 0
    assert out.startswith(f'usage: {name}.py [-h] [--seed SEED]')
    assert '--seed SEED seed of ' in out
    assert ('--overwrite replace an existing output, once the new one is '
            'complete') in out
    has_workers = ('--workers WORKERS worker processes; the output does not '
                   'depend on them (default: 1)') in out
    assert has_workers == (name in PARALLEL)
    if name != 'mixed_supervision':
        assert ("OUT_DIR output folder (the config's data_root); must not "
                'exist unless --overwrite') in out
    assert ('SOURCE' in out) == (name not in GENERATORS)


def test_mixed_supervision_tool(run_tool, paired_root, tmp_path):
    """Annotation files of an existing dataset: a percentage of the
    defective images, the summary, refusal to replace without
    --overwrite."""
    root = tmp_path / 'paired'
    shutil.copytree(paired_root, root)
    code, out, err = run(run_tool, 'mixed_supervision', root,
                         'splits/train.txt', '--num', '0', '50%', 'all')
    assert code == 0, err
    assert out.endswith('8 images, 8 defective; wrote '
                        'splits/train_n0.json (0 masks), splits/train_n4.json '
                        '(4 masks), splits/train_nall.json (8 masks)')
    masks = [
        e for e in json.loads((root / 'splits' /
                               'train_n4.json').read_text())['data_list']
        if 'seg_map_path' in e
    ]
    assert len(masks) == 4
    code, _, err = run(run_tool, 'mixed_supervision', root, 'splits/train.txt',
                       '--num', '4')
    assert code == 2 and 'train_n4.json exists' in err
    code, _, err = run(run_tool, 'mixed_supervision', root, 'splits/train.txt',
                       '--num', 'some')
    assert code == 2 and "invalid count value: 'some'" in err
