"""Global registration of the template to its sample with OpenCV.

Paired models compare a sample with its defect-free template pixel by pixel
or feature by feature; a template shifted or turned against the sample (a
board placed differently on the line, another camera pose) turns every edge
into a difference.  :func:`register_template` estimates the global motion
that carries the template onto the sample and warps the template with it,
before the network sees the pair:

1. ECC (Evangelidis & Psarakis, "Parametric image alignment using enhanced
   correlation coefficient maximization", TPAMI 2008; OpenCV's
   ``cv2.findTransformECC``) with a Euclidean, affine or homography model,
   coarse to fine on an image pyramid whose coarsest level is about
   ``min_side`` pixels (the pyramid widens ECC's basin of convergence from
   a few pixels to the shifts and turns of a placed board), started at
   that level by a Euclidean ECC from the identity and from the
   translation of ``cv2.phaseCorrelate``, whichever converges better;
2. where ECC does not converge or ends under the quality floor, a
   homography of ORB feature matches (Lowe's ratio test) fitted with
   RANSAC (``cv2.findHomography``), with its inlier ratio and reprojection
   residual.

Quality.  Whatever the method, the alignment is scored by the correlation
coefficient of the sample and the warped template over the template's
valid region (ECC's own criterion), at the registration resolution.  A pair
scoring under ``min_correlation``, a blank or saturated image (nothing to
align on) and a warped template covering less than ``min_valid`` of the
sample are refused with :class:`RegistrationError`, which names the image
and the reason: such a pair is not segmented.

A panel of identical units is periodic: an alignment one unit off
correlates about as well as the true one, and the score cannot tell them
apart.  ECC then keeps to the basin it starts in, so the coarsest level
must leave the units several pixels wide; at 64 px a 4,096 px board of
256 px units (4 px each) did not register, at 128 px it does, within
0.1 px of its pose (and shrinking the 2,048 board to 512 px locked it one
unit off at correlation 0.97).

Registration runs at most at ``max_side`` pixels (the image is shrunk by
area averaging above it) and the motion is scaled back to full resolution,
so its cost stops growing with the image.
"""
import copy
from typing import List, Optional, Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from .loading import IGNORE_INDEX

MOTIONS = dict(
    euclidean=cv2.MOTION_EUCLIDEAN,
    affine=cv2.MOTION_AFFINE,
    homography=cv2.MOTION_HOMOGRAPHY)
#: Meta keys the registration adds for ``PackDefectInputs``.
REGISTRATION_META_KEYS = ('registration', 'template_valid')
# Fewest RANSAC inliers a feature homography is trusted with.
MIN_INLIERS = 12


class RegistrationError(ValueError):
    """A pair that cannot be registered; ``quality`` holds what was
    measured (``None`` where nothing could be)."""

    def __init__(self, message: str, quality: Optional[dict] = None):
        super().__init__(message)
        self.quality = quality


def _grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    elif image.ndim == 3:
        image = image[..., 0]
    return image.astype(np.float32)


def _shrink(image: np.ndarray, factor: float) -> np.ndarray:
    if factor == 1:
        return image
    h, w = image.shape[:2]
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def rescale_matrix(matrix: np.ndarray, factor: float) -> np.ndarray:
    """A 3 x 3 motion between images shrunk by ``factor`` as the motion
    between the images ``factor`` times larger (pixel centres aligned:
    ``x_large = factor * x_small + (factor - 1) / 2``)."""
    scale = np.array([[factor, 0, (factor - 1) / 2],
                      [0, factor, (factor - 1) / 2], [0, 0, 1]])
    return scale @ matrix @ np.linalg.inv(scale)


def correlation(a: np.ndarray, b: np.ndarray, valid: np.ndarray) -> float:
    """Correlation coefficient of two grey images over ``valid``."""
    x, y = a[valid].astype(np.float64), b[valid].astype(np.float64)
    if x.size < 2:
        return 0.
    x, y = x - x.mean(), y - y.mean()
    norm = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / norm) if norm > 0 else 0.


def warp_template(template: np.ndarray, matrix: np.ndarray, size) -> tuple:
    """The template warped onto the sample's grid by ``matrix`` (3 x 3,
    template pixels to sample pixels) and the valid mask: sample pixels
    whose template source lies inside the template (bilinear weights of
    in-image pixels only)."""
    h, w = size
    warped = cv2.warpPerspective(
        template,
        matrix, (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0)
    inside = cv2.warpPerspective(
        np.ones(template.shape[:2], np.float32),
        matrix, (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0)
    return warped, inside >= 1 - 1e-4


def _ecc_step(sample: np.ndarray, template: np.ndarray, matrix: np.ndarray,
              motion: str, criteria: tuple) -> tuple:
    """One ``cv2.findTransformECC`` from ``matrix`` (3 x 3, template ->
    sample); (correlation, refined matrix)."""
    # ECC finds W with template(W x) = sample(x): the inverse motion.
    inverse = np.linalg.inv(matrix)
    inverse = (inverse / inverse[2, 2]).astype(np.float32)
    if motion != 'homography':
        inverse = inverse[:2]
    score, inverse = cv2.findTransformECC(sample, template, inverse,
                                          MOTIONS[motion], criteria, None, 5)
    if motion != 'homography':
        inverse = np.vstack([inverse, [0, 0, 1]])
    matrix = np.linalg.inv(inverse.astype(np.float64))
    return score, matrix / matrix[2, 2]


def _ecc(sample: np.ndarray, template: np.ndarray, motion: str, min_side: int,
         iterations: int, eps: float) -> np.ndarray:
    """ECC coarse to fine; the 3 x 3 motion template -> sample.

    At the coarsest level a Euclidean motion (its basin is wider than an
    affine one's) starts from the identity and from the phase-correlation
    translation, and the better converged start is refined with ``motion``
    level by level.
    """
    levels = max(0, int(np.floor(np.log2(min(sample.shape) / min_side))))
    pyramid = [(sample, template)]
    for _ in range(levels):
        pyramid.append(tuple(cv2.pyrDown(image) for image in pyramid[-1]))
    pyramid.reverse()
    coarse_sample, coarse_template = pyramid[0]
    window = cv2.createHanningWindow(coarse_sample.shape[::-1], cv2.CV_32F)
    (dx, dy), _ = cv2.phaseCorrelate(coarse_template, coarse_sample, window)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, iterations,
                eps)
    starts = []
    for start in (np.eye(3), np.array([[1, 0, dx], [0, 1, dy], [0, 0, 1]])):
        try:
            starts.append(
                _ecc_step(coarse_sample, coarse_template, start, 'euclidean',
                          criteria))
        except cv2.error:
            continue
    if not starts:
        raise cv2.error('ECC converged from neither the identity nor the '
                        'phase-correlation translation')
    matrix = max(starts, key=lambda start: start[0])[1]
    for level, (level_sample, level_template) in enumerate(pyramid):
        if level:
            matrix = rescale_matrix(matrix, 2)
        matrix = _ecc_step(level_sample, level_template, matrix, motion,
                           criteria)[1]
    return matrix


def _features(sample: np.ndarray, template: np.ndarray) -> tuple:
    """RANSAC homography of ORB matches, its inlier ratio and mean
    reprojection residual (px); raises RegistrationError when too few
    matches survive."""
    orb = cv2.ORB_create(nfeatures=4000)
    key_t, desc_t = orb.detectAndCompute(
        cv2.normalize(template, None, 0, 255, cv2.NORM_MINMAX, cv2.CV_8U),
        None)
    key_s, desc_s = orb.detectAndCompute(
        cv2.normalize(sample, None, 0, 255, cv2.NORM_MINMAX, cv2.CV_8U), None)
    if desc_t is None or desc_s is None:
        raise RegistrationError('no ORB features found')
    matches = [
        pair[0] for pair in cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(
            desc_t, desc_s, k=2)
        if len(pair) == 2 and pair[0].distance < 0.8 * pair[1].distance
    ]
    if len(matches) < MIN_INLIERS:
        raise RegistrationError(f'{len(matches)} ORB matches survive the '
                                f'ratio test (< {MIN_INLIERS})')
    src = np.float32([key_t[m.queryIdx].pt for m in matches])
    dst = np.float32([key_s[m.trainIdx].pt for m in matches])
    matrix, inliers = cv2.findHomography(src, dst, cv2.RANSAC, 3.0)
    if matrix is None or inliers.sum() < MIN_INLIERS:
        raise RegistrationError('RANSAC found no homography with '
                                f'{MIN_INLIERS} inliers')
    inliers = inliers.ravel().astype(bool)
    projected = cv2.perspectiveTransform(src[inliers, None], matrix)[:, 0]
    residual = float(np.linalg.norm(projected - dst[inliers], axis=1).mean())
    return matrix, float(inliers.mean()), residual


def register_template(sample: np.ndarray,
                      template: np.ndarray,
                      motion: str = 'affine',
                      min_correlation: float = 0.5,
                      min_valid: float = 0.5,
                      min_std: float = 2.,
                      max_side: int = 1024,
                      min_side: int = 128,
                      iterations: int = 100,
                      eps: float = 1e-5,
                      name: str = 'the sample') -> dict:
    """Register ``template`` to ``sample`` (both H x W x C uint8, or
    H x W); see the module docstring.

    Returns a dict: ``template`` (warped onto the sample's grid, the
    sample's own pixels outside its valid region), ``valid`` (bool H x W)
    and ``quality``: ``method`` ('ecc' or 'features'), ``correlation``,
    ``valid_fraction``, ``inlier_ratio`` and ``residual_px`` (feature
    fallback only, else None) and ``matrix`` (3 x 3, template pixels to
    sample pixels, as :func:`mmdefect.utils.geometry.pose_matrix`).

    Raises:
        RegistrationError: a blank or saturated image, images of different
            sizes, or an alignment under the floors; the message names
            ``name`` and the measured score.
    """
    if motion not in MOTIONS:
        raise ValueError(f'motion must be one of {tuple(MOTIONS)}, got '
                         f'{motion!r}')
    if sample.shape[:2] != template.shape[:2]:
        raise RegistrationError(
            f'{name}: template of size {template.shape[:2]} cannot be '
            f'registered to a sample of size {sample.shape[:2]}')
    grey = dict(sample=_grey(sample), template=_grey(template))
    for role, image in grey.items():
        if image.std() < min_std:
            raise RegistrationError(
                f'{name}: the {role} is blank or saturated (grey-level std '
                f'{image.std():.2f} < {min_std}): nothing to register on')
    factor = max(1., max(sample.shape[:2]) / max_side)
    small_sample = _shrink(grey['sample'], factor)
    small_template = _shrink(grey['template'], factor)
    quality = dict(
        method='ecc', inlier_ratio=None, residual_px=None, correlation=0.)
    reasons = []
    try:
        matrix = _ecc(small_sample, small_template, motion, min_side,
                      iterations, eps)
    except cv2.error as err:
        matrix = None
        reasons.append(f'ECC did not converge ({str(err).strip()[-80:]})')
    if matrix is not None:
        quality['correlation'] = _score(small_sample, small_template, matrix)
    if matrix is None or quality['correlation'] < min_correlation:
        if matrix is not None:
            reasons.append(f"ECC correlation {quality['correlation']:.3f}")
        try:
            found, ratio, residual = _features(small_sample, small_template)
        except RegistrationError as err:
            reasons.append(f'feature fallback: {err}')
        else:
            score = _score(small_sample, small_template, found)
            if matrix is None or score > quality['correlation']:
                matrix = found
                quality.update(
                    method='features',
                    correlation=score,
                    inlier_ratio=ratio,
                    residual_px=residual * factor)
            reasons.append(f'feature homography correlation {score:.3f} '
                           f'(inlier ratio {ratio:.2f})')
    if matrix is None or quality['correlation'] < min_correlation:
        raise RegistrationError(
            f'{name}: the template does not register with the sample '
            f"(correlation {quality['correlation']:.3f} < floor "
            f"{min_correlation}; {'; '.join(reasons)})", quality)
    matrix = rescale_matrix(matrix, factor)
    warped, valid = warp_template(template, matrix, sample.shape[:2])
    quality.update(matrix=matrix.tolist(), valid_fraction=float(valid.mean()))
    if quality['valid_fraction'] < min_valid:
        raise RegistrationError(
            f'{name}: the registered template covers '
            f"{quality['valid_fraction']:.1%} of the sample (< "
            f'{min_valid:.0%})', quality)
    warped[~valid] = sample[~valid]
    return dict(template=warped, valid=valid, quality=quality)


def _score(sample: np.ndarray, template: np.ndarray,
           matrix: np.ndarray) -> float:
    warped, valid = warp_template(template, matrix, sample.shape)
    return correlation(sample, warped, valid)


@TRANSFORMS.register_module()
class RegisterTemplate(BaseTransform):
    """Warp the template of a stacked pair onto its sample
    (:func:`register_template`).

    Required keys: ``img`` (H, W, 2C), the sample's C channels first, as
    :class:`LoadDefectImages` stacks a pair.
    Modified keys: ``img`` (the template's channels registered), and
    ``gt_seg_map`` where loaded: the ignore index (255) outside the
    template's valid region, so that no loss or metric judges pixels that
    have nothing to be compared with.
    Added keys: ``registration`` (the quality dict) and ``template_valid``
    (bool H x W at the loaded size), meta data that ``PackDefectInputs``
    packs by default; the segmentor zeroes the defect probability and the
    heat maps outside ``template_valid``.

    Place it after the loading transforms and before any geometric one, as
    :func:`with_registration` does.  A pair that does not register raises
    :class:`RegistrationError` (a ``ValueError``) naming the sample.

    Args:
        motion (str): 'euclidean', 'affine' or 'homography'.
        min_correlation (float): Quality floor of the alignment.
        min_valid (float): Least fraction of the sample the registered
            template must cover.
        min_std (float): Least grey-level standard deviation of either
            image (below it the image is blank or saturated).
        max_side (int): Largest side registration runs at.
        **kwargs: ``min_side``, ``iterations``, ``eps`` of
            :func:`register_template`.
    """

    def __init__(self,
                 motion: str = 'affine',
                 min_correlation: float = 0.5,
                 min_valid: float = 0.5,
                 min_std: float = 2.,
                 max_side: int = 1024,
                 **kwargs) -> None:
        if motion not in MOTIONS:
            raise ValueError(f'motion must be one of {tuple(MOTIONS)}, got '
                             f'{motion!r}')
        self.kwargs = dict(
            motion=motion,
            min_correlation=min_correlation,
            min_valid=min_valid,
            min_std=min_std,
            max_side=max_side,
            **kwargs)

    def transform(self, results: dict) -> dict:
        img = results['img']
        name = results.get('img_path') or 'the sample (array)'
        if img.ndim != 3 or img.shape[2] % 2:
            raise ValueError(
                f'{name}: RegisterTemplate needs a sample and its template '
                f'stacked on channels, got an image of shape {img.shape}')
        channels = img.shape[2] // 2
        sample = img[..., :channels]
        registered = register_template(
            sample, img[..., channels:], name=name, **self.kwargs)
        results['img'] = np.concatenate([sample, registered['template']],
                                        axis=2)
        results['registration'] = registered['quality']
        results['template_valid'] = registered['valid']
        if 'gt_seg_map' in results:
            mask = results['gt_seg_map'].copy()
            mask[~registered['valid']] = IGNORE_INDEX
            results['gt_seg_map'] = mask
        return results

    def __repr__(self) -> str:
        args = ', '.join(f'{k}={v!r}' for k, v in self.kwargs.items())
        return f'{type(self).__name__}({args})'


_LOADING = ('LoadDefectImages', 'LoadDefectAnnotations')


def with_registration(pipeline: Sequence[dict], **kwargs) -> List[dict]:
    """``pipeline`` (transform configs) with :class:`RegisterTemplate`
    (``kwargs``) after its loading transforms and the registration's meta
    keys added to an explicit ``PackDefectInputs.meta_keys``; the config
    switch of training, testing and inference.  A pipeline that already
    registers is returned unchanged."""
    pipeline = copy.deepcopy(list(pipeline))
    if any(t['type'] == 'RegisterTemplate' for t in pipeline):
        return pipeline
    loads = [i for i, t in enumerate(pipeline) if t['type'] in _LOADING]
    if not loads:
        raise ValueError('the pipeline loads no images (LoadDefectImages), '
                         'so there is no template to register')
    pipeline.insert(loads[-1] + 1, dict(type='RegisterTemplate', **kwargs))
    for transform in pipeline:
        _add_meta_keys(transform)
    return pipeline


def _add_meta_keys(transform: dict) -> None:
    """Add the registration's meta keys to an explicit
    ``PackDefectInputs`` (also inside ``TestTimeAug``)."""
    if transform['type'] == 'PackDefectInputs' and 'meta_keys' in transform:
        transform['meta_keys'] = tuple(
            dict.fromkeys((*transform['meta_keys'], *REGISTRATION_META_KEYS)))
    for branch in transform.get('transforms', []):
        for inner in branch if isinstance(branch, list) else [branch]:
            _add_meta_keys(inner)
