"""All-or-nothing writes: a file or a whole folder is built aside, under a
name beside its target, and renamed into place.

- :func:`write_file` writes one file: a reader sees the old file or the new
  one, never a part of either.
- :func:`write_folder` builds a whole folder (``planner solve --out``) as a
  sibling of the target and swaps it in with one atomic exchange of the two
  names (``renameat2(RENAME_EXCHANGE)`` on Linux; elsewhere two renames under
  a lock, undone on the next write if a kill falls between them). Entries of
  the old folder that are not outputs are carried over (hard links), so
  nothing a user put there is lost.

Every name built aside starts with ``.planner-`` and carries the writer's
process id. A run killed outright (SIGKILL) cannot clean up after itself;
the next write to the same target removes what a dead writer left behind
(or puts a folder back that was moved aside, see :func:`_clean_stale`).
Files and folders get the permissions of the file or folder they replace,
else those the umask allows (``0o666 & ~umask``, ``0o777 & ~umask``).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

PREFIX = ".planner-"
_STALE = re.compile(r"^\.planner-(\d+)-[0-9a-f]{8}-(new|old|tmp)-(.+)$")
_RENAME_EXCHANGE = 2
Content = str | bytes | Callable[[Path], None]


class WriteError(OSError):
    """A target planner refuses to write to, with the reason."""


def umask() -> int:
    """The process umask, read without changing it where /proc tells it."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _aside(target: Path, kind: str) -> Path:
    return target.parent / f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}-{kind}-{target.name}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _clean_stale(target: Path) -> None:
    """Remove what writers of ``target`` that are no longer running left
    beside it. A folder moved aside as ``old`` while ``target`` is missing is
    the last whole version: it is renamed back instead."""
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        found = _STALE.match(entry.name)
        if not found or found[3] != target.name or _alive(int(found[1])):
            continue
        path = Path(entry.path)
        if found[2] == "old" and not os.path.lexists(target):
            with contextlib.suppress(OSError):
                os.rename(path, target)
                continue
        _remove(path)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` (flock on its descriptor) while
    entries in it are swapped, so that two writers never interleave."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover (not POSIX)
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap the names ``a`` and ``b`` in one step; False where the system
    cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _mode(existing: Path, default: int) -> int:
    try:
        return stat.S_IMODE(os.stat(existing).st_mode)
    except OSError:
        return default & ~umask()


def _write_content(path: Path, content: Content) -> None:
    if callable(content):
        content(path)
    else:
        data = content.encode("utf-8") if isinstance(content, str) else content
        with open(path, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def _target(path: str | os.PathLike) -> Path:
    """The path written: a symbolic link is followed, so the link stays."""
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    return Path(os.path.abspath(target))


def write_file(path: str | os.PathLike, content: Content) -> Path:
    """Write ``content`` (text, bytes, or a function that writes the file at
    the path it is given) to a new file beside ``path`` and rename it over
    ``path``. Raises OSError; nothing is left behind on any error."""
    target = _target(path)
    if target.is_dir():
        raise WriteError(errno.EISDIR, "is a folder, not a file", str(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(target)
    tmp = _aside(target, "tmp")
    try:
        _write_content(tmp, content)
        os.chmod(tmp, _mode(target, 0o666))
        os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise
    return target


def check_folder(path: str | os.PathLike, names: list[str]) -> None:
    """Refuse, before anything is written, a target :func:`write_folder`
    cannot replace whole. Raises :class:`WriteError`."""
    target = _target(path)
    if os.path.lexists(target) and not target.is_dir():
        raise WriteError(errno.ENOTDIR, "exists and is not a folder", str(path))
    if not target.is_dir():
        return
    if os.path.ismount(target):
        raise WriteError(errno.EBUSY, "is a mount point; give a folder inside it", str(path))
    cwd = Path(os.path.abspath(os.getcwd()))
    if cwd == target or target in cwd.parents:
        raise WriteError(
            errno.EBUSY,
            "holds the current folder, which planner will not "
            "replace; give a new folder, e.g. --out plan",
            str(path),
        )
    for name in names:
        inside = target / name
        if inside.is_dir() or (os.path.lexists(inside) and not inside.is_file()):
            raise WriteError(errno.EISDIR, f"holds {name}, which is not a file", str(path))


def write_folder(path: str | os.PathLike, files: Mapping[str, Content]) -> Path:
    """Make the folder ``path`` hold ``files`` (name -> content), all of them
    or none: the folder is built beside ``path`` and swapped in whole. Other
    entries of an existing folder are kept. Raises OSError; on any error the
    old folder is left as it was and nothing is left beside it."""
    target = _target(path)
    check_folder(path, list(files))
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(target)
    new = _aside(target, "new")
    os.mkdir(new, 0o700)
    try:
        for name, content in files.items():
            _write_content(new / name, content)
            os.chmod(new / name, _mode(target / name, 0o666))
        with _locked(target.parent):
            _carry_over(target, new, set(files))
            os.chmod(new, _mode(target, 0o777))
            _swap(new, target)
    finally:
        _remove(new)
    return target


def _carry_over(old: Path, new: Path, outputs: set[str]) -> None:
    """Hard-link (or copy) into ``new`` the entries of ``old`` that are not
    outputs."""
    if not old.is_dir():
        return
    for entry in os.scandir(old):
        if entry.name in outputs:
            continue
        src, dst = Path(entry.path), new / entry.name
        if entry.is_dir(follow_symlinks=False):
            shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(src, dst)


def _link_or_copy(src, dst) -> None:
    if os.path.islink(src):
        os.symlink(os.readlink(src), dst)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _swap(new: Path, target: Path) -> None:
    """Put ``new`` at ``target``; what was at ``target`` ends at ``new``'s
    name (removed by the caller)."""
    if not os.path.lexists(target):
        os.rename(new, target)
        return
    if _exchange(new, target):
        return
    old = _aside(target, "old")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    os.rename(old, new)


__all__ = ["PREFIX", "WriteError", "check_folder", "umask", "write_file", "write_folder"]
