"""Inference outside the Runner."""
from .defect_inferencer import DefectInferencer
from .inference import PairResult, inference_pair, init_model

__all__ = ['DefectInferencer', 'PairResult', 'inference_pair', 'init_model']
