"""bn-codemod as a libcst codemod command, for teams that run codemods through libcst's own tool:

    python -m libcst.tool codemod -x bn_codemod.BatchNormCommand src/
"""

from __future__ import annotations

import argparse

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand

from .analysis import ParseError, analyze, hazards_in_scope
from .config import load_settings
from .safety import check_rewrite


class BatchNormCommand(VisitorBasedCodemodCommand):
    DESCRIPTION = "Set track_running_stats=False on BatchNorm-family layers so models run under torch.func.vmap."

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument("--select", action="append", help="rule codes or prefixes to apply")
        arg_parser.add_argument("--ignore", action="append", help="rule codes or prefixes to skip")

    def __init__(self, context: CodemodContext, select=None, ignore=None) -> None:
        super().__init__(context)
        self.settings = load_settings(select=select, ignore=ignore)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        # The same analysis as the command line: one visitor, never a second one.
        source = tree.code
        try:
            analysis = analyze(source, self.settings)
        except ParseError:
            return tree
        for finding in hazards_in_scope(analysis.findings, analysis.builds_norm_layers):
            if not finding.fixable:
                self.warn(f"{finding.line}:{finding.column}: {finding.code} {finding.message}")
        if not analysis.changed:
            return tree
        unsafe = check_rewrite(source, analysis.new_source, analysis.edits)
        if unsafe is not None:
            self.warn(f"internal error: refusing to write an unintended change: {unsafe}")
            return tree
        return cst.parse_module(analysis.new_source)
