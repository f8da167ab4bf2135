"""torchvision.models.resnet's contract, small: `ResNet(block, layers, ..., norm_layer=None)` (norm_layer is
parameter 7) and its blocks pass `norm_layer` to every norm layer, `nn.BatchNorm2d` when it is None.
BasicBlock and Bottleneck are exported by this module only, as in torchvision."""
import torch.nn as nn

__all__ = ["ResNet"]


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        norm_layer = nn.BatchNorm2d if norm_layer is None else norm_layer
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = norm_layer(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        return (self.bn2(self.conv2(self.bn1(self.conv1(x)).relu())) + identity).relu()


Bottleneck = BasicBlock  # enough for the contract: same signature


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1, width_per_group=64,
                 replace_stride_with_dilation=None, norm_layer=None):
        super().__init__()
        norm_layer = nn.BatchNorm2d if norm_layer is None else norm_layer
        self.inplanes = 8
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = norm_layer(8)
        blocks = []
        for _ in range(sum(layers)):
            blocks.append(block(8, 8, norm_layer=norm_layer))
        self.layers = nn.Sequential(*blocks)
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        x = self.layers(self.bn1(self.conv1(x)).relu())
        return self.fc(x.mean((-2, -1)))
