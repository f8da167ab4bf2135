"""The fast libcst transformer base: cached handler dispatch, inert node types, the current top-level
statement, and findings/edits whose positions are computed only when needed.

Rules never see this machinery: they call `report` and `record` (see families/).
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import libcst as cst
from libcst.metadata import PositionProvider

from .findings import Edit, Finding
from .knowledge import TRACKING_KEYWORD
from .suppressions import is_suppressed, noqa_lines


def _inert_types() -> frozenset:
    """Leaves, whitespace and operators: nothing under them is ever looked at."""
    import inspect

    import libcst._nodes.op as op
    import libcst._nodes.whitespace as whitespace

    found = {
        cls
        for module in (op, whitespace)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, cst.CSTNode) and not inspect.isabstract(cls)
    }
    found |= {
        cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis, cst.Pass, cst.Break, cst.Continue,
        cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
        cst.RightCurlyBrace,
    }
    return frozenset(found)


_INERT = _inert_types()


class FastTransformer(cst.CSTTransformer):
    """A CSTTransformer that skips inert subtrees, caches its visit_/leave_ handlers per node type, and
    defers the positions of findings and edits to one codegen pass at the end (`finish_positions`)."""

    # No METADATA_DEPENDENCIES: positions are computed only when needed (see _position and finish_positions).

    def __init__(
        self, source: str, enabled: Callable[[str], bool], statement_lines: Optional[Sequence[int]]
    ) -> None:
        super().__init__()
        self._enabled = enabled
        # First line of each top-level statement (from CPython's tree): lets finish_positions generate
        # only the statements that hold a finding to learn its position.
        self._statement_lines = statement_lines
        self._noqa = noqa_lines(source)
        self.findings: list[Finding] = []
        self.edits: list[Edit] = []
        self._module: Optional[cst.Module] = None
        self.statement_index: dict[int, int] = {}  # id(top-level statement) -> 1-based index
        self.current_statement = 0  # number of the top-level statement being visited (import planning)
        self._positions: Optional[dict] = None  # every node's position, computed at the first need
        # No noqa comment in the file: (is a finding, node, top-level statement number, data), awaiting positions.
        self._deferred: list[tuple[bool, cst.CSTNode, int, tuple]] = []
        self._visit_names: dict[type, Optional[str]] = {}
        self._leave_names: dict[type, Optional[str]] = {}

    def begin_module(self, node: cst.Module) -> None:
        """Call first from visit_Module: statement order is line order for top-level statements."""
        self._module = node
        self.statement_index = {id(statement): index for index, statement in enumerate(node.body, 1)}

    # Dispatch: libcst looks up visit_<Type>/leave_<Type> and visit_<Type>_<attr> with getattr for
    # every node and every attribute; cache the first per type, and there are none of the second.
    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        if kind in _INERT:
            return False
        index = self.statement_index.get(id(node))
        if index is not None:
            self.current_statement = index
        name = self._visit_names.get(kind, 0)
        if name == 0:
            name = f"visit_{kind.__name__}"
            name = self._visit_names[kind] = name if hasattr(self, name) else None
        return name is None or getattr(self, name)(node) is not False

    def on_leave(self, original_node, updated_node):
        kind = type(original_node)
        name = self._leave_names.get(kind, 0)
        if name == 0:
            name = f"leave_{kind.__name__}"
            name = self._leave_names[kind] = name if hasattr(self, name) else None
        return updated_node if name is None else getattr(self, name)(original_node, updated_node)

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        pass

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass

    # Findings and edits.
    def report(self, node: cst.CSTNode, code: str, message: str, fixable: bool = False) -> bool:
        """Record a finding; False when the rule is off or a `# noqa` suppresses it (then: no fix)."""
        if not self._enabled(code):
            return False
        if not self._noqa:  # nothing to suppress: the position can wait until the end
            self._deferred.append((True, node, self.current_statement, (code, message, fixable)))
            return True
        position = self._position(node)
        if is_suppressed(self._noqa, code, (position.start.line, position.end.line)):
            return False
        self.findings.append(_finding(code, position, message, fixable))
        return True

    def record(
        self, node: cst.CSTNode, action: str, value: str, index: int = -1, keyword: str = TRACKING_KEYWORD
    ) -> None:
        """Record an edit made at `node`, for the independent replay check (safety.py)."""
        if not self._noqa:
            self._deferred.append((False, node, self.current_statement, (action, keyword, value, index)))
            return
        start = self._position(node).start
        self.edits.append(Edit(start.line, start.column + 1, action, keyword, value, index))

    def _position(self, node: cst.CSTNode):
        if self._positions is None:
            # PositionProvider's own pass, without MetadataWrapper.resolve's second, empty traversal.
            from libcst.metadata.position_provider import PositionProvidingCodegenState

            provider = PositionProvider()
            provider._computed = {}
            module = self._module
            state = PositionProvidingCodegenState(
                default_indent=module.default_indent, default_newline=module.default_newline, provider=provider
            )
            module._codegen(state)
            self._positions = provider._computed
        return self._positions[node]

    def finish_positions(self) -> None:
        """Positions for the deferred findings and edits: from the full map when it exists, else for
        those nodes only, in one plain codegen pass of the statements that hold them."""
        if not self._deferred:
            return
        nodes = [node for _, node, _, _ in self._deferred]
        if self._positions is not None:
            positions = {id(node): self._positions[node] for node in nodes}
        else:
            positions = self._positions_of(nodes, {statement for _, _, statement, _ in self._deferred})
        edits = []
        for is_finding, node, _, data in self._deferred:
            position = positions[id(node)]
            if is_finding:
                code, message, fixable = data
                self.findings.append(_finding(code, position, message, fixable))
            else:
                action, keyword, value, index = data
                edits.append(Edit(position.start.line, position.start.column + 1, action, keyword, value, index))
        self.edits[:0] = edits  # before edits appended at leave_Module (add-import), as they were recorded
        self._deferred = []

    def _positions_of(self, nodes: list[cst.CSTNode], statements: set[int]) -> dict:
        from .positions import positions_of

        module = self._module
        assert module is not None
        lines = self._statement_lines
        if lines is not None and len(lines) == len(module.body) and 0 not in statements:
            # Where a statement's code starts: its blank and comment lines come before its first token.
            starts = {number - 1: lines[number - 1] - len(module.body[number - 1].leading_lines) for number in statements}
            positions = positions_of(module, nodes, starts)
            if all(id(node) in positions for node in nodes):
                return positions
        return positions_of(module, nodes)


def _finding(code: str, position, message: str, fixable: bool) -> Finding:
    return Finding(
        code=code,
        line=position.start.line,
        column=position.start.column + 1,
        end_line=position.end.line,
        end_column=position.end.column + 1,
        message=message,
        fixable=fixable,
    )
