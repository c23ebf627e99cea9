"""SynLCD: the synthetic LCD-defect data set of CADNet.

Reimplements the generator described in Section 4.1 ("Synthetic LCD defect
dataset"), Fig. 4, Fig. 5 and Table 1 of the CADNet paper. A defective sample
follows Eq. (1),

    x_ng = sigma(x_ok (+) x_defect),

where ``x_ok`` is one of ten defect-free display patterns, ``(+)`` overlays
line and abnormal-point (abpt) defects with Gaussian-blurred alpha masks or
Poisson seamless cloning, and ``sigma`` is a global screen change (brightness,
contrast, ISO noise and RGB deviation). Defect-free samples are
``sigma(x_ok)``. Templates (``x_ok``) are written without ``sigma``.

Table 1 values used as given: 5 defect colours (black, white, red, green,
blue), opacity 10-100 % in 10 % steps, line width 3-33 px in 3 px steps (the
table's "3 % interval" read as 3 px), brightness bias 1-6, contrast alpha
0.5-1.5 in 0.1 steps, ISO noise 10-100 % in 10 % steps, RGB deviation 3-33
grey levels in 3-level steps, 10 patterns split 7 train / 3 test.

Choices the paper leaves open (see docs/synlcd.md for the full list):

* Counts follow the text, not Table 1: 600 samples per pattern, i.e. 100 line,
  100 abpt, 100 mixed and 300 defect-free (4,200 train / 1,800 test). Table 1
  ("10x300x3" defective, "10x900" defect-free) contradicts those totals.
* The patterns are our own procedural rebuilds of the families of Fig. 4
  (colour blocks, grey transitions, colour maps, text, faces); faces come from
  images shipped with scikit-image.
* Line widths (and abpt radii) are given for 512x512 and scaled by size/512.
* Line areas: the screen is cut into K in {1, 2, 3} equal bands along one
  axis; each band gets one edge-to-edge line inside it, straight with
  probability 2/3, otherwise slanted.
* abpt: edge points are the morphological-gradient pixels of the binary masks
  ``gray > t`` for t = 50, 60, ..., 200, weighted by how many thresholds they
  are a boundary of (so edges, hair and text win over smooth shading);
  4k-16k of them (k in 2..6 clusters, at most 96 points) are drawn with those
  weights and grouped by K-means; each cluster gets one colour, radius (2-6 px
  at 512) and opacity; the total dot area is capped at 1 % of the image.
* A defect's colour and opacity are redrawn (at most 20 times) while less
  than 30 % of its footprint would change visibly (a white line on white).
* Fusion: each defect layer (all lines, or all dots) is alpha-blended with a
  Gaussian-softened mask; with probability 1/2 the composite is then fused by
  ``cv2.seamlessClone(..., MIXED_CLONE)`` (strong background gradients such
  as text show through the defect), kept within the soft footprint.
* Label: a pixel is labelled where the defect's softened coverage is >= 0.5
  (its drawn footprint) and the image differs from the one before that layer,
  and from the template, by >= 3 grey levels in some channel (measured before
  sigma). Values: 0 background, 1 line, 2 abpt; in mixed samples the dots are
  drawn over the lines and label 2 wins.
* sigma: ``y = clip(clip(alpha * x + b + d_c) + n)`` with per-channel offset
  ``d_c ~ U(-d, d)`` and noise ``n`` = luminance-dependent (shot-like) noise
  with std ``iso * 10 * (0.2 + 0.8 * sqrt(L / 255))`` plus per-channel colour
  noise with std ``iso * 4`` (grey levels).

Every sample draws from its own ``numpy.random.default_rng([seed, pattern,
type, index])``, so the output does not depend on the number of workers.
Only numpy, OpenCV, scikit-image and scikit-learn (with its threadpoolctl)
are used, so the package runs without torch or the OpenMMLab stack. Modules:
``patterns`` (Fig. 4), ``defects`` (defects, fusion, sigma, one sample) and
``writer`` (the data set on disk).
"""
from .defects import (SAMPLE_TYPES, VISIBLE_DIFF, edge_points, global_change,
                      render_sample)
from .patterns import (DEFAULT_TEST_PATTERNS, PATTERN_NAMES, PATTERNS,
                       REFERENCE_SIZE, make_pattern, resolve_pattern)
from .writer import CLASSES, GENERATOR_VERSION, generate_synlcd, sample_counts

__all__ = [
    'CLASSES', 'DEFAULT_TEST_PATTERNS', 'GENERATOR_VERSION', 'PATTERNS',
    'PATTERN_NAMES', 'REFERENCE_SIZE', 'SAMPLE_TYPES', 'VISIBLE_DIFF',
    'edge_points', 'generate_synlcd', 'global_change', 'make_pattern',
    'render_sample', 'resolve_pattern', 'sample_counts'
]
