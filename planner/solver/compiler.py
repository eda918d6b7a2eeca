"""Pyomo's standard-form compiler, set up to start quickly."""

from __future__ import annotations

import sys

import numpy as np


def sparse_hooks() -> None:
    """Pyomo's standard-form compiler reaches scipy.sparse through Pyomo's
    deferred scipy import, and Pyomo's import hook finalizes any first
    import of scipy by importing scipy.stats as well: about 1 s, most of a
    small solve's wall time. The compiler keeps its vector and matrix makers
    as class attributes for callers to set; set them to numpy and a
    scipy.sparse imported past that hook. (If Pyomo resolves its deferred
    scipy later, it imports scipy.stats then: a cost, never a change.)"""
    from pyomo.repn.plugins import standard_form

    impl = getattr(standard_form, "_LinearStandardFormCompiler_impl", None)
    if impl is None or getattr(impl, "_to_vector", False) is not None:
        return  # another Pyomo, or already set: the compiler's own way
    hooks = [f for f in sys.meta_path if type(f).__name__ == "DeferredImportCallbackFinder"]
    for finder in hooks:
        sys.meta_path.remove(finder)
    try:
        import scipy.sparse
    finally:
        sys.meta_path[0:0] = hooks
    impl._to_vector = np.fromiter
    impl._csc_matrix = scipy.sparse.csc_array
    impl._csr_matrix = scipy.sparse.csr_array
