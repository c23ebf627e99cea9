"""Fixtures of the tool tests."""
import importlib
import os.path as osp
import sys

import pytest


@pytest.fixture(scope='session')
def benchmarks(repo):
    """Imports a module of ``tools/benchmarks`` by name: its scripts import
    each other by name, as they do when run from that folder."""
    folder = osp.join(repo, 'tools', 'benchmarks')
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module
