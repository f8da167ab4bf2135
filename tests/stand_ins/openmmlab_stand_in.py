"""The part of OpenMMLab's backbones (mmdet, mmseg, mmpretrain) that bn-codemod relies on, for environments
without them (CI has torch only). Written from the contract scripts/verify_norm_factories.py checks in the
real sources and builds: every norm layer comes from mmcv's build_norm_layer(norm_cfg, channels), and when
norm_eval is true, train() puts every BatchNorm back in eval mode.
"""
import torch
from mmcv.cnn import build_norm_layer
from torch.nn.modules.batchnorm import _BatchNorm


class Backbone(torch.nn.Module):
    def __init__(self, depth=18, in_channels=3, norm_cfg=dict(type="BN", requires_grad=True), norm_eval=False, **_):
        super().__init__()
        self.norm_eval = norm_eval
        layers = []
        for index, channels in enumerate((8, 8)):
            layers += [
                torch.nn.Conv2d(in_channels if index == 0 else 8, channels, 3, padding=1, bias=False),
                build_norm_layer(norm_cfg, channels)[1],
                torch.nn.ReLU(),
            ]
        self.layers = torch.nn.Sequential(*layers)

    def forward(self, x):
        return (self.layers(x),)

    def train(self, mode=True):
        super().train(mode)
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
