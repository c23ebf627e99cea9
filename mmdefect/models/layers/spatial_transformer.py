"""Spatial transformer module (STM) of BANet (paper Sec. III-E, Eq. 8)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

IDENTITY = (1., 0., 0., 0., 1., 0.)


class SpatialTransformer(BaseModule):
    """Regresses one affine ``theta`` per pair and warps template features.

    BANet's STM (Sec. III-E, after Jaderberg et al.'s spatial transformer
    networks): a localisation network of convolutions ending in a
    fully-connected regression outputs the six entries of A_theta (Eq. 8);
    the grid generator maps the regular output grid to source points in
    normalised coordinates and the template's feature maps are sampled
    bilinearly there, so that they line up with the sample's.

    Localisation network (the paper gives no sizes: these reproduce Table
    II's +0.74 M parameters): input the
    channel concatenation of the deepest sample and template features (a
    relative pose needs both images; the paper's formula writes the
    template's alone, ``loc_input='template'``), conv 3x3 to 64 + BN + ReLU,
    max-pool 2, conv 3x3 to 32 + BN + ReLU, adaptive average pool to 4 x 4,
    linear 512 -> 256 + ReLU, linear 256 -> 6.  The last layer starts at the
    identity (weights 0, bias ``[1, 0, 0, 0, 1, 0]``), as in STN.

    ``theta`` maps normalised *sample* coordinates (``align_corners=False``,
    x right, y down, in [-1, 1]) to normalised *template* coordinates:
    ``warp`` brings the template into the sample's frame and the sample (and
    the mask) are never moved.  :func:`theta_from_pixel_affine` gives the
    ``theta`` of a known pixel-space pose, :func:`displacement_field` the
    per-pixel displacement that a ``theta`` applies.

    Args:
        in_channels (int): Channels of the deepest level of one image.
        loc_input (str): ``'pair'`` (default) or ``'template'``.
        padding_mode (str): ``grid_sample`` padding; ``'border'`` (default)
            repeats edge features where the warp leaves the template,
            ``'zeros'`` would make the uncovered strip a false change.
        norm_cfg (dict): Norm of the convolutions.
    """

    def __init__(self,
                 in_channels: int = 512,
                 loc_input: str = 'pair',
                 padding_mode: str = 'border',
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if loc_input not in ('pair', 'template'):
            raise ValueError("loc_input must be 'pair' or 'template', got "
                             f'{loc_input!r}')
        self.loc_input = loc_input
        self.padding_mode = padding_mode
        channels = in_channels * (2 if loc_input == 'pair' else 1)
        self.features = nn.Sequential(
            ConvModule(channels, 64, 3, padding=1, norm_cfg=norm_cfg),
            nn.MaxPool2d(2, 2),
            ConvModule(64, 32, 3, padding=1, norm_cfg=norm_cfg),
            nn.AdaptiveAvgPool2d(4))
        self.regress = nn.Sequential(
            nn.Linear(32 * 16, 256), nn.ReLU(inplace=True), nn.Linear(256, 6))
        self.reset_to_identity()

    def reset_to_identity(self) -> None:
        """The last layer outputs the identity transform."""
        nn.init.zeros_(self.regress[-1].weight)
        with torch.no_grad():
            self.regress[-1].bias.copy_(torch.tensor(IDENTITY))

    def init_weights(self) -> None:
        super().init_weights()
        self.reset_to_identity()

    def forward(self, sample: Tensor, template: Tensor) -> Tensor:
        """``theta`` (N, 2, 3) from the deepest features (N, C, h, w)."""
        x = template if self.loc_input == 'template' else torch.cat(
            [sample, template], dim=1)
        x = self.features(x).flatten(1)
        return self.regress(x).view(-1, 2, 3)

    def warp(self, feats: Tensor, theta: Tensor) -> Tensor:
        """Template features (N, C, h, w) resampled in the sample's frame."""
        grid = F.affine_grid(theta, feats.shape, align_corners=False)
        return F.grid_sample(
            feats,
            grid.to(feats.dtype),
            mode='bilinear',
            padding_mode=self.padding_mode,
            align_corners=False)


def displacement_field(theta: Tensor, size) -> Tensor:
    """Where ``warp(..., theta)`` samples the template for each location of
    an (h, w) grid, minus the location: (N, 2, h, w), x then y, in pixels
    of that grid (``align_corners=False`` pixel centres)."""
    h, w = size
    shape = (theta.shape[0], 1, h, w)
    identity = theta.new_tensor(IDENTITY).view(1, 2, 3).expand_as(theta)
    offset = (F.affine_grid(theta, shape, align_corners=False) -
              F.affine_grid(identity, shape, align_corners=False)
              )  # (N, h, w, 2)
    return (offset * offset.new_tensor([w / 2, h / 2])).permute(0, 3, 1, 2)


def theta_from_pixel_affine(matrix, height: int, width: int) -> np.ndarray:
    """The ``theta`` (2 x 3) that undoes a pixel-space pose.

    ``matrix`` (2 x 3, the convention of ``cv2.warpAffine``: pixel centres
    at integer coordinates) maps template pixels onto sample pixels, as
    SynOCD's ``pose_matrix`` does; the returned ``theta`` maps normalised
    sample coordinates back to normalised template coordinates, so
    ``grid_sample(template, affine_grid(theta))`` registers the template
    with the sample.
    """

    def normaliser(h, w):
        # pixel x -> (2x + 1) / w - 1 (align_corners=False)
        return np.array([[2 / w, 0, 1 / w - 1], [0, 2 / h, 1 / h - 1],
                         [0, 0, 1]])

    forward = np.vstack([np.asarray(matrix, np.float64), [0, 0, 1]])
    norm = normaliser(height, width)
    return (norm @ np.linalg.inv(forward) @ np.linalg.inv(norm))[:2]
