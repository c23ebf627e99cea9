"""Inference outside the Runner: build a model, segment image pairs."""
from .inference import (PairResult, inference_pair, init_model, is_paired,
                        prepare_batch)

__all__ = [
    'PairResult', 'inference_pair', 'init_model', 'is_paired', 'prepare_batch'
]
