"""positions_of must give exactly libcst's PositionProvider ranges: findings' lines and columns
come from it whenever a file has no `# noqa` comment."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from bn_codemod.positions import positions_of
from fixture_cases import case_id, input_files

TRICKY_SOURCES = {
    "decorators": "@decorator\n@other(1)\ndef f(a, *, b=2):\n    return (a)\n",
    "parenthesised": "x = ((nn.BatchNorm2d(4)))\ny = [ (a), (b, c) ]\n",
    "multiline call": "layer = nn.BatchNorm2d(\n    4,\n    eps=1e-3,  # comment\n)\n",
    "crlf": "import torch\r\nx = torch.nn.BatchNorm2d(3)\r\nif x:\r\n    y = 1\r\n",
    "class and async": "class A(B, metaclass=M):\n    async def f(self):\n        async with a as b:\n            await c\n",
    "unicode": "s = 'é🙂'; layer = nn.BatchNorm1d(3)\n",
    "strings": 'x = f"{a!r:>{w}}" + """\nline\n""" + b"raw"\n',
    "comments and blank lines": "# top\n\n\nimport torch  # why\n\n\ndef f():\n    pass\n",
    "lambda and comprehension": "f = lambda x, *a, **k: [y for y in x if y]\n",
    "global decorator class": "@dataclass\nclass C:\n    x: int = 0\n",
}


def _sources() -> list:
    cases = [pytest.param(path.read_text(encoding="utf-8"), id=case_id(path)) for path in input_files()]
    cases += [pytest.param(source, id=name) for name, source in TRICKY_SOURCES.items()]
    return cases


class _Collect(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


def _parsed(source: str):
    """The module, every node in visiting order, and PositionProvider's answer for each."""
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    collector = _Collect()
    module.visit(collector)
    return module, collector.nodes, expected


@pytest.mark.parametrize("source", _sources())
def test_every_node_at_once_matches_position_provider(source: str) -> None:
    module, nodes, expected = _parsed(source)
    got = positions_of(module, nodes)
    mismatches = [(type(node).__name__, got[id(node)], expected[node]) for node in nodes if got[id(node)] != expected[node]]
    assert not mismatches


@pytest.mark.parametrize("source", _sources())
def test_each_node_alone_matches_position_provider(source: str) -> None:
    """Marking one node must not depend on which other nodes are marked."""
    module, nodes, expected = _parsed(source)
    for node in nodes[:: max(1, len(nodes) // 150)]:  # a spread sample, ~150 per file
        assert positions_of(module, [node])[id(node)] == expected[node], type(node).__name__


@pytest.mark.parametrize("source", _sources() + [pytest.param("# header\n\n'''doc'''\n\n# lead\n@d\n\n@e\nclass A: pass\na = 1; b = (\n2)\n", id="leading lines")])
def test_statement_by_statement_matches_position_provider(source: str) -> None:
    """Generating only the statements that hold the nodes, each from its first line (CPython's
    line, less its leading blank and comment lines), gives the same ranges."""
    import ast

    from bn_codemod.reduction import statement_lines

    module, _, expected = _parsed(source)
    lines = statement_lines(ast.parse(source))
    assert len(lines) == len(module.body)
    for index, statement in enumerate(module.body):
        collector = _Collect()
        statement.visit(collector)
        start = {index: lines[index] - len(statement.leading_lines)}
        got = positions_of(module, collector.nodes, start)
        assert [got[id(node)] for node in collector.nodes] == [expected[node] for node in collector.nodes]
