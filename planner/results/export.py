"""A plan's files: plan.json and one CSV per table, written atomically (the
summaries for people and scripts are in planner.report.text)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from planner.results.plan import Plan


# ---------------------------------------------------------------- files
def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary name beside ``path``, then rename over it, so a
    failed run never leaves a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_plan(plan: Plan, out_dir: str | os.PathLike) -> list[Path]:
    """plan.json and one CSV per table under ``out_dir``.

    Every file is written in full beside the others first, then all are
    renamed into place: a run that fails while writing leaves what was there
    before.
    """
    out = Path(out_dir)
    files = {out / "plan.json": plan.to_json()}
    for name, df in plan.tables.items():
        files[out / f"{name}.csv"] = df.to_csv(index=False)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".planner-", dir=out))
    try:
        for path, text in files.items():
            atomic_write(staging / path.name, text)
        for path in files:
            os.replace(staging / path.name, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return list(files)
