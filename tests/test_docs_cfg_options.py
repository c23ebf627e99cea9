"""Every command of the documentation that passes ``--cfg-options`` works
on its configs.

The commands are found in the code blocks (fenced or indented) of
README.md, docs/**/*.md and configs/*/README.md, so that a new one is
checked without being listed here.  For each config a command names, the
config is loaded, the command's ``--iters`` / ``--epochs`` /
``--batch-size`` / ``--lr`` are applied as ``tools/train.py`` applies them,
and its options are merged as ``--cfg-options`` merges them.  An option must
change something the config has: its parent must exist, and under
``train_cfg`` and ``param_scheduler`` the key itself (``train_cfg.max_iters``
on an epoch-based config would be silently ignored: ``--iters`` is the
option that works there).  A synopsis (``CONFIG [--cfg-options KEY=VALUE
...]``) names no config and is skipped; a command with concrete options but
no concrete config is an error.
"""
import argparse
import glob
import os.path as osp
import re
import shlex

import pytest
from mmengine.config import Config, DictAction

from mmdefect.utils import rescale_schedule

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
STRICT = ('train_cfg', 'param_scheduler')
# A concrete option (``train_cfg.max_iters=1000``), not a placeholder
# (``KEY=VALUE``).
OPTION = re.compile(r'[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*=\S+')
SCHEDULE_FLAGS = dict(
    iters='--iters', epochs='--epochs', batch_size='--batch-size', lr='--lr')


def markdown_files():
    files = ['README.md']
    files += glob.glob('docs/**/*.md', root_dir=REPO, recursive=True)
    files += glob.glob('configs/**/README.md', root_dir=REPO, recursive=True)
    return sorted(files)


def code_blocks(text):
    """The fenced and the indented code blocks of a markdown text, as lists
    of lines."""
    blocks, block, fence, indented = [], [], None, False
    previous_blank = True
    for line in text.splitlines():
        if fence is not None:
            if line.strip().startswith(fence):
                blocks.append(block)
                block, fence = [], None
            else:
                block.append(line)
            continue
        match = re.match(r'\s*(```|~~~)', line)
        if match:
            if indented:
                blocks.append(block)
                block, indented = [], False
            fence = match.group(1)
            continue
        if line.startswith('    ') and (indented or previous_blank):
            indented = True
            block.append(line[4:])
        elif indented and line.strip():
            blocks.append(block)
            block, indented = [], False
        previous_blank = not line.strip()
    if block:
        blocks.append(block)
    return blocks


def commands(path):
    """``(line, command)`` of every tool command with ``--cfg-options`` in
    the code blocks of ``path``, continuation lines joined and the shell
    variables the block assigns expanded."""
    with open(osp.join(REPO, path)) as f:
        text = f.read()
    found = []
    for block in code_blocks(text):
        joined, current = [], ''
        for line in block:
            current += line.rstrip()
            if current.endswith('\\'):
                current = current[:-1] + ' '
                continue
            joined.append(current)
            current = ''
        variables = {}
        for line in joined:
            assign = re.match(r'^([A-Z_][A-Z0-9_]*)=(.*)$', line.strip())
            if assign:
                variables[assign.group(1)] = ' '.join(
                    shlex.split(assign.group(2)))
                continue
            if '--cfg-options' not in line.split('#')[0]:
                continue
            line = re.sub(r'\$\{?([A-Z_][A-Z0-9_]*)\}?',
                          lambda m: variables.get(m.group(1), m.group(0)),
                          line)
            found.append(line.strip())
    return found


def _unbracket(token):
    """A token without the brackets of a synopsis' optional part
    (``[--iters N]``), a value's own brackets (``=[1.0,10.0]``) kept."""
    if token.startswith('[') and not token.startswith('[['):
        token = token[1:]
    while token.endswith(']') and token.count(']') > token.count('['):
        token = token[:-1]
    return token.strip('|')


def parse(command):
    """The configs, schedule options and ``--cfg-options`` tokens of a
    command; None for a synopsis."""
    tokens = [_unbracket(t) for t in shlex.split(command, comments=True)]
    if '--cfg-options' not in tokens:
        return None
    start = tokens.index('--cfg-options') + 1
    end = next(
        (i for i in range(start, len(tokens)) if tokens[i].startswith('--')),
        len(tokens))
    options = [t for t in tokens[start:end] if t]
    configs = [t for t in tokens if re.fullmatch(r'configs/\S+\.py', t)]
    schedule = {}
    for key, flag in SCHEDULE_FLAGS.items():
        value = tokens[tokens.index(flag) + 1] if flag in tokens else ''
        if re.fullmatch(r'[\d.e+-]+', value):
            schedule[key] = float(value) if key == 'lr' else int(value)
    concrete = [o for o in options if OPTION.fullmatch(o)]
    if not configs and not concrete:
        return None  # a synopsis: CONFIG [--cfg-options KEY=VALUE ...]
    return configs, schedule, options


def documented_commands():
    return [(path, command) for path in markdown_files()
            for command in commands(path)]


def _exists(cfg, key, strict):
    """Whether the config has ``key`` (dotted, list indices as numbers),
    or only its parent unless ``strict``."""
    node = cfg.to_dict()
    parts = key.split('.')
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, (list, tuple)) and part.isdigit():
            if int(part) >= len(node):
                return False
            node = node[int(part)]
        elif isinstance(node, dict):
            if part not in node:
                return last and not strict
            node = node[part]
        else:
            return False
    return True


def options_dict(options):
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *options]).cfg_options


def test_commands_are_found():
    found = documented_commands()
    assert len(found) >= 5
    assert any('configs/mffpa/README.md' == path for path, _ in found)


@pytest.mark.parametrize('path,command', documented_commands())
def test_documented_cfg_options_apply(path, command):
    parsed = parse(command)
    if parsed is None:
        pytest.skip('a synopsis')
    configs, schedule, options = parsed
    assert configs, (f'{path}: {command!r} passes --cfg-options but names '
                     'no config under configs/')
    assert all(OPTION.fullmatch(o) for o in options), (
        f'{path}: {command!r}: every --cfg-options value must be concrete '
        'KEY=VALUE')
    values = options_dict(options)
    for config in configs:
        assert osp.isfile(osp.join(REPO, config)), f'{path}: {config} missing'
        cfg = Config.fromfile(osp.join(REPO, config))
        if schedule:
            rescale_schedule(cfg, **schedule, epoch_length=10)
        for key in values:
            strict = key.split('.')[0] in STRICT
            assert _exists(cfg, key, strict), (
                f'{path}: {command!r} sets {key}, which {config} does not '
                'have' + (' (use --iters / --epochs for the training length)'
                          if key.startswith('train_cfg.') else ''))
        cfg.merge_from_dict(values)


def test_parsing_finds_the_failure_of_the_issue(tmp_path):
    """``train_cfg.max_iters`` on an epoch-based config is refused; the
    same length through ``--iters`` passes."""
    config = 'configs/lsanet/lsanet_synlcd-256.py'
    cfg = Config.fromfile(osp.join(REPO, config))
    assert not _exists(cfg, 'train_cfg.max_iters', strict=True)
    rescale_schedule(cfg, iters=10)
    assert _exists(cfg, 'train_cfg.max_iters', strict=True)
    assert _exists(cfg, 'model.decode_head.new_key', strict=False)
    assert not _exists(cfg, 'model.no_such_head.key', strict=False)
    doc = tmp_path / 'a.md'
    doc.write_text('Run\n\n    python tools/train.py configs/x.py \\\n'
                   '        --cfg-options a.b=1\n\n```bash\nB="c.d=2"\n'
                   'python tools/train.py configs/y.py --iters 5 '
                   '--cfg-options $B  # note\n'
                   'python tools/test.py CONFIG CKPT [--cfg-options ...]\n'
                   '```\n')
    found = commands(str(doc))
    assert len(found) == 3
    assert parse(found[0]) == (['configs/x.py'], {}, ['a.b=1'])
    assert parse(found[1]) == (['configs/y.py'], {'iters': 5}, ['c.d=2'])
    assert parse(found[2]) is None
