"""BN003/BN004/BN005: library model classes the user constructs or subclasses.

torchvision's ResNet, timm's EfficientNet, pretrainedmodels' SENet… build their BatchNorm layers in the
library's code, which the user never runs bn-codemod on: the finding belongs at the user's call of the
class, or in the user's subclass (its `super().__init__(...)` call, or its class statement).
The classes are data (model_classes.py); this module applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence

import libcst as cst

from ..arguments import UNKNOWN, find_slot, literal_value
from ..model_classes import BATCHNORM_SWITCHES, MODEL_CLASS_BY_QUALNAME, ModelClass
from ..scopes import parent_init_offset, resolve
from ..torchvision_builders import NORM_LAYER_WORKS
from . import Family
from .builders import RUNTIME_ADVICE, report_as_value
from .constructors import LOCAL_CLASS_PREFIX

if TYPE_CHECKING:
    from ..visitor import BatchNormVisitor


@dataclass
class _ClassFrame:
    node: cst.ClassDef
    parent: Optional[ModelClass]  # the library model class it subclasses, if any
    defines_init: bool = False
    calls_parent_init: bool = False


class ModelClasses(Family):
    def __init__(self, visitor: BatchNormVisitor) -> None:
        super().__init__(visitor)
        self._classes: list[_ClassFrame] = []
        self.model_classes: dict[str, ModelClass] = dict(MODEL_CLASS_BY_QUALNAME)

    # Dispatched by the visitor.
    def visit_module(self, module: cst.Module) -> None:
        self.enter_scope(module.body)

    def enter_scope(self, body: Sequence[cst.CSTNode]) -> None:
        """A subclass defined in this scope (module, function or class body, whose scope the visitor has just
        entered) that keeps its library parent's signature (no __init__ of its own) is called like the parent:
        bind it before any call of it is visited, wherever that call is."""
        for statement in body:
            if isinstance(statement, cst.ClassDef) and not defines_init(statement):
                parent = self._library_parent(statement)
                if parent is not None and parent.support == NORM_LAYER_WORKS:
                    local = f"{LOCAL_CLASS_PREFIX}{statement.name.value}"
                    self.visitor.scopes[-1].bindings[statement.name.value] = local
                    self.model_classes[local] = parent

    def visit_class(self, node: cst.ClassDef) -> None:
        """Before the class's scope is entered: its bases resolve in the enclosing scopes."""
        self._classes.append(_ClassFrame(node, self._library_parent(node), defines_init=defines_init(node)))

    def leave_class(self, node: cst.ClassDef) -> None:
        frame = self._classes.pop()
        parent = frame.parent
        if parent is None:
            return
        name = node.name.value
        if parent.support != NORM_LAYER_WORKS:
            self.visitor.report(
                node.name,
                "BN004",
                f"{name} subclasses {_display(parent)}: {parent.reason}; {RUNTIME_ADVICE}",
            )
        elif frame.defines_init and not frame.calls_parent_init:
            self.visitor.report(
                node.name,
                "BN004",
                f"{name} subclasses {parent.name} but its __init__ does not call {parent.name}.__init__ where "
                f"bn-codemod can see it; {RUNTIME_ADVICE}",
            )

    def leave_call(self, original: cst.Call, updated: cst.Call, callee: Optional[str]) -> Optional[cst.Call]:
        """The rewritten call when this family owns it, else None. Also for calls without a known callee:
        `super().__init__(...)` in a subclass of a model class."""
        model = self.model_classes.get(callee) if callee is not None else None
        if model is not None:
            return self._construct(original, updated, model, model.name, model.norm_index)
        switch = BATCHNORM_SWITCHES.get(callee) if callee is not None else None
        if switch is not None:
            self._batchnorm_switch(original, callee, *switch)
            return updated
        parent_init = self._parent_init(original)
        if parent_init is None:
            return None
        frame, offset = parent_init
        frame.calls_parent_init = True
        assert frame.parent is not None
        if frame.parent.support != NORM_LAYER_WORKS:
            return updated  # reported once, at the class statement
        what = f"{frame.parent.name}.__init__ in {frame.node.name.value}"
        return self._construct(original, updated, frame.parent, what, frame.parent.norm_index + offset)

    def reference(self, node: cst.BaseExpression, qualified_name: str) -> bool:
        """A model class as a value where it may build a model (assigned, returned, a keyword argument, a default):
        `model_cls = ResNet`. Its call is out of sight, so it is reported where the class is named. True when
        `qualified_name` is a model class (reported or, for a block, deliberately not)."""
        model = self.model_classes.get(qualified_name)
        if model is None or model.block:
            return model is not None
        shown = _display(model)
        if qualified_name.startswith(LOCAL_CLASS_PREFIX):
            shown = f"{qualified_name[len(LOCAL_CLASS_PREFIX):]}, a subclass of {shown},"
        report_as_value(self.visitor, node, shown, model.support, model.default_norm, model.reason)
        return True

    def partial(self, original: cst.Call, updated: cst.Call, target: str) -> Optional[cst.Call]:
        """`partial(ResNet, BasicBlock, [2, 2, 2, 2])`: the class's rule, on the arguments after the class."""
        model = self.model_classes.get(target)
        if model is None:
            return None
        if model.block:
            # The model it is handed to passes its own norm_layer (torchvision's ResNet positionally): an added
            # keyword would clash with it. As a value, a block is the model's business.
            return updated
        return self._construct(original, updated, model, f"partial({model.name}, ...)", model.norm_index + 1)

    # The rules.

    def _construct(self, original: cst.Call, updated: cst.Call, model: ModelClass, what: str, norm_index: int):
        if model.support != NORM_LAYER_WORKS:
            self.visitor.report(original, "BN004", f"{_display(model)}: {model.reason}; {RUNTIME_ADVICE}")
            return updated
        norm = (model.default_norm, model.default_kwargs)
        return self.visitor.builders.add_norm_layer(original, updated, what, norm, norm_index, none_means_default=True)

    def _batchnorm_switch(self, original: cst.Call, callee: str, keyword: str, index: int, default: bool) -> None:
        """`make_layers(cfg, batch_norm=True)`: hard-wired BatchNorm2d when the switch may be on."""
        slot = find_slot(original.args, keyword, index)
        value = default if slot.absent else UNKNOWN if slot.maybe else literal_value(original.args[slot.arg_index].value)
        if value is False:
            return
        name = callee.rsplit(".", 1)[-1]
        condition = "" if value is True else f" when {keyword} is true"
        self.visitor.report(
            original,
            "BN004",
            f"{name} builds BatchNorm2d layers{condition}, and no argument makes them vmap-safe; {RUNTIME_ADVICE}",
        )

    def _library_parent(self, node: cst.ClassDef) -> Optional[ModelClass]:
        for base in node.bases:
            qualified = resolve(base.value, self.visitor.scopes)
            if qualified is not None and qualified in self.model_classes:
                return self.model_classes[qualified]
        return None

    def _parent_init(self, call: cst.Call) -> Optional[tuple[_ClassFrame, int]]:
        """(the class frame, positional offset) for `super().__init__(...)` or `Parent.__init__(self, ...)`
        in a method of a class that subclasses a library model class."""
        if not self._classes or self._classes[-1].parent is None:
            return None
        frame = self._classes[-1]
        offset = parent_init_offset(
            call, self.visitor.scopes, lambda name: name is not None and self.model_classes.get(name) is frame.parent
        )
        return None if offset is None else (frame, offset)


def _display(model: ModelClass) -> str:
    """`ResNet` is torchvision's and timm's: name the module for the report-only findings."""
    return f"{model.name} ({model.modules[-1]})"


def defines_init(node: cst.ClassDef) -> bool:
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    return any(isinstance(s, cst.FunctionDef) and s.name.value == "__init__" for s in body)
