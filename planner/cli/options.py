"""The command line's number options, with their bounds, shared by every
command: a count past its bound, a NaN or an infinity is refused by click
with one line naming the option, before any work starts. The solver's options
of every command (planner.cli.common.solver_options) take theirs from here.

The bounds are generous for real studies and small enough that the work
they ask for ends (docs/model-notes.md, "Limits").
"""

from __future__ import annotations

import math

import click

MAX_SITES = 10_000  # generate --sites
MAX_TECHNOLOGIES = 1_000  # generate --technologies
MAX_SOURCES = 1_000  # generate --sources
# generate --periods (of one month; fewer of longer ones): the instance's
# horizon bound, planner.io.fields.MAX_HORIZON_MONTHS, written out here since
# that module loads pydantic and the options are read by `planner --help`.
MAX_PERIODS = 1_200
MAX_SAMPLES = 100_000  # risk --samples
MAX_POINTS = 1_000  # frontier --points
MAX_THREADS = 256  # HiGHS threads of one solve
MAX_WORKERS = 1_024  # local worker processes
MAX_CHUNK = 10_000  # scenarios or points re-solved on one model
MAX_SECONDS = 1e9  # a time limit of 30 years is none


class Finite(click.FloatRange):
    """A float within a range; NaN and infinities are refused (a range alone
    lets NaN through, since every comparison with it is false)."""

    name = "float"

    def convert(self, value, param, ctx):
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return super().convert(number, param, ctx)


SEED_MAX = 2**31 - 1  # HiGHS's random_seed, and numpy's draws: 0 to 2^31 - 1


def count(low: int, high: int) -> click.IntRange:
    """A whole number from ``low`` to ``high``."""
    return click.IntRange(min=low, max=high)


TIME_LIMIT = Finite(min=0, min_open=True, max=MAX_SECONDS)  # seconds
MIP_GAP = Finite(min=0, max=1, max_open=True)  # relative: 0.01 is 1 %
NONNEGATIVE = Finite(min=0)  # MW and the like
THREADS = count(1, MAX_THREADS)
WORKERS = count(1, MAX_WORKERS)
CHUNK = count(1, MAX_CHUNK)
SAMPLES = count(1, MAX_SAMPLES)
POINTS = count(2, MAX_POINTS)
SITES = count(1, MAX_SITES)
PERIODS = count(1, MAX_PERIODS)
TECHNOLOGIES = count(0, MAX_TECHNOLOGIES)
SOURCES = count(0, MAX_SOURCES)
SEED = count(0, SEED_MAX)
