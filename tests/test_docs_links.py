"""Every relative link of the documentation resolves.

README.md, docs/**/*.md and the methods' configs/*/README.md are read as
GitHub renders them: a link ``[text](path#anchor)`` or image
``![alt](path)`` outside code blocks must name a file or folder of the
repository, and its anchor a heading of the target (GitHub's slugs); a
repository path written as code (`` `docs/x.md` ``, `` `tools/x.py` ``) must
exist, and a section named after it (`` `docs/x.md` ("Heading") ``) must be
one of its headings.  The repository must also be self-contained: no file
points at a folder outside it.
"""
import glob
import os.path as osp
import re
import subprocess

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
FENCE = re.compile(r'^(```|~~~).*?^\1', re.M | re.S)
LINK = re.compile(r'!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
REF_LINK = re.compile(r'^ {0,3}\[[^\]]+\]:\s*([^\s`]\S*)', re.M)
# A repository path written as code, optionally followed by a section name.
CODE_PATH = re.compile(r'`((?:configs|docs|tools|mmdefect|tests)/[^`\s]*)`'
                       r'(?:\s*\("([^"]+)"\))?')
# Placeholders in code paths (``configs/<method>/README.md``, ``...``).
PLACEHOLDER = re.compile(r'[<>*{}\[\]$]|\.\.\.|[A-Z]{3,}(?![a-z])')


def markdown_files():
    files = ['README.md']
    files += glob.glob('docs/**/*.md', root_dir=REPO, recursive=True)
    files += glob.glob('configs/**/README.md', root_dir=REPO, recursive=True)
    return sorted(files)


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped but
    ``-`` and ``_``, spaces to hyphens."""
    text = re.sub(r'`|\*\*|\[([^\]]*)\]\([^)]*\)', r'\1', heading.strip())
    return re.sub(r'[^\w\- ]', '', text.lower()).replace(' ', '-')


def anchors(path):
    """The anchors of the headings of a markdown file (``-1``, ``-2`` for
    repeated headings, as GitHub numbers them)."""
    with open(path) as f:
        text = FENCE.sub('', f.read())
    found, seen = set(), {}
    for match in re.finditer(r'^#{1,6}\s+(.+?)\s*#*\s*$', text, re.M):
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f'{base}-{count}')
    return found


def prose(path):
    """The text of a markdown file without its fenced code blocks."""
    with open(osp.join(REPO, path)) as f:
        return FENCE.sub('', f.read())


def broken_links(path):
    """``(target, why)`` of every relative link of ``path`` that does not
    resolve."""
    text = prose(path)
    targets = [m.group(1) for m in LINK.finditer(text)]
    targets += [m.group(1) for m in REF_LINK.finditer(text)]
    broken = []
    for target in targets:
        if re.match(r'[a-z][a-z0-9+.-]*:', target):  # http:, mailto:, ...
            continue
        file, _, anchor = target.partition('#')
        resolved = osp.normpath(
            osp.join(REPO, osp.dirname(path), file) if file else osp.
            join(REPO, path))
        if not resolved.startswith(REPO + osp.sep) and resolved != REPO:
            broken.append((target, 'points outside the repository'))
        elif not osp.exists(resolved):
            broken.append((target, 'no such file'))
        elif anchor and resolved.endswith('.md') and \
                anchor not in anchors(resolved):
            broken.append((target, f'no heading #{anchor}'))
    return broken


def broken_code_paths(path):
    """``(path, why)`` of every repository path written as code in
    ``path`` that does not exist, or whose named section does not."""
    broken = []
    for match in CODE_PATH.finditer(prose(path)):
        named, section = match.groups()
        if PLACEHOLDER.search(named):
            continue
        file = osp.join(REPO, named.split(':')[0].rstrip('/'))
        if not osp.exists(file):
            broken.append((named, 'no such file'))
        elif section and file.endswith('.md') and \
                slug(section) not in anchors(file):
            broken.append((named, f'no section "{section}"'))
    return broken


@pytest.mark.parametrize('path', markdown_files())
def test_relative_links_resolve(path):
    broken = broken_links(path) + broken_code_paths(path)
    assert not broken, f'{path}: ' + '; '.join(f'{target} ({why})'
                                               for target, why in broken)


def test_checks_catch_broken_links(tmp_path, monkeypatch):
    monkeypatch.setattr(f'{__name__}.REPO', str(tmp_path))
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'b.md').write_text('# Top\n## A heading, two\n')
    (tmp_path / 'docs' / 'a.md').write_text(
        '[ok](b.md#a-heading-two) [gone](c.md) [anchor](b.md#nope) '
        '[up](../../x.md)\n`docs/b.md` ("Top") `docs/b.md` ("Other") '
        '`tools/none.py` `configs/<method>/README.md`\n'
        '```\n[in code](missing.md)\n```\n')
    assert broken_links('docs/a.md') == [('c.md', 'no such file'),
                                         ('b.md#nope', 'no heading #nope'),
                                         ('../../x.md',
                                          'points outside the repository')]
    assert broken_code_paths('docs/a.md') == [
        ('docs/b.md', 'no section "Other"'), ('tools/none.py', 'no such file')
    ]


def test_no_reference_outside_the_repository():
    """No tracked file names the development notes that are not part of
    the repository; paper facts cite the paper's sections instead."""
    pattern = r'\.\./shared|shared/specs|specs/[a-z_]+\.md|checklist'
    found = subprocess.run(['git', 'grep', '-n', '-i', '-E', pattern],
                           cwd=REPO,
                           capture_output=True,
                           text=True)
    if found.returncode == 128:
        pytest.skip('not a git checkout')
    hits = [
        line for line in found.stdout.splitlines()
        if not line.startswith('tests/test_docs_links.py:')
    ]
    assert not hits, '\n'.join(hits[:20])
