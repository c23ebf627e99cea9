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


def pose_from_matrix(matrix, size) -> dict:
    """The pose whose :func:`pose_matrix` is closest to ``matrix`` (2 x 3,
    template pixels -> sample pixels): the similarity part of a general
    affine (rotation and scale from the mean of its two rotation-like
    entries), translation as :func:`pose_matrix` adds it."""
    h, w = (size, size) if np.isscalar(size) else size
    m = np.asarray(matrix, np.float64)
    a = (m[0, 0] + m[1, 1]) / 2  # scale * cos(angle)
    b = (m[0, 1] - m[1, 0]) / 2  # scale * sin(angle)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    return dict(
        tx=float(m[0, 2] - ((1 - a) * cx - b * cy)),
        ty=float(m[1, 2] - (b * cx + (1 - a) * cy)),
        angle=float(np.degrees(np.arctan2(b, a))),
        scale=float(np.hypot(a, b)))
