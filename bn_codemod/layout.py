"""Adding an argument to a call while keeping the call's own layout.

A multi-line call gets the new keyword on its own line, indented like the other arguments, following
the call's trailing-comma style; comments stay on the line they were on. A one-line call gets
`, keyword=value` before the closing parenthesis.
"""

from __future__ import annotations

from typing import Union

import libcst as cst

_Whitespace = Union[cst.SimpleWhitespace, cst.ParenthesizedWhitespace]
_EXTRA_INDENT = "    "


def append_keyword(call: cst.Call, keyword: str, value: cst.BaseExpression) -> cst.Call:
    new_arg = cst.Arg(keyword=cst.Name(keyword), value=value, equal=_equal_style(call))
    args = list(call.args)
    if not args:
        return _append_to_empty_call(call, new_arg)
    if len(args) == 1 and isinstance(args[0].value, cst.GeneratorExp) and not args[0].value.lpar:
        # `f(x for x in y)` may omit the generator's parentheses only while it is the sole argument.
        generator = args[0].value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        args[0] = args[0].with_changes(value=generator)

    last = args[-1]
    has_trailing_comma = isinstance(last.comma, cst.Comma)
    # What stands between the last argument (after its comma, if any) and the closing parenthesis.
    tail = last.comma.whitespace_after if has_trailing_comma else last.whitespace_after_arg
    before_last = args[-2].comma.whitespace_after if len(args) > 1 else call.whitespace_before_args

    if isinstance(tail, cst.ParenthesizedWhitespace):
        # `)` is on its own line: the new argument takes a line of its own before it.
        indent = before_last if isinstance(before_last, cst.ParenthesizedWhitespace) else _deeper(tail)
        between = _line_break(indent, keep_comment_from=tail)
        closing = _line_break(tail)
    elif isinstance(before_last, cst.ParenthesizedWhitespace):
        # Hanging arguments with `)` after the last one: a new line, same indentation.
        between, closing = _line_break(before_last), tail
    else:
        between, closing = cst.SimpleWhitespace(" "), tail

    if has_trailing_comma:
        args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=between))
        new_arg = new_arg.with_changes(comma=cst.Comma(whitespace_after=closing))
    else:
        args[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=between), whitespace_after_arg=cst.SimpleWhitespace("")
        )
        new_arg = new_arg.with_changes(whitespace_after_arg=closing)
    return call.with_changes(args=[*args, new_arg])


def _append_to_empty_call(call: cst.Call, new_arg: cst.Arg) -> cst.Call:
    opening = call.whitespace_before_args
    if not isinstance(opening, cst.ParenthesizedWhitespace):
        return call.with_changes(args=[new_arg])
    return call.with_changes(
        whitespace_before_args=_line_break(_deeper(opening), keep_comment_from=opening),
        args=[new_arg.with_changes(whitespace_after_arg=_line_break(opening))],
    )


def _line_break(
    indent_like: cst.ParenthesizedWhitespace, keep_comment_from: _Whitespace = None
) -> cst.ParenthesizedWhitespace:
    """A newline followed by the indentation of `indent_like`.

    With `keep_comment_from`, the end of the current line (a comment) and any blank or comment lines
    after it are taken from that whitespace, so no comment is lost or moved to another argument.
    """
    first_line = cst.TrailingWhitespace()
    empty_lines: tuple = ()
    if isinstance(keep_comment_from, cst.ParenthesizedWhitespace):
        first_line, empty_lines = keep_comment_from.first_line, keep_comment_from.empty_lines
    return cst.ParenthesizedWhitespace(
        first_line=first_line,
        empty_lines=empty_lines,
        indent=indent_like.indent,
        last_line=indent_like.last_line,
    )


def _deeper(whitespace: cst.ParenthesizedWhitespace) -> cst.ParenthesizedWhitespace:
    return whitespace.with_changes(last_line=cst.SimpleWhitespace(whitespace.last_line.value + _EXTRA_INDENT))


def _equal_style(call: cst.Call) -> cst.AssignEqual:
    """`=` spaced like the call's other keywords (PEP 8 style when it has none)."""
    for arg in call.args:
        if isinstance(arg.equal, cst.AssignEqual):
            return arg.equal
    return cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
