"""Positions of a few nodes, with the exact rules of libcst's PositionProvider, in one plain codegen pass.

PositionProvider records a CodeRange for every node of the module (and MetadataWrapper.resolve adds
a second, empty, batched traversal of the whole tree): about 45% of bn-codemod's time on real
repositories. We report a handful of nodes per file, so we mark only those while generating code
and turn token indices into (line, column) once at the end.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst._position import CodePosition, CodeRange

_NEWLINE = re.compile(r"\r\n?|\n")  # as libcst.metadata.position_provider.NEWLINE_RE


class _Null:
    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


_NULL = _Null()


class _TargetedState(CodegenState):
    def __init__(self, module: cst.Module, targets: Iterable[cst.CSTNode]):
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.targets = {id(node) for node in targets}
        self.marks: dict[int, tuple[int, int]] = {}  # id(node) -> (start, end) token indices
        self.stack: list[int] = []

    # Whitespace-inclusive range: PositionProvider keeps it only when no syntactic range was recorded.
    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.targets:
            self.stack.append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.targets:
            start = self.stack.pop()
            self.marks.setdefault(id(node), (start, len(self.tokens)))

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):  # type: ignore[override]
        if id(node) not in self.targets:
            return _NULL
        for hoisted in (start_node, end_node):  # their ranges are generated inside this one
            if hoisted is not None:
                self.targets.add(id(hoisted))
        return _Syntactic(self, node, start_node, end_node)


class _Syntactic:
    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state: _TargetedState, node, start_node, end_node):
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = len(self.state.tokens)

    def __exit__(self, *exc: object) -> bool:
        marks = self.state.marks
        start = marks[id(self.start_node)][0] if self.start_node is not None else self.start
        end = marks[id(self.end_node)][1] if self.end_node is not None else len(self.state.tokens)
        marks[id(self.node)] = (start, end)  # the last syntactic record wins, as in PositionProvider
        return False


def positions_of(
    module: cst.Module, nodes: Iterable[cst.CSTNode], statement_lines: Optional[dict[int, int]] = None
) -> dict[int, CodeRange]:
    """id(node) -> the CodeRange PositionProvider would give, for each of `nodes` (nodes of `module`).

    With `statement_lines` ({index in module.body: first line of that statement's code, its leading
    blank and comment lines included}), only the top-level statements holding the nodes are
    generated: each starts at column 0 of a known line, so nothing before it matters.
    """
    if statement_lines is None:
        return _positions_in(module, nodes, module, 1)
    positions: dict[int, CodeRange] = {}
    wanted = list(nodes)
    for index, first_line in statement_lines.items():
        positions.update(_positions_in(module.body[index], wanted, module, first_line))
    return positions


def _positions_in(root: cst.CSTNode, nodes: Iterable[cst.CSTNode], module: cst.Module, first_line: int) -> dict[int, CodeRange]:
    state = _TargetedState(module, nodes)
    root._codegen(state)
    at: dict[int, CodePosition] = {}
    line, column, index, tokens = first_line, 0, 0, state.tokens
    for target in sorted({i for pair in state.marks.values() for i in pair}):
        while index < target:
            segments = _NEWLINE.split(tokens[index])
            if len(segments) == 1:
                column += len(tokens[index])
            else:
                line += len(segments) - 1
                column = len(segments[-1])
            index += 1
        at[target] = CodePosition(line, column)
    return {key: CodeRange(at[start], at[end]) for key, (start, end) in state.marks.items()}
