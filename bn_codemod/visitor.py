"""The single libcst visitor: finds every finding and makes every fix, in one pass.

`--check`, `--diff`, fix mode and the pre-commit hooks all run this visitor; check mode simply does not
write what it returns. It keeps the scopes and the import plan, and dispatches each node to the rule
families (families/); the traversal speed-ups and positions live in traversal.py.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import libcst as cst

from .families.builders import Builders
from .families.constructors import Constructors
from .families.factories import Factories
from .families.factory_values import FactoryValues
from .families.functional import FunctionalNorms
from .families.hazards import Hazards
from .families.migrations import FunctorchMigrations
from .families.model_classes import ModelClasses
from .families.norm_specs import NormSpecs
from .families.norm_subclasses import NormSubclasses
from .findings import Edit
from .imports import ImportPlanner, insert_imports
from .knowledge import NORM_CLASS_BY_QUALNAME, NormClass
from .rules import HAZARD_CODES
from .scopes import Scope, resolve, scope_for_class, scope_for_function, scope_for_module, top_level_imports
from .traversal import FastTransformer


class BatchNormVisitor(FastTransformer):
    def __init__(
        self,
        source: str,
        extra_classes: Sequence[str] = (),
        enabled: Callable[[str], bool] = lambda code: True,
        statement_lines: Optional[Sequence[int]] = None,
    ) -> None:
        super().__init__(source, enabled, statement_lines)
        self.scopes: list[Scope] = []
        self.imports = ImportPlanner(source)
        self.norm_classes: dict[str, NormClass] = dict(NORM_CLASS_BY_QUALNAME)
        for qualified_name in extra_classes:
            # In-house wrappers: keyword-only as far as we know, tracking by default.
            self.norm_classes[qualified_name] = NormClass(qualified_name.rsplit(".", 1)[-1], (), True, -1)
        self._callees: dict[int, Optional[str]] = {}  # id(Call) -> qualified name of what it calls
        self.constructors = Constructors(self)
        self.factories = Factories(self)
        self.builders = Builders(self)
        self.functional_norms = FunctionalNorms(self)
        self.migrations = FunctorchMigrations(self)
        self.hazards = Hazards(self, source)
        # Any norm layer built here, tracking or patched: hazards are shown in runs that have one.
        self.builds_norm_layers = False
        self.norm_subclasses = NormSubclasses(self)
        self.model_classes = ModelClasses(self)
        self.factory_values = FactoryValues(self)
        self.norm_specs = NormSpecs(self)
        # Rules for a call with a known callee, tried in order: the first that returns a node owns it.
        self._call_families = (
            self.constructors, self.factories, self.builders, self.norm_specs, self.functional_norms
        )

    # Scopes: each is scanned for its bindings when the visitor enters it.
    def visit_Module(self, node: cst.Module) -> None:
        self.begin_module(node)
        self.scopes.append(scope_for_module(node))
        self.factory_values.enter_scope(node)
        # A fix may use a name imported by a top-level statement before its own.
        for statement, names in top_level_imports(node):
            for name in names:
                self.scopes[0].import_statements.setdefault(name, self.statement_index[id(statement)])
        self.norm_subclasses.visit_module(node)
        self.model_classes.visit_module(node)
        self.norm_specs.visit_module(node)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        new_module, placed = insert_imports(updated_node, self.imports.added)
        for statement, index in placed:
            self.edits.append(Edit(0, 0, "add-import", "", statement, index))
        self.finish_positions()
        return new_module

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self.hazards.active:
            self.hazards.visit_ClassDef(node)
        self.model_classes.visit_class(node)  # its bases resolve in the enclosing scope
        self.norm_specs.visit_class(node)
        self.scopes.append(scope_for_class(node))
        self.factory_values.enter_scope(node)
        self.model_classes.enter_scope(_block_body(node.body))

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        self.scopes.pop()
        self.factory_values.leave_scope()
        self.norm_subclasses.leave_class(original_node)
        self.model_classes.leave_class(original_node)
        self.norm_specs.leave_class(original_node)
        if self.hazards.active:
            self.hazards.leave_ClassDef()
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        # Defaults are values in the enclosing scope: `def f(norm_layer=nn.BatchNorm2d)`.
        for param in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
            self.factories.mark(param.default, param.name.value, node)
        self.scopes.append(scope_for_function(node))
        self.model_classes.enter_scope(_block_body(node.body))
        if self.hazards.active:
            self.hazards.visit_FunctionDef(node)
        self.factory_values.enter_scope(node)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.scopes.pop()
        if self.hazards.active:
            self.hazards.leave_FunctionDef()
        self.factory_values.leave_scope()
        return updated_node

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.append(scope_for_function(node))
        self.factory_values.enter_scope(node)

    def leave_Lambda(self, original_node: cst.Lambda, updated_node: cst.Lambda) -> cst.Lambda:
        self.scopes.pop()
        self.factory_values.leave_scope()
        return updated_node

    def leave_Param(self, original_node: cst.Param, updated_node: cst.Param) -> cst.Param:
        return self.norm_subclasses.leave_param(original_node, updated_node)

    # Where a class is a value that builds layers (BN002), marked on the way down.
    def visit_Call(self, node: cst.Call) -> None:
        callee = resolve(node.func, self.scopes)
        self._callees[id(node)] = callee
        self.factories.mark_call_arguments(node, callee)
        self.factory_values.visit_call(node)
        if self.hazards.active:
            self.hazards.visit_Call(node, callee)

    def visit_Assign(self, node: cst.Assign) -> None:
        target = node.targets[0].target if len(node.targets) == 1 else None
        if isinstance(target, cst.Name):
            self.factories.mark(node.value, target.value, self.factory_values.current_scope)
        else:
            self.factories.mark(node.value)
        self.factory_values.visit_assign(node)
        if self.hazards.active:
            self.hazards.visit_Assign(node)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self.factory_values.visit_subscript(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.factories.mark(node.value, node.target.value, self.factory_values.current_scope)
        else:
            self.factories.mark(node.value)
        if self.hazards.active:
            self.hazards.visit_AnnAssign(node)

    # Only the hazards read these.
    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self.hazards.active:
            self.hazards.visit_AugAssign(node)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if self.hazards.active:
            self.hazards.visit_Comparison(node)

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.BaseExpression:
        if self.hazards.active:
            self.hazards.leave_Subscript(original_node)
        return self.norm_specs.leave_subscript(original_node, updated_node)

    def visit_Return(self, node: cst.Return) -> None:
        self.factories.mark(node.value)

    def visit_List(self, node: cst.List) -> None:
        self.factories.mark_list(node)

    def visit_For(self, node: cst.For) -> None:
        self.factory_values.visit_loop(node.target, node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.factory_values.visit_loop(node.target, node.iter)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        self.factories.mark(node.value)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self.factories.mark_branches(node, node.body, node.orelse)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self.factories.mark_branches(node, node.left, node.right)

    # References, imports and calls, on the way up.
    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self.factories.reference(original_node, updated_node)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if self.hazards.active:
            self.hazards.leave_Attribute(original_node)
        migrated = self.migrations.leave_attribute(original_node)
        if migrated is not None:
            return migrated
        return self.factories.reference(original_node, updated_node)

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        return self.migrations.leave_import_from(original_node, updated_node)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ):
        return self.migrations.leave_simple_statement_line(original_node, updated_node)

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        return self.migrations.leave_simple_statement_suite(original_node, updated_node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        callee = self._callees.pop(id(original_node), None)
        if self.hazards.active:
            self.hazards.leave_Call(original_node, callee)
        # Calls these two own need no known callee: `super().__init__(...)` in a subclass.
        result = self.norm_subclasses.leave_call(original_node, updated_node)
        if result is None:
            result = self.model_classes.leave_call(original_node, updated_node, callee)
        if result is None:
            result = self.norm_specs.leave_parent_init(original_node, updated_node)
        if result is not None:
            return result
        if callee is None:
            return self.norm_specs.leave_unresolved_call(original_node, updated_node) or updated_node
        for family in self._call_families:
            result = family.leave_call(original_node, updated_node, callee)
            if result is not None:
                return result
        return updated_node

    def report(self, node: cst.CSTNode, code: str, message: str, fixable: bool = False) -> bool:
        # Whatever the settings and # noqa say: the layers are there.
        if code not in HAZARD_CODES and code != "BN006":
            self.builds_norm_layers = True
        return super().report(node, code, message, fixable)


def _block_body(block: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    """The statements of an indented block; none for `def f(): ...` on one line (it defines no class)."""
    return block.body if isinstance(block, cst.IndentedBlock) else ()
