"""visible_dicts.py: what a `**name` or a `name[...]` can hold, decided only when nothing can change it."""

from __future__ import annotations

import libcst as cst
import pytest

from bn_codemod.visible_dicts import only_subscripted, visible_dict


def keys(source: str, name: str = "dd"):
    found = visible_dict(cst.parse_module(source), name)
    return None if found is None else sorted(found)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("dd = {'device': d, 'dtype': t}\nnn.BatchNorm2d(3, **dd)\n", ["device", "dtype"]),
        ("dd = dict(device=d)\ndef f():\n    nn.BatchNorm2d(3, **dd)\n", ["device"]),
        ("dd = {}\nnn.BatchNorm2d(3, **dd)\n", []),
        ("dd = {'device': d}\nself.dd = 3\nf(dd=3)\n", ["device"]),  # an attribute and a keyword named dd
    ],
)
def test_a_dict_bound_once_and_only_unpacked_is_visible(source, expected):
    assert keys(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "dd = {'device': d}\ndd['x'] = 1\n",  # a subscript store
        "dd = {'device': d}\ndel dd['x']\n",
        "dd = {'device': d}\ndd['x'] += 1\n",
        "dd = {'device': d}\ndd.update(x=1)\n",  # a method that mutates
        "dd = {'device': d}\nf(dd)\n",  # passed somewhere that could mutate it
        "dd = {'device': d}\nx = dd\n",  # aliased
        "dd = {'device': d, **other}\n",  # keys not all visible
        "dd = {key: d}\n",
        "dd = dict(other, device=d)\n",
        "dd = dict(**other)\n",
        "dd = {'a': 1}\ndd = {'b': 2}\n",  # bound twice
        "def f(dd):\n    g(**dd)\n",  # a parameter
        "dd = make()\n",
        "dd = {'a': 1}\nglobal dd\n",
        "dd = {'a': 1}\nfor dd['k'] in range(3):\n    pass\n",
    ],
)
def test_anything_else_is_unknown(source):
    assert keys(source) is None


def test_a_table_only_called_by_index_is_a_factory_table():
    assert only_subscripted(cst.parse_module("t = (A, B)\nx = t[i](4)\ny = t[0](2)\n"), "t")
    assert not only_subscripted(cst.parse_module("t = (A, B)\nx = t[i]\n"), "t")  # the class escapes
    assert not only_subscripted(cst.parse_module("t = (A, B)\ndef f(i):\n    return t[i]\n"), "t")
    assert not only_subscripted(cst.parse_module("t = (A, B)\nx = t[i](4)\nisinstance(m, t)\n"), "t")
    assert not only_subscripted(cst.parse_module("t = (A, B)\n"), "t")  # never indexed
    assert not only_subscripted(cst.parse_module("t = (A, B)\nx = t[i](4)\nt = (C,)\n"), "t")
