"""The ``planner`` command's entry point: Ctrl-C or SIGTERM while the
libraries load ends the run with one line and exit 130 (ExitCode.INTERRUPTED),
like Ctrl-C anywhere else. The guard is set before anything is imported and
holds until the command's libraries are loaded (PlannerGroup.resolve_command in
planner/cli/main.py then calls planner.cli.common.libraries_loaded); from there
SIGTERM is taken as Ctrl-C, so that a killed run stops its workers and prints
what it finished, as Ctrl-C does."""

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
    from planner.cli.main import main  # click only; each command's libraries load later

    main()
