import torch

_REGISTRY = {"BN": torch.nn.BatchNorm2d, "BN1d": torch.nn.BatchNorm1d, "BN2d": torch.nn.BatchNorm2d,
             "BN3d": torch.nn.BatchNorm3d, "GN": torch.nn.GroupNorm}


def build_norm_layer(cfg, num_features, postfix=""):
    kwargs = dict(cfg)
    layer_type = kwargs.pop("type")
    kwargs.pop("requires_grad", None)
    return f"bn{postfix}", _REGISTRY[layer_type](num_features, **kwargs)


class ConvModule(torch.nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias="auto", conv_cfg=None, norm_cfg=None):
        super().__init__()
        self.conv = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups)
        self.norm = build_norm_layer(norm_cfg, out_channels)[1] if norm_cfg else torch.nn.Identity()

    def forward(self, x):
        return self.norm(self.conv(x))
