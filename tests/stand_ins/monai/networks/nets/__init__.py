"""A stand-in for monai 1.6.1's SegResNetDS, to the contract scripts/verify_norm_factories.py checks (and
builds): its `norm` spec (default "batch", which builds BatchNorm) reaches every norm layer it builds."""

import torch

from ..blocks import Convolution


class SegResNetDS(torch.nn.Sequential):
    def __init__(self, spatial_dims=3, init_filters=32, in_channels=1, out_channels=2, act="relu", norm="batch",
                 blocks_down=(1, 2, 2, 4), blocks_up=None, dsdepth=1, preprocess=None, upsample_mode="deconv",
                 resolution=None):
        super().__init__(
            Convolution(spatial_dims, in_channels, init_filters, norm=norm),
            Convolution(spatial_dims, init_filters, out_channels, norm=norm),
        )
