"""Distributed runs without GPUs (gloo)."""
import gc
import os

import torch
import torch.distributed as torch_dist


def setup_cpu_distributed(cfg) -> None:
    """Make ``cfg`` run under torchrun on machines without CUDA.

    mmengine's ``init_dist`` always calls ``torch.cuda.set_device`` and wraps
    the model with ``device_ids=[LOCAL_RANK]``; both fail on CPU.  When the
    launcher is not ``none`` and CUDA is unavailable, the gloo process group
    is initialised here (the Runner then finds it initialised and skips its
    own set-up) and the DDP wrapper gets ``device_ids=None``.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper


def teardown_distributed() -> None:
    """Leave a distributed run cleanly: wait for every rank, then destroy
    the process group while the interpreter is fully alive.

    mmengine's Runner leaves the process group alive at the end of a run.
    Gloo's worker threads are then joined during interpreter finalisation,
    where releasing the tensors they still hold needs the GIL, which now and
    then aborts a rank ("terminate called without an active exception",
    exit -6) after all work is done, and torchrun fails the job.  The
    caller must drop the Runner first: its DDP wrapper holds a reference to
    the process group, which would otherwise outlive ``destroy``.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        gc.collect()  # the Runner's reference cycles, DDP wrapper included
        torch_dist.barrier()
        torch_dist.destroy_process_group()
