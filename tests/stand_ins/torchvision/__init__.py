"""A stand-in for torchvision in environments without it (CI has torch only).

It follows the contract of torchvision's builders that bn-codemod relies on, as documented in
torchvision 0.28: `resnet18(*, weights=None, progress=True, **kwargs)` passes `norm_layer` to the
model, which uses `nn.BatchNorm2d` when it is None; `ops.Conv2dNormActivation(in, out, ...,
norm_layer=nn.BatchNorm2d)`. scripts/verify_torchvision.py checks the real package.
"""
from . import models, ops  # noqa: F401
