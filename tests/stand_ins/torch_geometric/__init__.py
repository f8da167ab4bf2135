"""A stand-in for torch_geometric in environments without it (CI has torch only).

It follows the contract of torch_geometric 2.8.1's `nn.BatchNorm` that bn-codemod relies on:
`BatchNorm(in_channels, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, ...)` passes the flag
to the `torch.nn.BatchNorm1d` it wraps. scripts/verify_model_classes.py checks the real source.
"""
from . import nn  # noqa: F401
