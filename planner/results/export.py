"""A plan's files: plan.json and one CSV per table, written atomically (the
summaries for people and scripts are in planner.report.text)."""

from __future__ import annotations

import os
from pathlib import Path

from planner.io.atomic import check_folder, write_file, write_folder
from planner.results.plan import Plan
from planner.results.spreadsheet import csv_text
from planner.results.status import Status


# ---------------------------------------------------------------- files
def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary name beside ``path``, then rename over it, so a
    failed run never leaves a half-written file (:func:`planner.io.atomic.write_file`)."""
    write_file(path, text)


def plan_files(plan: Plan) -> dict[str, str]:
    """The files of a plan folder: plan.json and one CSV per table, the CSVs
    spreadsheet-safe (:mod:`planner.results.spreadsheet`)."""
    files = {"plan.json": plan.to_json()}
    for name, df in plan.tables.items():
        files[f"{name}.csv"] = csv_text(df)
    return files


def out_problem(out_dir: str | os.PathLike, extra: tuple[str, ...] = ()) -> str | None:
    """Why ``out_dir`` cannot take a plan folder (it is a file, or holds a
    folder named like an output), or None; checked before any work."""
    names = [*plan_files(Plan(status=Status.no_plan)), *extra]
    try:
        check_folder(out_dir, names)
    except OSError as exc:
        return f"cannot write the plan to {out_dir}: {exc.strerror or exc}"
    return None


def write_plan(
    plan: Plan, out_dir: str | os.PathLike, extra: dict[str, str] | None = None
) -> list[Path]:
    """plan.json, one CSV per table and the ``extra`` files (name -> text)
    in the folder ``out_dir``, all or nothing.

    The whole folder is built beside ``out_dir`` and swapped in
    (:func:`planner.io.atomic.write_folder`): a run that fails or is killed
    leaves the old folder whole, and two runs into one folder leave one
    whole plan. Other files in the folder are kept.
    """
    files = {**plan_files(plan), **(extra or {})}
    write_folder(out_dir, files)
    return [Path(out_dir) / name for name in files]
