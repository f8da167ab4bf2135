"""Stand-ins for two of monai 1.6.1's blocks, to the contract scripts/verify_norm_factories.py checks (and
builds) for them: the `norm` spec (a name, Norm.BATCH or a (name, kwargs) pair) reaches their one norm layer
through get_norm_layer, whose kwargs are the layer's keyword arguments."""

import torch

from ..layers import get_norm_layer


class ADN(torch.nn.Sequential):
    """Norm then activation, for ordering "NA" (the only ordering built here)."""

    def __init__(self, ordering="NDA", in_channels=None, act="RELU", norm=None, norm_dim=None, dropout=None, dropout_dim=None):
        super().__init__()
        for item in ordering.upper():
            if item == "N" and norm is not None:
                self.add_module("N", get_norm_layer(norm, norm_dim, in_channels))
            elif item == "A" and act is not None:
                self.add_module("A", torch.nn.ReLU())


class Convolution(torch.nn.Sequential):
    """A convolution, then ADN(norm, activation); the default norm is instance norm, as MONAI's."""

    def __init__(self, spatial_dims, in_channels, out_channels, strides=1, kernel_size=3, adn_ordering="NDA",
                 act="PRELU", norm="INSTANCE", dropout=None, dropout_dim=1, dilation=1, groups=1, bias=True,
                 conv_only=False, is_transposed=False, padding=None, output_padding=None):
        super().__init__()
        conv = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)[spatial_dims - 1]
        self.add_module("conv", conv(in_channels, out_channels, kernel_size, strides, kernel_size // 2, bias=bias))
        if not conv_only:
            self.add_module("adn", ADN("NA", out_channels, act, norm, spatial_dims))
