"""planner: get the most AI data-center capacity online by a deadline when
power and money are the bottlenecks.

    >>> import planner
    >>> inst = planner.load_instance("instances/toy-two-sites.yaml")
    >>> plan = planner.solve(inst)
    >>> plan.capacity_mw, plan.total_cost
    (127.0, 1430.0)

The layers, each importing only those below it (tests/test_layers.py):
``cli`` (the command), ``report`` (text, charts, HTML), ``studies`` (many
solves of one instance), ``analysis`` (verify, explain), ``solver`` (options,
HiGHS, the staged loop, sessions), ``results`` (the plan and its tables),
``model`` (one module per rule family), ``io`` (the instance file) and
``calendar`` (dates and periods).

``import planner`` is light: each name below is imported from its layer the
first time it is used, so the command line starts without loading Pyomo,
HiGHS, pandas or matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.analysis.verify import verify
    from planner.io.errors import InstanceError
    from planner.io.load import load_instance, parse_instance
    from planner.io.schema import Instance
    from planner.results.plan import Plan
    from planner.results.status import StageResult, Status
    from planner.solver.options import SolveOptions
    from planner.solver.session import Session, solve

__all__ = [
    "Instance",
    "InstanceError",
    "Plan",
    "Session",
    "SolveOptions",
    "StageResult",
    "Status",
    "load_instance",
    "parse_instance",
    "solve",
    "verify",
]
__version__ = "0.1.0"

# Where each public name lives.
_HOMES = {
    "Instance": "planner.io.schema",
    "InstanceError": "planner.io.errors",
    "Plan": "planner.results.plan",
    "Session": "planner.solver.session",
    "SolveOptions": "planner.solver.options",
    "StageResult": "planner.results.status",
    "Status": "planner.results.status",
    "load_instance": "planner.io.load",
    "parse_instance": "planner.io.load",
    "solve": "planner.solver.session",
    "verify": "planner.analysis.verify",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
