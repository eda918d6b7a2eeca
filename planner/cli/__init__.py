"""The ``planner`` command: parse, call the API, print, exit with an ExitCode."""

import time

STARTED = time.perf_counter()  # the command's clock: a --time-limit counts from here
