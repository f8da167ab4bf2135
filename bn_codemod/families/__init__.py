"""Rule families: the rule logic that the one visitor (visitor.py) dispatches to.

Each module holds one family: a `Family` built once per file with the visitor, whose `report`, `record`,
`scopes`, `imports`, `norm_classes` and `current_statement` it uses. What a family knows (classes, slots,
builders, library factories) stays in the data tables of knowledge.py and torchvision_builders.py.

- constructors.py    BN001/BN005: norm classes built directly
- norm_subclasses.py BN008: local subclasses of norm classes (a default flipped, a parent call fixed, or read as
                     a norm class)
- factories.py       BN002: norm classes as values (norm_layer=nn.BatchNorm2d, partial(nn.BatchNorm2d, ...)); a
                     partial(X, ...) of a model class or builder goes to X's family
- factory_values.py  BN001/BN002/BN005 through a name: visible `**factory_kwargs` dicts, factory tables
- builders.py        BN003/BN004/BN005: torchvision builders and get_model, norm-activation blocks, timm
- model_classes.py   BN003/BN004/BN005: library model classes constructed or subclassed (model_classes.py data)
- norm_specs.py      BN001/BN003/BN004/BN005: library norm factories taking a spec, MONAI's get_norm_layer("batch")
                     and Norm[Norm.BATCH, 2], mmcv's norm_cfg=dict(type="BN"), detectron2's get_norm("BN")
                     (norm_factories.py data)
- functional.py      BN007: functional batch_norm/instance_norm updating running stats
- migrations.py      BN006: functorch.experimental's runtime patch → torch.func
- hazards.py           BN009-BN011: code that reads or writes running statistics, fusion helpers,
                     load_state_dict (report only; shown per run, see runner.scope_hazards)

Adding a family (e.g. hazards: code that reads running statistics):
1. its codes and --explain text in rules.py, its knowledge in knowledge.py;
2. a module here with a `Family` subclass; a call rule has
   `leave_call(original, updated, callee)` returning the new node, or None when the call is not its own;
3. in visitor.py, build it in __init__ and add it to `_call_families` (first match wins) or call it
   from the visit_/leave_ handler of the node type it reads;
4. fixtures under tests/fixtures.
A new library factory is a table entry in knowledge.py and a branch of `Builders.leave_call`; a new
library norm factory taking a spec of a kind norm_specs.py reads is an entry in norm_factories.py only.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..visitor import BatchNormVisitor


class Family:
    def __init__(self, visitor: BatchNormVisitor) -> None:
        # A proxy: a reference back to the visitor would make a cycle that keeps each file's tree
        # alive until the cyclic garbage collector runs (measured: 5% slower on timm).
        self.visitor = weakref.proxy(visitor)
