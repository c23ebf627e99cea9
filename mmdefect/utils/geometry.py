"""Pixel-space geometry shared by the data generators and the diagnostics."""
import cv2
import numpy as np


def pose_matrix(pose: dict, size) -> np.ndarray:
    """2 x 3 affine that maps template pixels onto the sample's:
    ``cv2.warpAffine(template, pose_matrix(pose, size), (w, h))``
    registers the template with its sample; ``size`` is the side or
    (h, w).

    ``pose`` is a similarity about the image centre as SynOCD records it:
    ``angle`` (degrees, counter-clockwise), ``scale`` and the translation
    ``tx``, ``ty`` (px) applied after them.
    """
    h, w = (size, size) if np.isscalar(size) else size
    matrix = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), pose['angle'],
                                     pose['scale'])
    matrix[:, 2] += [pose['tx'], pose['ty']]
    return matrix
