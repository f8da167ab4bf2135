"""bn-codemod: make PyTorch BatchNorm layers vmap-compatible, statically."""

__version__ = "0.1.0"
