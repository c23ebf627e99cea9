"""Fixtures of the deployment tests."""
import importlib.util

import pytest


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
