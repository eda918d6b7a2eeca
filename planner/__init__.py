"""planner: get the most AI data-center capacity online by a deadline when
power and money are the bottlenecks.

    >>> import planner
    >>> inst = planner.load_instance("instances/toy-two-sites.yaml")
    >>> plan = planner.solve(inst)
    >>> plan.capacity_mw, plan.total_cost
    (127.0, 1430.0)
"""

from planner.analysis.verify import verify
from planner.io.errors import InstanceError
from planner.io.load import load_instance, parse_instance
from planner.io.schema import Instance
from planner.results.plan import Plan, StageResult, Status
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
