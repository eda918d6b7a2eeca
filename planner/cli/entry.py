"""The ``planner`` command's entry point: Ctrl-C while the libraries load
ends the run with one line and exit 130, like Ctrl-C anywhere else; once
they are loaded, SIGTERM is taken as Ctrl-C, so that a killed run stops its
workers and prints what it finished, as Ctrl-C does."""

from __future__ import annotations

import os
import signal
import sys


def run() -> None:
    def interrupted(signum, frame):  # noqa: ARG001
        sys.stderr.write("planner: interrupted\n")
        sys.stderr.flush()
        os._exit(130)

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    from planner.cli.main import main  # loads pandas, Pyomo, HiGHS

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, terminated)
    main()


def terminated(signum, frame):  # noqa: ARG001
    """SIGTERM: the path of Ctrl-C (the best plan found stands, rows done are kept)."""
    raise KeyboardInterrupt
