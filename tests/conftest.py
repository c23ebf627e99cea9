"""Shared fixtures: a tiny paired defect dataset written to disk, and the
import of a tool script by its path."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest

from mmdefect.utils import setup_runtime

# What the tools do first: models built outside a Runner resolve nested
# configs (data preprocessors, losses) in the default scope 'mmseg', as the
# Runner does with default_scope='mmseg', and Runner checkpoints load.
setup_runtime()

CLASSES = ('background', 'line', 'abpt')


def _texture(rng, size):
    """A smooth random colour texture standing in for a display pattern."""
    small = rng.integers(0, 256, (size // 8, size // 8, 3), dtype=np.uint8)
    return cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)


def write_paired_dataset(root, num_train=8, num_test=4, size=64, seed=0):
    """Templates, samples (template + defects) and masks in list layout."""
    rng = np.random.default_rng(seed)
    for sub in ('templates', 'images', 'masks', 'splits'):
        (root / sub).mkdir(parents=True, exist_ok=True)
    templates = []
    for t in range(2):
        name = f'templates/t{t}.png'
        cv2.imwrite(str(root / name), _texture(rng, size))
        templates.append(name)
    for split, count in (('train', num_train), ('test', num_test)):
        lines = []
        for i in range(count):
            template = templates[i % 2]
            img = cv2.imread(str(root / template))
            mask = np.zeros((size, size), np.uint8)
            row = int(rng.integers(4, size - 8))
            mask[row:row + 3, :] = 1  # a line across the screen
            cy, cx = rng.integers(8, size - 8, 2)
            cv2.circle(mask, (int(cx), int(cy)), 3, 2, -1)  # an abnormal point
            img[mask == 1] = (255, 255, 255)
            img[mask == 2] = (0, 0, 255)
            name = f'{split}_{i}.png'
            cv2.imwrite(str(root / 'images' / name), img)
            cv2.imwrite(str(root / 'masks' / name), mask)
            lines.append(f'images/{name} {template} masks/{name}')
        (root / 'splits' / f'{split}.txt').write_text('\n'.join(lines) + '\n')
    return root


@pytest.fixture(scope='session')
def paired_root(tmp_path_factory):
    return write_paired_dataset(tmp_path_factory.mktemp('paired'))


@pytest.fixture(scope='session')
def synlcd_root(tmp_path_factory):
    """A real (tiny) SynLCD from the generator: 64x64, 6 per pattern."""
    from mmdefect.datasets.synlcd_generator import generate_synlcd
    out = tmp_path_factory.mktemp('synlcd') / 'synlcd'
    generate_synlcd(out, size=64, per_pattern=6, seed=0, workers=1)
    return out


@pytest.fixture(scope='session')
def synocd_root(tmp_path_factory):
    """A real (tiny) SynOCD from the generator: 64x64, 5 pairs per kind."""
    from mmdefect.datasets.synocd_generator import KINDS, generate_synocd
    out = tmp_path_factory.mktemp('synocd') / 'synocd'
    generate_synocd(out, size=64, counts=dict.fromkeys(KINDS, 5), sweep=False)
    return out


@pytest.fixture
def data_info(paired_root):
    """The data info dict DefectDataset makes for one sample."""
    from mmdefect.datasets import SynLCDDataset

    def get(index=0, root=paired_root, split='train'):
        ds = SynLCDDataset(
            data_root=str(root), ann_file=f'splits/{split}.txt', pipeline=[])
        return ds.get_data_info(index)

    return get


REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='session')
def repo():
    return REPO


@pytest.fixture(scope='session')
def tool(repo):
    """Imports a script of ``tools/`` by its path from the repository."""

    def load(path):
        spec = importlib.util.spec_from_file_location(
            path.replace('/', '_')[:-3], f'{repo}/{path}')
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
