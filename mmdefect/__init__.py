"""mmdefect: template-comparison surface-defect segmentation for mmseg 1.x.

Importing the package registers its datasets, transforms, models, metrics,
hooks and visualizers in mmsegmentation's registries and changes nothing in
mmengine or torch.  Programs that load checkpoints call
:func:`mmdefect.utils.setup_runtime` once (the tools and
:class:`~mmdefect.apis.DefectInferencer` do).
"""
from . import visualization  # noqa: F401
from . import apis, datasets, engine, evaluation, models  # noqa: F401
from .version import __version__

__all__ = ['__version__']
