"""mmdefect: template-comparison surface-defect segmentation for mmseg 1.x.

Importing the package registers its datasets, transforms, models, metrics,
hooks and visualizers in mmsegmentation's registries, allow-lists what
mmengine Runner checkpoints need for torch's safe loader and makes unreadable
checkpoint files fail with their name.
"""
from . import visualization  # noqa: F401
from . import apis, datasets, engine, evaluation, models  # noqa: F401
from .utils import allow_runner_checkpoints, register_checkpoint_loader
from .version import __version__

allow_runner_checkpoints()
register_checkpoint_loader()

__all__ = ['__version__']
