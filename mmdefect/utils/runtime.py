"""The one call that prepares mmengine and torch for mmdefect.

Importing mmdefect registers its modules in mmseg's registries and changes
nothing else, so a config with ``custom_imports=dict(imports=['mmdefect'])``
builds through mmseg's own tools and ``mim`` with no other side effect.
Loading Runner checkpoints under torch >= 2.6, and checkpoint errors that
name the file, need process-wide changes to torch and mmengine; a program
opts into them with :func:`setup_runtime`, as an mmseg program calls
``mmseg.utils.register_all_modules``.  The tools and
:class:`~mmdefect.apis.DefectInferencer` make the call.
"""
from .checkpoint import allow_runner_checkpoints, register_checkpoint_loader


def setup_runtime(init_default_scope: bool = True) -> None:
    """Register mmdefect's and mmseg's modules, make mmseg the default
    scope, let torch's safe loader read Runner checkpoints and make
    mmengine's reader of local checkpoints name an unreadable file.

    Calling it again changes nothing.

    Args:
        init_default_scope (bool): Make ``mmseg`` the default registry scope,
            as the configs' ``default_scope`` does inside a Runner, so that
            components built outside one (``MODELS.build``) resolve their
            nested configs alike.  Defaults to True.
    """
    from mmseg.utils import register_all_modules

    import mmdefect.datasets  # noqa: F401
    import mmdefect.engine  # noqa: F401
    import mmdefect.evaluation  # noqa: F401
    import mmdefect.models  # noqa: F401
    import mmdefect.visualization  # noqa: F401
    register_all_modules(init_default_scope)
    allow_runner_checkpoints()
    register_checkpoint_loader()
