"""Run independent tasks in parallel: serially, on a local process pool, or on
a Dask cluster, with results in task order whatever the backend.

A task that raises does not stop the others: its result is a :class:`Failed`
holding the error as one line. The functions given must be importable
(module-level): the pool's workers are forked from a fork server, a clean
interpreter (a forked child of a process that has run HiGHS can hang on its
thread pool), and Dask ships functions by reference. As with any
multiprocessing program, a script that runs a pool guards its entry point
with ``if __name__ == "__main__":``.

Ctrl-C (or SIGTERM, which the ``planner`` command turns into Ctrl-C) stops
the work within seconds: tasks not started are cancelled, the running ones
are asked to stop (their HiGHS runs end with the best plan found, and a task
that runs many solves returns the ones done), and workers still busy after
:data:`GRACE_S` are terminated. :class:`Interrupted` then carries the
results of the tasks that finished, :class:`NotRun` in place of the others.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from planner.solver.highs import STOP

GRACE_S = 3.0  # seconds the running tasks get to return what they finished
CONNECT_S = 5.0  # seconds to reach a Dask scheduler (PLANNER_DASK_TIMEOUT overrides)


@dataclass(frozen=True)
class Failed:
    """A task that raised: its error as one line."""

    error: str

    def __str__(self) -> str:
        return self.error


class NotRun(Failed):
    """A task that an interruption stopped before it finished."""


NOT_RUN = NotRun("interrupted before it finished")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped :func:`run_tasks`: ``results`` holds the
    finished tasks' results in task order, :data:`NOT_RUN` for the others."""

    def __init__(self, results: list[Any]):
        super().__init__("interrupted")
        self.results = results

    @property
    def done(self) -> int:
        return sum(not isinstance(r, NotRun) for r in self.results)


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
    tick = _Ticks(progress, [weight(task) for task in tasks])
    if STOP.is_set():  # interrupted before: start nothing
        raise Interrupted([NOT_RUN] * len(tasks))
    if scheduler is not None:
        return _run_dask(fn, tasks, scheduler, tick)
    workers = default_workers() if workers is None else workers
    results: list[Any] = [NOT_RUN] * len(tasks)
    global _ITEMS
    if workers <= 1 or len(tasks) <= 1:
        try:
            for i, task in enumerate(tasks):
                _ITEMS = (lambda n, i=i: tick.items(i, n)) if progress else None
                results[i] = _call(fn, task)
                tick.task(i)
                if STOP.is_set():  # a Ctrl-C stopped a solve of this task
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            STOP.set()
            raise Interrupted(results) from None
        finally:
            _ITEMS = None
        return results
    pool = None
    futures: dict = {}
    try:
        context = _context()
        queue = context.SimpleQueue() if progress else None
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(tasks)),
            mp_context=context,
            initializer=_worker_signals,
            initargs=(queue,),
        )
        futures = {pool.submit(_indexed, fn, i, task): i for i, task in enumerate(tasks)}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            tick.drain(queue)
            for future in done:
                _collect(future, futures[future], results, tick)
    except KeyboardInterrupt:
        STOP.set()
        if pool is not None:
            with _signals_held():
                _wind_down(pool, futures, results, tick)
        raise Interrupted(results) from None
    pool.shutdown()
    return results


# In a task run by run_tasks: where item_done reports (a pool worker's queue
# to the parent, or the parent's own tally when tasks run in this process).
_ITEMS: Callable[[int], None] | None = None
_QUEUE: Any = None
_TASK = -1


def run_until_stopped(
    fn: Callable[[Any], Any], tasks: Sequence[Any], **how: Any
) -> tuple[list[Any], bool]:
    """:func:`run_tasks`, where Ctrl-C or SIGTERM gives the results so far
    (:data:`NOT_RUN` for the tasks not finished) and True, instead of raising."""
    try:
        return run_tasks(fn, tasks, **how), False
    except Interrupted as stop:
        return stop.results, True


def item_done(n: int = 1) -> None:
    """``n`` items of the running task are done (scenarios of a chunk, say):
    :func:`run_tasks`'s ``progress`` hears of them now rather than when the
    whole task ends (not through a Dask cluster: there, when it ends)."""
    if _QUEUE is not None:
        _QUEUE.put((_TASK, n))
    elif _ITEMS is not None:
        _ITEMS(n)


def _indexed(fn: Callable[[Any], Any], i: int, task: Any) -> Any:
    """``fn(task)`` in a pool worker, which knows it runs task ``i``."""
    global _TASK
    _TASK = i
    return fn(task)


class _Ticks:
    """``progress`` told of items as they are done and of each task's
    remaining weight when it ends (never more than its weight in all)."""

    def __init__(self, progress: Callable[[int], None] | None, weights: list[int]) -> None:
        self.progress = progress
        self.left = list(weights)

    def items(self, i: int, n: int) -> None:
        n = min(n, self.left[i])
        if n > 0 and self.progress is not None:
            self.left[i] -= n
            self.progress(n)

    def task(self, i: int) -> None:
        self.items(i, self.left[i])

    def drain(self, queue: Any) -> None:
        while queue is not None and not queue.empty():
            self.items(*queue.get())


class _signals_held:
    """SIGINT and SIGTERM wait while the pool winds down (a second Ctrl-C
    must not leave workers behind); outside the main thread, nothing."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self):
        self.saved = {}
        with _quiet():
            self.saved = {s: signal.signal(s, signal.SIG_IGN) for s in self.SIGNALS}
        return self

    def __exit__(self, *exc):
        for s, handler in self.saved.items():
            signal.signal(s, handler)
        return False


def _worker_signals(queue: Any = None) -> None:
    """In a pool worker, Ctrl-C (the terminal sends it to every process of
    the group) or the SIGINT of :func:`_wind_down` asks the running solve to
    stop, as :data:`STOP` does, rather than raising wherever the worker is.
    ``queue`` takes :func:`item_done`'s reports to the parent."""
    global _QUEUE
    _QUEUE = queue
    signal.signal(signal.SIGINT, lambda signum, frame: STOP.set())
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _wind_down(pool, futures: dict, results: list, tick: _Ticks) -> None:
    """Cancel the tasks not started, ask the running ones to stop, keep what
    they return within GRACE_S, then terminate the workers left."""
    processes = list(getattr(pool, "_processes", {}).values())
    for future in futures:
        future.cancel()  # those not started (the pool would cancel them later, unseen by wait)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with _quiet():
            os.kill(proc.pid, signal.SIGINT)
    deadline = time.monotonic() + GRACE_S
    pending = {f for f in futures if not f.cancelled() and results[futures[f]] is NOT_RUN}
    while pending and time.monotonic() < deadline:
        done, pending = wait(
            pending, timeout=deadline - time.monotonic(), return_when=FIRST_COMPLETED
        )
        for future in done:
            if not future.cancelled():
                _collect(future, futures[future], results, tick)
        pending = {f for f in pending if not f.cancelled()}
    for proc in processes:
        with _quiet():
            proc.terminate()
    for proc in processes:
        with _quiet():
            proc.join(1.0)
            if proc.is_alive():
                proc.kill()
                proc.join(1.0)


class _quiet:
    """Ignore a process that is gone already."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        return kind is not None and issubclass(kind, (OSError, ValueError, AssertionError))


# Imported once by the fork server, so that each worker forked from it starts
# with the model, the compiler and HiGHS loaded (a fresh interpreter takes
# seconds to import them).
PRELOAD = [
    "pyomo.core",
    "scipy.sparse",
    "scipy.stats",
    "highspy",
    "planner.studies.evaluate",
    "planner.studies.sweep",
    "planner.studies.frontier",
    "planner.studies.risk",
]


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


def _collect(future, i: int, results: list, tick: _Ticks) -> None:
    """Put a finished future's result (or its failure) in its task's place."""
    try:
        results[i] = future.result()
    except KeyboardInterrupt:
        results[i] = NOT_RUN  # a worker interrupted outside a solve
        return
    except Exception as exc:  # noqa: BLE001 (a failed task is reported in its row)
        results[i] = Failed(error_line(exc))
    tick.task(i)


def _call(fn: Callable[[Any], Any], task: Any) -> Any:
    try:
        return fn(task)
    except Exception as exc:  # noqa: BLE001 (a failed task is reported in its row)
        return Failed(error_line(exc))


def _run_dask(fn, tasks, scheduler, tick: _Ticks) -> list[Any]:
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover (dask is a dependency)
        raise RuntimeError(
            "--scheduler needs dask.distributed: pip install 'dask[distributed]'"
        ) from exc
    own = not isinstance(scheduler, Client)
    client = _connect(Client, scheduler) if own else scheduler
    results: list[Any] = [NOT_RUN] * len(tasks)
    futures: list = []
    try:
        futures = client.map(fn, tasks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for future in dask_completed(futures):
            _collect(future, index[future.key], results, tick)
        return results
    except KeyboardInterrupt:
        STOP.set()
        try:
            client.cancel([f for f in futures if not f.done()], force=True)
        except Exception:  # noqa: BLE001, S110 (the scheduler may be gone: nothing to cancel)
            pass
        raise Interrupted(results) from None
    finally:
        if own:
            client.close(timeout=GRACE_S)


def connect_timeout() -> float:
    """Seconds to reach a Dask scheduler: PLANNER_DASK_TIMEOUT, else CONNECT_S."""
    text = os.environ.get("PLANNER_DASK_TIMEOUT", "")
    try:
        value = float(text)
    except ValueError:
        return CONNECT_S
    return value if 0 < value < 1e6 else CONNECT_S


def _connect(Client, address: str):
    """A client of the scheduler at ``address``, or one line saying why not
    within :func:`connect_timeout` seconds."""
    seconds = connect_timeout()
    try:
        return Client(address, timeout=f"{seconds}s")
    except (OSError, TimeoutError) as exc:
        raise SchedulerUnreachable(
            f"no Dask scheduler answered at {address} within {seconds:g} s "
            f"({type(exc).__name__}); is it running? (PLANNER_DASK_TIMEOUT sets the wait)"
        ) from None


class SchedulerUnreachable(RuntimeError):
    """Nothing answered at the --scheduler address in time."""
