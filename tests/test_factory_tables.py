"""factory_tables.py: which loops take a table's elements, and whether their variable only builds layers."""

import libcst as cst
import pytest

from bn_codemod.factory_tables import BUILDS, INSPECTS, MIXED, loop_variable_use, loops_over, table_mentions


def loop(source: str):
    statement = cst.parse_statement(source)
    assert isinstance(statement, cst.For)
    return [(name, cst.Module([]).code_for_node(table)) for name, table in loops_over(statement.target, statement.iter)]


@pytest.mark.parametrize(
    "header, expected",
    [
        ("for v in T: pass", [("v", "T")]),
        ("for i, v in enumerate(T): pass", [("v", "T")]),
        ("for i, v in enumerate(T, 1): pass", [("v", "T")]),
        ("for v in reversed(T): pass", [("v", "T")]),
        ("for v, c in zip(T, cs): pass", [("v", "T"), ("c", "cs")]),
        ("for v in sorted(T): pass", []),
        ("for v, c in zip(T, cs, strict=True): pass", []),
        ("for v, c in zip(T): pass", []),
        ("for self.v in T: pass", []),
        ("for i, *v in enumerate(T): pass", []),
    ],
)
def test_loops_over(header, expected):
    assert loop(header) == expected


@pytest.mark.parametrize(
    "body, expected",
    [
        ("for v in T:\n    v(4)\n", BUILDS),
        ("for v in T:\n    v(4, eps=1e-3, affine=False)\n", BUILDS),
        ("for v in T:\n    v(4, 1e-5, 0.1, True, True)\n", MIXED),  # a fifth positional clashes with the partial
        ("for v in T:\n    v(4, track_running_stats=True)\n", MIXED),
        ("for v in T:\n    v(4, **kw)\n", MIXED),
        ("for v in T:\n    v(4)\n    isinstance(m, v)\n", MIXED),
        ("for v in T:\n    v(4)\nx = v\n", MIXED),  # the variable outlives the loop
        ("for v in T:\n    isinstance(m, v)\n", INSPECTS),
        ("for v in T:\n    self.v(4)\n    f(v=1)\n", INSPECTS),  # an attribute and a keyword are not the name
    ],
)
def test_loop_variable_use(body, expected):
    assert loop_variable_use(cst.parse_module(body), "v") == expected


def test_table_mentions_sets_loops_apart_from_other_mentions():
    module = cst.parse_module(
        "T = (A, B)\n"
        "def f(c):\n"
        "    return [n(c) for n in T], T[0](c)\n"
        "for i, k in enumerate(T):\n"
        "    k(1)\n"
    )
    mentions = table_mentions(module, "T")
    assert [name for name, _ in mentions.loops] == ["n", "k"]
    assert isinstance(mentions.loops[0][1], cst.FunctionDef) and isinstance(mentions.loops[1][1], cst.Module)
    assert (mentions.subscripts, mentions.called_subscripts, mentions.other) == (1, 1, False)
    assert table_mentions(cst.parse_module("T = (A,)\nfor v in sorted(T):\n    v(1)\n"), "T").other


def test_len_of_a_table_lets_no_class_out():
    source = "T = (A, B)\nfor i in range(len(T)):\n    T[i](4)\n"
    mentions = table_mentions(cst.parse_module(source), "T")
    assert (mentions.other, mentions.subscripts, mentions.called_subscripts) == (False, 1, 1)
    assert table_mentions(cst.parse_module("T = (A, B)\nn = len(T, T)\n"), "T").other
