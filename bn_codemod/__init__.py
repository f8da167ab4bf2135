"""bn-codemod: make PyTorch BatchNorm layers vmap-compatible, statically."""

__version__ = "0.1.0"

from .analysis import ParseError, check_source, fix_source  # noqa: E402
from .findings import Finding  # noqa: E402

__all__ = ["Finding", "ParseError", "check_source", "fix_source", "__version__"]
