"""bn-codemod: make PyTorch BatchNorm layers vmap-compatible, statically."""

__version__ = "0.1.0"
# Where the project lives: a placeholder until its public home is decided (README, "Where it lives").
REPOSITORY_URL = "https://github.com/bn-codemod/bn-codemod"

from .analysis import ParseError, check_source, fix_source  # noqa: E402
from .findings import Finding  # noqa: E402

__all__ = ["BatchNormCommand", "Finding", "ParseError", "check_source", "fix_source", "__version__"]


def __getattr__(name: str):
    # Imported on demand: it needs libcst.codemod, which the command line never loads.
    if name == "BatchNormCommand":
        from .libcst_command import BatchNormCommand

        return BatchNormCommand
    raise AttributeError(f"module 'bn_codemod' has no attribute {name!r}")
