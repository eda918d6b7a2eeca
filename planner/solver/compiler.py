"""The two ends of the hand-over, set up: Pyomo's standard-form compiler
(quick to start) and a HiGHS object (quiet on stdout, its log on stderr)."""

from __future__ import annotations

import ctypes
import os
import sys

import highspy
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


def new_highs() -> highspy.Highs:
    """A ``Highs`` object, without the banner HiGHS prints on stdout when one
    is made (before any option can turn it off): stdout is for plans."""
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        h = highspy.Highs()
        ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    return h


def log_to_stderr(h: highspy.Highs) -> None:
    """Send HiGHS's log to Python's stderr (through its logging callback),
    never to the C stdout, which is for plans and JSON."""
    h.setOptionValue("log_to_console", False)

    def write(event) -> None:
        sys.stderr.write(event.message)

    h.cbLogging += write
