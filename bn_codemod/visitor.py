"""The single libcst visitor: finds every finding and makes every fix, in one pass.

`--check`, `--diff`, fix mode and the pre-commit hooks all run this visitor; check mode simply does not
write what it returns.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Optional, Sequence

import libcst as cst
from libcst.metadata import PositionProvider

from . import layout
from .arguments import UNKNOWN, describe_non_bool, find_slot, literal_value, string_literal
from .findings import Edit, Finding
from .imports import ImportPlanner, insert_imports
from .knowledge import (
    BUILDER_BY_NAME,
    BUILDER_BY_QUALNAME,
    DEPRECATED_RUNTIME_PATCHES,
    FUNCTIONAL_NORM_BY_QUALNAME,
    NORM_ACTIVATION_BLOCKS,
    NORM_CLASS_BY_QUALNAME,
    PARTIAL,
    TIMM_FACTORIES,
    TORCHVISION_GET_MODEL,
    TRACKING_KEYWORD,
    FunctionalNorm,
    NormClass,
)
from .suppressions import is_suppressed, noqa_lines
from .scopes import (
    Scope,
    dotted_name,
    resolve,
    scope_for_class,
    scope_for_function,
    scope_for_module,
    top_level_imports,
)
from .torchvision_builders import NO_BATCHNORM, RUNTIME_ONLY, Builder

RUNTIME_ADVICE = "call torch.func.replace_all_batch_norm_modules_(model) after loading weights, where you vmap"
LOCAL_CLASS_PREFIX = "<local>."
# Builtins that take a class to inspect it, not to build layers with it.
_TYPE_INSPECTING = frozenset({"isinstance", "issubclass", "type", "super", "id", "repr", "str", "print", "hash", "getattr", "hasattr", "setattr", "vars", "dir", "callable"})


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


class BatchNormVisitor(cst.CSTTransformer):
    # No METADATA_DEPENDENCIES: positions are computed only when needed (see _position and finish).

    def __init__(
        self,
        source: str,
        extra_classes: Sequence[str] = (),
        enabled: Callable[[str], bool] = lambda code: True,
        statement_lines: Optional[Sequence[int]] = None,
    ) -> None:
        super().__init__()
        self._enabled = enabled
        # First line of each top-level statement (from CPython's tree): lets _finish generate only
        # the statements that hold a finding to learn its position.
        self._statement_lines = statement_lines
        self._noqa = noqa_lines(source)
        self.scopes: list[Scope] = []
        self.findings: list[Finding] = []
        self.edits: list[Edit] = []
        self.imports = ImportPlanner(source)
        self.norm_classes: dict[str, NormClass] = dict(NORM_CLASS_BY_QUALNAME)
        for qualified_name in extra_classes:
            # In-house wrappers: keyword-only as far as we know, tracking by default.
            self.norm_classes[qualified_name] = NormClass(qualified_name.rsplit(".", 1)[-1], (), True, -1)
        self._callees: dict[int, Optional[str]] = {}  # id(Call) -> qualified name of what it calls
        self._factory_positions: set[int] = set()  # ids of expressions where a class is a layer factory
        self._argument_positions: set[int] = set()  # ids of positional arguments to unknown callees
        self._subclass_reports: dict[int, str] = {}  # id(ClassDef) -> parent class name
        self._imports_after_statement: list[str] = []  # BN006: statements to add after the current line
        self._module: Optional[cst.Module] = None
        self._statement_index: dict[int, int] = {}  # id(top-level statement) -> 1-based index
        self._current_statement = 0  # number of the top-level statement being visited (import planning)
        self._positions: Optional[dict] = None  # every node's position, computed at the first need
        # Without # noqa: (is a finding, node, top-level statement number, data), awaiting positions.
        self._deferred: list[tuple[bool, cst.CSTNode, int, tuple]] = []
        self._visit_names: dict[type, Optional[str]] = {}
        self._leave_names: dict[type, Optional[str]] = {}

    # Dispatch: libcst looks up visit_<Type>/leave_<Type> and visit_<Type>_<attr> with getattr for
    # every node and every attribute; cache the first per type, and there are none of the second.
    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        if kind in _INERT:
            return False
        index = self._statement_index.get(id(node))
        if index is not None:
            self._current_statement = index
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

    # Scopes: each is scanned for its bindings when the visitor enters it.
    def visit_Module(self, node: cst.Module) -> None:
        self._module = node
        self.scopes.append(scope_for_module(node))
        # A fix may use a name imported by a top-level statement before its own: statement order
        # is line order for top-level statements, and needs no positions.
        self._statement_index = {id(statement): index for index, statement in enumerate(node.body, 1)}
        for statement, names in top_level_imports(node):
            for name in names:
                self.scopes[0].import_statements.setdefault(name, self._statement_index[id(statement)])
        self._register_local_subclasses(node)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        for statement in self.imports.added:
            self.edits.append(Edit(0, 0, "add-import", "", statement))
        self._finish()
        return insert_imports(updated_node, self.imports.added)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scopes.append(scope_for_class(node))

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        self.scopes.pop()
        parent = self._subclass_reports.get(id(original_node))
        if parent:
            self._report(
                original_node.name,
                "BN008",
                f"{original_node.name.value} subclasses {parent} and defines its own __init__, so its calls "
                f"cannot be fixed: pass track_running_stats=False to {parent}.__init__",
            )
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        # Defaults are values in the enclosing scope: `def f(norm_layer=nn.BatchNorm2d)`.
        for param in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
            if param.default is not None:
                self._factory_positions.add(id(param.default))
        self.scopes.append(scope_for_function(node))

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.scopes.pop()
        return updated_node

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.append(scope_for_function(node))

    def leave_Lambda(self, original_node: cst.Lambda, updated_node: cst.Lambda) -> cst.Lambda:
        self.scopes.pop()
        return updated_node

    # Where a class is a value that builds layers (BN002): a positive list, so stores, attribute
    # parts, isinstance arguments, comparisons, tuples, sets and dict keys are never touched.
    def visit_Call(self, node: cst.Call) -> None:
        callee = resolve(node.func, self.scopes)
        self._callees[id(node)] = callee
        if callee is None and isinstance(node.func, cst.Name) and node.func.value in _TYPE_INSPECTING:
            return
        args = node.args[1:] if callee == PARTIAL else node.args
        for arg in args:
            if arg.keyword is not None:
                self._factory_positions.add(id(arg.value))
            elif not arg.star:
                self._argument_positions.add(id(arg.value))

    def visit_Assign(self, node: cst.Assign) -> None:
        self._factory_positions.add(id(node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._factory_positions.add(id(node.value))

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self._factory_positions.add(id(node.value))

    def visit_List(self, node: cst.List) -> None:
        self._factory_positions.update(id(element.value) for element in node.elements)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        self._factory_positions.add(id(node.value))

    def visit_IfExp(self, node: cst.IfExp) -> None:
        if id(node) in self._factory_positions:
            self._factory_positions.update((id(node.body), id(node.orelse)))

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        if id(node) in self._factory_positions:
            self._factory_positions.update((id(node.left), id(node.right)))

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self._reference(original_node, updated_node)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if original_node.attr.value == "replace_all_batch_norm_modules_":
            if resolve(original_node, self.scopes) in DEPRECATED_RUNTIME_PATCHES:
                return self._replace_deprecated_attribute(original_node)
        return self._reference(original_node, updated_node)

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        module = dotted_name(original_node.module) if original_node.module is not None else None
        if isinstance(original_node.names, cst.ImportStar) or original_node.relative or module is None:
            return updated_node
        deprecated = [
            alias for alias in updated_node.names if f"{module}.{dotted_name(alias.name)}" in DEPRECATED_RUNTIME_PATCHES
        ]
        if not deprecated:
            return updated_node
        if not self._report(original_node, "BN006", _deprecated_message(module), fixable=True):
            return updated_node
        self._record(original_node, "replace-import", "torch.func")
        if len(deprecated) == len(updated_node.names):
            return updated_node.with_changes(module=cst.parse_expression("torch.func"))
        # Other names stay with functorch: the moved ones get a statement of their own right after
        # this one, in the same block (under the same try/except ImportError), keeping their comments.
        for alias in deprecated:
            as_name = f" as {alias.asname.name.value}" if alias.asname is not None else ""
            comment = _comment_after(alias)
            statement = f"from torch.func import {dotted_name(alias.name)}{as_name}"
            self._imports_after_statement.append(statement + (f"  {comment}" if comment else ""))
            self._record(original_node, "split-import", statement, keyword="")
        kept = [alias for alias in updated_node.names if alias not in deprecated]
        if updated_node.lpar is None:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)  # no trailing comma unparenthesized
        return updated_node.with_changes(names=kept)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ):
        if not self._imports_after_statement:
            return updated_node
        added = [cst.parse_statement(text) for text in self._imports_after_statement]
        self._imports_after_statement = []
        return cst.FlattenSentinel([updated_node, *added])

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        """`if x: from functorch.experimental import a, replace_all_...`: the moved import joins the
        same one-line block, after a semicolon (a comment on the line stays at its end)."""
        if not self._imports_after_statement:
            return updated_node
        added = [
            cst.parse_statement(text.split("  #", 1)[0]).body[0] for text in self._imports_after_statement
        ]
        self._imports_after_statement = []
        body = list(updated_node.body)
        body[-1] = body[-1].with_changes(semicolon=cst.Semicolon(whitespace_after=cst.SimpleWhitespace(" ")))
        return updated_node.with_changes(body=[*body, *added])

    # Calls.
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        callee = self._callees.pop(id(original_node), None)
        if callee is None:
            return updated_node
        norm_class = self.norm_classes.get(callee)
        if norm_class is not None:
            return self._constructor(original_node, updated_node, norm_class, updated_node.args, offset=0)
        if callee == PARTIAL:
            return self._partial(original_node, updated_node)
        builder = BUILDER_BY_QUALNAME.get(callee)
        if builder is not None:
            return self._builder(original_node, updated_node, builder)
        if callee in TORCHVISION_GET_MODEL:
            return self._get_model(original_node, updated_node)
        if callee in NORM_ACTIVATION_BLOCKS:
            return self._norm_activation_block(original_node, updated_node, *NORM_ACTIVATION_BLOCKS[callee])
        if callee in TIMM_FACTORIES:
            self._report(
                original_node,
                "BN004",
                f"timm.create_model: norm_layer works for only some architectures (ignored or a TypeError "
                f"for the rest); {RUNTIME_ADVICE}",
            )
            return updated_node
        functional = FUNCTIONAL_NORM_BY_QUALNAME.get(callee)
        if functional is not None:
            self._functional(original_node, callee, functional)
        return updated_node

    def _constructor(
        self, original: cst.Call, updated: cst.Call, norm_class: NormClass, args: Sequence[cst.Arg], offset: int
    ) -> cst.Call:
        """BN001/BN005 for `Cls(...)`, and BN002 for `partial(Cls, ...)` where args start after Cls."""
        code = "BN002" if offset else "BN001"
        positional_index = norm_class.positional_index if norm_class.positional_index >= 0 else None
        slot = find_slot(args[offset:], TRACKING_KEYWORD, positional_index)
        if slot.maybe:
            if norm_class.tracks_by_default:
                self._report(original, "BN005", f"{norm_class.name}: track_running_stats {slot.reason}")
            return updated
        if slot.absent:
            if not norm_class.tracks_by_default:
                return updated
            if not self._report(original, code, _tracking_message(norm_class, code), fixable=True):
                return updated
            self._record(original, "add-keyword", "False")
            return layout.append_keyword(updated, TRACKING_KEYWORD, cst.Name("False"))
        index = slot.arg_index + offset
        value = literal_value(args[index].value)
        if value is UNKNOWN:
            described = describe_non_bool(args[index].value)
            self._report(original, "BN005", f"{norm_class.name}: track_running_stats is set to {described}")
            return updated
        if value is not True:
            return updated
        if not self._report(original, code, _tracking_message(norm_class, code), fixable=True):
            return updated
        self._record(original, "set-positional" if slot.positional else "set-keyword", "False", index)
        new_args = list(updated.args)
        # Keep any parentheses around the literal: only the name changes.
        new_args[index] = new_args[index].with_changes(value=new_args[index].value.with_changes(value="False"))
        return updated.with_changes(args=new_args)

    def _partial(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if not original.args or original.args[0].keyword is not None or original.args[0].star:
            return updated
        target = resolve(original.args[0].value, self.scopes)
        norm_class = self.norm_classes.get(target) if target else None
        if norm_class is None:
            return updated
        return self._constructor(original, updated, norm_class, updated.args, offset=1)

    def _builder(self, original: cst.Call, updated: cst.Call, builder: Builder) -> cst.Call:
        if builder.support == NO_BATCHNORM:
            return updated
        if builder.quantization:
            quantize = find_slot(original.args, "quantize", None)
            if not quantize.absent and literal_value(original.args[quantize.arg_index].value) is True:
                return updated  # a quantized model has its BatchNorm fused away
        if builder.frozen_unless_untrained and not _builds_untrained(original.args):
            return updated  # FrozenBatchNorm2d: nothing updates running stats
        if builder.support == RUNTIME_ONLY:
            self._report(original, "BN004", f"{builder.name}: {builder.reason}; {RUNTIME_ADVICE}")
            return updated
        norm = (builder.default_norm, builder.default_kwargs)
        return self._add_norm_layer(original, updated, builder.name, norm, None, none_means_default=True)

    def _get_model(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        name = string_literal(original.args[0].value) if original.args and not original.args[0].keyword else None
        if name is None:
            self._report(original, "BN004", f"get_model with a model name that is not a literal; {RUNTIME_ADVICE}")
            return updated
        builder = BUILDER_BY_NAME.get(name)
        return self._builder(original, updated, builder) if builder is not None else updated

    def _norm_activation_block(
        self, original: cst.Call, updated: cst.Call, norm_name: str, norm_index: int
    ) -> cst.Call:
        block = dotted_name(original.func) or "block"
        return self._add_norm_layer(original, updated, block, (norm_name, ()), norm_index, none_means_default=False)

    def _add_norm_layer(
        self,
        original: cst.Call,
        updated: cst.Call,
        what: str,
        norm: tuple[str, tuple[tuple[str, str], ...]],
        norm_index: Optional[int],
        none_means_default: bool,
    ) -> cst.Call:
        """BN003: pass norm_layer=partial(<the default norm>, <its defaults>, track_running_stats=False).

        `none_means_default`: builders treat norm_layer=None as their default BatchNorm; the ops
        blocks treat it as "no norm layer".
        """
        for keyword, loads in (("weights", lambda v: v is not None), ("pretrained", lambda v: v not in (False, None))):
            slot = find_slot(original.args, keyword, None)
            if not slot.absent and not slot.maybe and loads(literal_value(original.args[slot.arg_index].value)):
                self._report(
                    original,
                    "BN004",
                    f"{what}: loads pretrained weights ({keyword}=...), and a norm layer without running stats "
                    f"fails the strict state_dict load; {RUNTIME_ADVICE}",
                )
                return updated
        slot = find_slot(original.args, "norm_layer", norm_index)
        if slot.maybe:
            self._report(original, "BN005", f"{what}: norm_layer {slot.reason}")
            return updated
        if not slot.absent and (literal_value(original.args[slot.arg_index].value) is not None or not none_means_default):
            return updated  # the user's own norm layer (a class there is BN002's business), or none
        norm_name, defaults = norm
        reported = self._report(
            original,
            "BN003",
            f"{what} builds {norm_name} layers that track running stats: pass "
            f"norm_layer=partial({norm_name}, ..., track_running_stats=False)",
            fixable=True,
        )
        if not reported:
            return updated
        statement = self._current_statement
        partial = self.imports.partial(self.scopes, statement)
        norm_class = self.imports.torch_nn_class(norm_name, self.scopes, statement)
        arguments = ", ".join([norm_class, *(f"{k}={v}" for k, v in defaults), f"{TRACKING_KEYWORD}=False"])
        value_source = f"{partial}({arguments})"
        value = cst.parse_expression(value_source)
        if slot.absent:
            self._record(original, "add-keyword", value_source, keyword="norm_layer")
            return layout.append_keyword(updated, "norm_layer", value)
        self._record(original, "set-keyword", value_source, slot.arg_index, keyword="norm_layer")
        new_args = list(updated.args)
        new_args[slot.arg_index] = new_args[slot.arg_index].with_changes(value=value)
        return updated.with_changes(args=new_args)

    def _functional(self, original: cst.Call, callee: str, functional: FunctionalNorm) -> None:
        """BN007: report a functional norm that would update running stats in place."""
        args = original.args
        stats = [find_slot(args, name, index) for name, index in functional.running_stats]
        if not any(s.maybe or (not s.absent and literal_value(args[s.arg_index].value) is not None) for s in stats):
            return
        flag = find_slot(args, functional.flag, functional.flag_index)
        if flag.absent and not functional.flag_default:
            return
        if not flag.absent and not flag.maybe and literal_value(args[flag.arg_index].value) is False:
            return
        short = callee.replace("torch.nn.functional.", "F.")
        self._report(
            original,
            "BN007",
            f"{short} updates running_mean/running_var in place when {functional.flag} is true, which "
            f"torch.func.vmap cannot do: pass running_mean=None, running_var=None under vmap",
        )

    def _reference(self, original: cst.BaseExpression, updated: cst.BaseExpression) -> cst.BaseExpression:
        """BN002: a norm class used as a value, e.g. norm_layer=nn.BatchNorm2d."""
        in_factory_position = id(original) in self._factory_positions
        if not in_factory_position and id(original) not in self._argument_positions:
            return updated
        qualified_name = resolve(original, self.scopes)
        norm_class = self.norm_classes.get(qualified_name) if qualified_name else None
        if norm_class is None or not norm_class.tracks_by_default:
            return updated
        if not in_factory_position:
            # A positional argument: the callee may build layers with it or only compare with it.
            self._report(
                original,
                "BN002",
                f"{norm_class.name} passed as a value: if it is used to build layers, pass "
                f"partial({norm_class.name}, track_running_stats=False)",
            )
            return updated
        if not self._report(original, "BN002", _tracking_message(norm_class, "BN002"), fixable=True):
            return updated
        partial_source = self.imports.partial(self.scopes, self._current_statement)
        self._record(original, "wrap-partial", partial_source)
        partial = cst.parse_expression(partial_source)
        return cst.Call(
            func=partial,
            args=[
                cst.Arg(value=updated.with_changes(lpar=(), rpar=())),
                cst.Arg(keyword=cst.Name(TRACKING_KEYWORD), value=cst.Name("False"), equal=_TIGHT_EQUAL),
            ],
            lpar=updated.lpar,
            rpar=updated.rpar,
        )

    def _replace_deprecated_attribute(self, original: cst.Attribute) -> cst.BaseExpression:
        if not self._report(original, "BN006", _deprecated_message("functorch.experimental"), fixable=True):
            return original
        replacement = self.imports.torch_attribute(
            "func.replace_all_batch_norm_modules_", self.scopes, self._current_statement
        )
        self._record(original, "replace-attribute", replacement)
        return cst.parse_expression(replacement).with_changes(lpar=original.lpar, rpar=original.rpar)

    def _register_local_subclasses(self, module: cst.Module) -> None:
        """`class MyBN(nn.BatchNorm2d)` at module level: its calls are the parent's when it keeps
        the parent's signature (no __init__ of its own); otherwise its definition is reported."""
        for statement in module.body:
            if not isinstance(statement, cst.ClassDef):
                continue
            parents = [self.norm_classes.get(resolve(base.value, self.scopes) or "") for base in statement.bases]
            parent = next((p for p in parents if p is not None), None)
            if parent is None or not parent.tracks_by_default:
                continue
            if _defines_init(statement):
                if not _passes_tracking_off(statement):
                    self._subclass_reports[id(statement)] = parent.name
                continue
            local_name = f"{LOCAL_CLASS_PREFIX}{statement.name.value}"
            self.scopes[0].bindings[statement.name.value] = local_name
            self.norm_classes[local_name] = dataclasses.replace(parent, name=statement.name.value)

    # Findings and edits.
    def _report(self, node: cst.CSTNode, code: str, message: str, fixable: bool = False) -> bool:
        """Record a finding; False when the rule is off or a `# noqa` suppresses it (then: no fix)."""
        if not self._enabled(code):
            return False
        if not self._noqa:  # nothing to suppress: the position can wait until the end
            self._deferred.append((True, node, self._current_statement, (code, message, fixable)))
            return True
        position = self._position(node)
        if is_suppressed(self._noqa, code, (position.start.line, position.end.line)):
            return False
        self.findings.append(_finding(code, position, message, fixable))
        return True

    def _record(
        self, node: cst.CSTNode, action: str, value: str, index: int = -1, keyword: str = TRACKING_KEYWORD
    ) -> None:
        if not self._noqa:
            self._deferred.append((False, node, self._current_statement, (action, keyword, value, index)))
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

    def _finish(self) -> None:
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
        self.edits[:0] = edits  # before the add-import edits of leave_Module, as they were recorded
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


_TIGHT_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def _tracking_message(norm_class: NormClass, code: str) -> str:
    if code == "BN002":
        return (
            f"{norm_class.name} used as a layer factory builds layers that track running stats, which "
            f"torch.func.vmap cannot update in place: use partial({norm_class.name}, track_running_stats=False)"
        )
    return (
        f"{norm_class.name} tracks running stats, which torch.func.vmap cannot update in place: "
        f"set track_running_stats=False"
    )


def _deprecated_message(module: str) -> str:
    return f"{module}.replace_all_batch_norm_modules_ is deprecated: use torch.func.replace_all_batch_norm_modules_"


def _comment_after(alias: cst.ImportAlias) -> str:
    """The comment on the line of `alias` (after its comma), if any."""
    comma = alias.comma
    if isinstance(comma, cst.Comma) and isinstance(comma.whitespace_after, cst.ParenthesizedWhitespace):
        comment = comma.whitespace_after.first_line.comment
        return comment.value if comment is not None else ""
    return ""


def _builds_untrained(args: Sequence[cst.Arg]) -> bool:
    """Whether a detection builder may build BatchNorm2d rather than FrozenBatchNorm2d: only when
    both `weights` (default None) and `weights_backbone` (default pretrained) are None."""
    for keyword, default_is_none in (("weights", True), ("weights_backbone", False)):
        slot = find_slot(args, keyword, None)
        if slot.maybe:
            continue  # **kwargs may set it to None
        if slot.absent and not default_is_none:
            return False
        if not slot.absent and literal_value(args[slot.arg_index].value) is not None:
            return False
    return True


def _defines_init(node: cst.ClassDef) -> bool:
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    return any(isinstance(s, cst.FunctionDef) and s.name.value == "__init__" for s in body)


def _passes_tracking_off(node: cst.ClassDef) -> bool:
    """Whether the class's own code sets track_running_stats=False somewhere (e.g. in super().__init__)."""
    finder = _TrackingOffFinder()
    node.visit(finder)
    return finder.found


class _TrackingOffFinder(cst.CSTVisitor):
    """An argument `track_running_stats=False` (libcst.matchers would cost 0.3 s of import)."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Arg(self, node: cst.Arg) -> bool:
        if (
            isinstance(node.keyword, cst.Name)
            and node.keyword.value == TRACKING_KEYWORD
            and isinstance(node.value, cst.Name)
            and node.value.value == "False"
        ):
            self.found = True
        return not self.found

    def on_visit(self, node: cst.CSTNode) -> bool:
        return not self.found and super().on_visit(node)
