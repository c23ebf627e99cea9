"""The one call that prepares mmengine and torch for mmdefect.

Importing mmdefect registers its modules in mmseg's registries and changes
nothing else, so a config with ``custom_imports=dict(imports=['mmdefect'])``
builds through mmseg's own tools and ``mim`` with no other side effect.
Loading Runner checkpoints under torch >= 2.6, checkpoint errors that name
the file, and the silencing of the stack's notices about its own internals
need process-wide changes to torch, mmengine and :mod:`warnings`; a program
opts into them with :func:`setup_runtime`, as an mmseg program calls
``mmseg.utils.register_all_modules``.  The tools and
:class:`~mmdefect.apis.DefectInferencer` make the call.
"""
import logging
import sys
import warnings

from .checkpoint import allow_runner_checkpoints, register_checkpoint_loader

# (message, module) of the stack's warnings that say nothing a user of a
# config can act on; each is printed on every run.  Matched from the
# message's start, only where that module raises it.
QUIET_WARNINGS = (
    # mmseg's BaseDecodeHead builds its losses with mmseg's own deprecated
    # builder.
    (r'``build_loss`` would be deprecated soon', r'mmseg\.models\.builder'),
    # A reminder of mmseg's default for CrossEntropyLoss, which the configs
    # keep.
    (r'Default ``avg_non_ignore`` is False',
     r'mmseg\.models\.losses\.cross_entropy_loss'),
    # mmseg's advice to give two-class heads one sigmoid output; the
    # configs keep the papers' two-class softmax.
    (r'For binary segmentation, we suggest using',
     r'mmseg\.models\.decode_heads\.decode_head'),
    # LSA-Net's and BANet's blocks keep a convolution bias in front of BN,
    # as the authors' code does (LSA-Net's Table 6 counts it).
    (r'Unnecessary conv bias before batch/instance norm',
     r'mmcv\.cnn\.bricks\.conv_module'),
    # The visualisation hook draws only when asked (tools/test.py
    # --show-dir); off is the default, not a fault.
    (r'The draw is False, it means that the hook for visualization',
     r'mmseg\.engine\.hooks\.visualization_hook'),
)
# Starts of mmengine's log warnings about its own internals: its
# CheckpointHook builds a deprecated FileClient (with the deprecated
# HardDiskBackend) on every training run, whatever the config says.
QUIET_LOG_MESSAGES = (
    '"FileClient" will be deprecated in future.',
    '"HardDiskBackend" is the alias of "LocalBackend"',
)


def setup_runtime(init_default_scope: bool = True) -> None:
    """Register mmdefect's and mmseg's modules, make mmseg the default
    scope, let torch's safe loader read Runner checkpoints, make
    mmengine's reader of local checkpoints name an unreadable file, and
    ignore the warnings of :data:`QUIET_WARNINGS` (unless Python was given
    warning options: ``-W default`` shows them all).

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
    # Warning options given to Python (-W, PYTHONWARNINGS) decide alone, as
    # the warnings module's documentation recommends for programs.
    if sys.warnoptions:
        return
    for message, module in QUIET_WARNINGS:
        # An identical filter is replaced, not added again.
        warnings.filterwarnings(
            'ignore', message=message, category=UserWarning, module=module)


class _QuietLogMessages(logging.Filter):
    """Drops warning records that start with one of
    :data:`QUIET_LOG_MESSAGES`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and isinstance(
            record.msg, str) and record.msg.startswith(QUIET_LOG_MESSAGES))


def quiet_runner_logger(logger: logging.Logger) -> None:
    """Drop the log warnings of :data:`QUIET_LOG_MESSAGES` from a Runner's
    logger (``runner.logger``).

    mmengine makes a logger per Runner, so a tool calls this after
    building one; calling it again changes nothing.
    """
    if not any(isinstance(f, _QuietLogMessages) for f in logger.filters):
        logger.addFilter(_QuietLogMessages())
