"""Run independent tasks in parallel: serially, on a local process pool, or on
a Dask cluster, with results in task order whatever the backend.

A task that raises does not stop the others: its result is a :class:`Failed`
holding the error as one line. The functions given must be importable
(module-level): the pool's workers are forked from a fork server, a clean
interpreter (a forked child of a process that has run HiGHS can hang on its
thread pool), and Dask ships functions by reference. As with any
multiprocessing program, a script that runs a pool guards its entry point
with ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Failed:
    """A task that raised: its error as one line."""

    error: str

    def __str__(self) -> str:
        return self.error


def error_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def run_tasks(
    fn: Callable[[Any], Any],
    tasks: Sequence[Any],
    *,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Callable[[int], None] | None = None,
    weight: Callable[[Any], int] = lambda task: 1,
) -> list[Any]:
    """``[fn(task) for task in tasks]``, in parallel.

    ``scheduler``: a Dask scheduler address (``tcp://host:8786``) or a
    ``dask.distributed.Client``; otherwise ``workers`` processes (default: one
    per core; 1 runs in this process). ``progress(n)`` is called as tasks
    finish, with ``weight(task)`` (default 1) for each.
    """
    tasks = list(tasks)
    tick = progress or (lambda n: None)
    if scheduler is not None:
        return _run_dask(fn, tasks, scheduler, tick, weight)
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(tasks) <= 1:
        out = []
        for task in tasks:
            out.append(_call(fn, task))
            tick(weight(task))
        return out
    results: list[Any] = [None] * len(tasks)
    context = _context()
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        futures = {pool.submit(fn, task): i for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            _collect(future, futures[future], results, tasks, tick, weight)
    return results


# Imported once by the fork server, so that each worker forked from it starts
# with the model, the compiler and HiGHS loaded (a fresh interpreter takes
# seconds to import them).
PRELOAD = ["pyomo.environ", "scipy.sparse", "scipy.stats", "highspy", "planner.studies.evaluate",
           "planner.studies.sweep", "planner.studies.frontier", "planner.studies.risk"]


def _context():
    """Workers forked from a fork server (a clean interpreter that has
    imported :data:`PRELOAD` and never run HiGHS), or spawned where there is
    no fork server."""
    try:
        context = multiprocessing.get_context("forkserver")
    except ValueError:  # pragma: no cover (Windows)
        return multiprocessing.get_context("spawn")
    context.set_forkserver_preload(PRELOAD)
    return context


def _collect(future, i: int, results: list, tasks: list, tick, weight) -> None:
    """Put a finished future's result (or its failure) in its task's place."""
    try:
        results[i] = future.result()
    except Exception as exc:  # noqa: BLE001 (a failed task is reported in its row)
        results[i] = Failed(error_line(exc))
    tick(weight(tasks[i]))


def _call(fn: Callable[[Any], Any], task: Any) -> Any:
    try:
        return fn(task)
    except Exception as exc:  # noqa: BLE001 (a failed task is reported in its row)
        return Failed(error_line(exc))


def _run_dask(fn, tasks, scheduler, tick, weight) -> list[Any]:
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover (dask is a dependency)
        raise RuntimeError("--scheduler needs dask.distributed: pip install "
                           "'dask[distributed]'") from exc
    own = not isinstance(scheduler, Client)
    client = Client(scheduler, timeout="30s") if own else scheduler
    try:
        futures = client.map(fn, tasks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(tasks)
        for future in dask_completed(futures):
            _collect(future, index[future.key], results, tasks, tick, weight)
        return results
    finally:
        if own:
            client.close()
