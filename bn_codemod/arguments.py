"""Reading a call's arguments: where a parameter is set, and whether its value is a known literal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import libcst as cst

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Slot:
    """How a call sets one parameter."""

    state: str  # "absent" | "given" | "maybe" (**kwargs or *args could set it)
    arg_index: int = -1  # index into call.args when given
    positional: bool = False
    reason: str = ""  # for "maybe": what could set it

    @property
    def absent(self) -> bool:
        return self.state == "absent"

    @property
    def maybe(self) -> bool:
        return self.state == "maybe"


def find_slot(args: Sequence[cst.Arg], keyword: str, positional_index: Optional[int]) -> Slot:
    """Where `keyword` (also accepted at `positional_index`, if not None) is set in `args`."""
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == keyword:
            return Slot("given", index, positional=False)

    leading_positionals = 0
    for arg in args:
        if arg.keyword is not None or arg.star:
            break
        leading_positionals += 1
    if positional_index is not None and leading_positionals > positional_index:
        return Slot("given", positional_index, positional=True)

    if positional_index is not None and any(arg.star == "*" for arg in args):
        return Slot("maybe", reason="may be set positionally by *args")
    if any(arg.star == "**" for arg in args):
        return Slot("maybe", reason="may be set by **kwargs")
    return Slot("absent")


def literal_value(expression: cst.BaseExpression):
    """True, False or None for those literals (parenthesized too); UNKNOWN for anything else."""
    if isinstance(expression, cst.Name) and expression.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[expression.value]
    return UNKNOWN


_NUMBERS = (cst.Integer, cst.Float, cst.Imaginary)


def describe_non_bool(expression: cst.BaseExpression) -> str:
    """For a message: what a value that literal_value() calls UNKNOWN is, e.g. "a non-bool literal (1)"."""
    if isinstance(expression, cst.UnaryOperation) and isinstance(expression.operator, cst.Minus):
        if isinstance(expression.expression, _NUMBERS):
            return f"a non-bool literal (-{expression.expression.value})"
    if isinstance(expression, (*_NUMBERS, cst.SimpleString)):
        return f"a non-bool literal ({expression.value})"
    if isinstance(expression, (cst.ConcatenatedString, cst.List, cst.Tuple, cst.Dict, cst.Set)):
        return "a non-bool literal"
    return "a value that is not a literal"


def string_literal(expression: cst.BaseExpression) -> Optional[str]:
    """The value of a plain string literal, e.g. the model name in get_model("resnet50")."""
    if isinstance(expression, cst.SimpleString):
        value = expression.evaluated_value
        return value if isinstance(value, str) else None
    return None


def dict_literal_entries(config: cst.Dict) -> Optional[tuple[dict[str, cst.BaseExpression], bool]]:
    """`{"a": 1, **more}`: ({"a": 1}, whether it unpacks); None when a key is not a plain string literal."""
    values: dict[str, cst.BaseExpression] = {}
    unpacked = False
    for element in config.elements:
        if isinstance(element, cst.StarredDictElement):
            unpacked = True
            continue
        key = string_literal(element.key)
        if key is None:
            return None
        values[key] = element.value
    return values, unpacked


def dict_call_entries(config: cst.Call) -> Optional[tuple[dict[str, cst.BaseExpression], bool]]:
    """`dict(a=1, **more)`: ({"a": 1}, whether it unpacks); None when an argument is positional or `*`."""
    values: dict[str, cst.BaseExpression] = {}
    unpacked = False
    for arg in config.args:
        if arg.star == "**":
            unpacked = True
        elif arg.keyword is None:
            return None
        else:
            values[arg.keyword.value] = arg.value
    return values, unpacked
