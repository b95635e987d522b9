"""Mounts for chroots, read from and checked against /proc/self/mountinfo.

``mounted(root)`` gives a chroot /proc, /sys, /dev and a private /dev/shm for the duration of a
block and always takes them away again (exceptions and KeyboardInterrupt included); several users
of one root, in one process or many, share the mounts and the last one out unmounts.
``remove_tree`` deletes a former chroot only when nothing is mounted below it any more: with /dev
bind-mounted, a recursive delete would remove the host's device nodes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .availability import Unavailable


class RefusedError(RuntimeError):
    """A deletion was refused because something is (or may soon be) mounted below the directory."""


def _unescape_mountinfo(text: str) -> str:
    # The kernel escapes space, tab, newline and backslash in mount points as \ooo.
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def mounts_below(path: str | os.PathLike[str]) -> list[str]:
    """Mount points at or below ``path``, in the order they must be unmounted (newest first)."""
    real = os.path.realpath(path)
    prefix = real.rstrip("/") + "/"
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as stream:
        for line in stream:
            mount_point = _unescape_mountinfo(line.split()[4])
            if mount_point == real or mount_point.startswith(prefix):
                found.append(mount_point)
    return found[::-1]


@dataclass(frozen=True)
class _Mount:
    target: str  # relative to the chroot
    args: tuple[str, ...]  # mount(8) arguments before the target
    private: bool  # bind mounts are made private so nothing done below them reaches the host


# /dev is a plain (non-recursive) bind: the host's /dev/pts and /dev/shm stay out of the chroot, and
# a fresh tmpfs takes /dev/shm so POSIX semaphores (multiprocessing) work and stay in the chroot.
_MOUNTS = (
    _Mount("proc", ("-t", "proc", "proc"), private=False),
    _Mount("sys", ("--bind", "/sys"), private=True),
    _Mount("dev", ("--bind", "/dev"), private=True),
    _Mount("dev/shm", ("-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "tmpfs"), private=False),
)


def _command(argv: Sequence[str]) -> None:
    result = subprocess.run(list(argv), capture_output=True, text=True)
    if result.returncode != 0:
        raise OSError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")


def _mount_missing(root: str) -> None:
    present = set(mounts_below(root))
    for mount in _MOUNTS:
        target = os.path.join(root, mount.target)
        if target in present:
            continue
        if not os.path.isdir(target):
            raise OSError(f"cannot mount {mount.target}: {target} is not a directory")
        _command(["mount", *mount.args, target])
        if mount.private:
            _command(["mount", "--make-private", target])


def unmount_all(path: str | os.PathLike[str]) -> list[str]:
    """Unmount everything at or below ``path``; returns what was unmounted.

    A busy mount (a process still running inside) is detached lazily, which removes it from the
    tree at once; the process keeps what it has open.
    """
    done = []
    for mount_point in mounts_below(path):
        if subprocess.run(["umount", mount_point], capture_output=True).returncode != 0:
            _command(["umount", "--lazy", mount_point])
        done.append(mount_point)
    return done


def _lock_files(root: str) -> tuple[str, str]:
    parent, name = os.path.split(root.rstrip("/"))
    return os.path.join(parent, f".{name}.mount-mutex"), os.path.join(parent, f".{name}.mount-users")


@contextlib.contextmanager
def mounted(root: str | os.PathLike[str]) -> Iterator[Path]:
    """Mount /proc, /sys, /dev and /dev/shm in ``root`` for the duration of the block.

    Users of the same root (threads, nested blocks, other processes) each hold a shared lock on a
    "users" file; every mount or unmount decision happens under an exclusive "mutex" lock, and the
    user that finds nobody else holding the users lock unmounts everything below the root.
    """
    real = os.path.realpath(root)
    if os.geteuid() != 0:
        raise Unavailable("needs root")
    mutex_path, users_path = _lock_files(real)
    with open(mutex_path, "a") as mutex, open(users_path, "a") as users:
        fcntl.flock(mutex, fcntl.LOCK_EX)
        try:
            fcntl.flock(users, fcntl.LOCK_SH)
            try:
                _mount_missing(real)
            except BaseException:
                _leave(users, real)
                raise
        finally:
            fcntl.flock(mutex, fcntl.LOCK_UN)
        try:
            yield Path(real)
        finally:
            fcntl.flock(mutex, fcntl.LOCK_EX)
            try:
                _leave(users, real)
            finally:
                fcntl.flock(mutex, fcntl.LOCK_UN)


def _leave(users: IO[str], root: str) -> None:
    """Drop this user's share; unmount if nobody else holds one.  Caller holds the mutex."""
    fcntl.flock(users, fcntl.LOCK_UN)
    try:
        fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EACCES):
            return  # someone else is still using the mounts
        raise
    try:
        unmount_all(root)
    finally:
        fcntl.flock(users, fcntl.LOCK_UN)


def _roots_to_lock(real: str) -> list[str]:
    """Chroots that may live in the tree ``real``: itself, its direct subdirectories (a runtime's
    home holds root/) and every directory above a current mount point; only those that have lock
    files, i.e. that ``mounted()`` has used.  Sorted, so that locks are always taken in one order."""
    candidates = {real}
    with contextlib.suppress(OSError), os.scandir(real) as entries:
        candidates.update(entry.path for entry in entries if entry.is_dir(follow_symlinks=False))
    for mount_point in mounts_below(real):
        directory = os.path.dirname(mount_point)
        while directory == real or directory.startswith(real + "/"):
            candidates.add(directory)
            directory = os.path.dirname(directory)
    return sorted(root for root in candidates if os.path.exists(_lock_files(root)[0]))


def _refuse_other_file_systems(real: str) -> None:
    """Last line of defence: refuse a tree that reaches into another file system (a mount that
    /proc/self/mountinfo did not show, e.g. one made meanwhile by a tool that bypasses ``mounted``)."""
    device = os.lstat(real).st_dev
    for directory, subdirectories, _ in os.walk(real):
        for name in subdirectories:
            found = os.lstat(os.path.join(directory, name))
            if stat.S_ISDIR(found.st_mode) and found.st_dev != device:
                raise RefusedError(f"refusing to delete {real}: {os.path.join(directory, name)} is on "
                                   "another file system")


def remove_tree(path: str | os.PathLike[str], *, unmount: bool = True) -> None:
    """Delete a directory tree that may have served as a chroot.

    Every chroot below it that ``mounted()`` knows is locked first: the deletion is refused if one
    is in use, and nobody can mount into the tree while it is deleted.  Anything mounted below it is
    then unmounted (``unmount=True``); if anything is still mounted, or unmounting was not allowed,
    the deletion is refused: with /dev bind-mounted, a recursive delete would remove the host's
    device nodes.
    """
    real = os.path.realpath(path)
    if real.count("/") < 2 or real in (os.path.realpath(Path.home()), "/"):
        raise RefusedError(f"refusing to delete {real}: too close to the file system root")
    if not os.path.lexists(real):
        return
    roots = _roots_to_lock(real)
    with contextlib.ExitStack() as held:
        for root in roots:
            mutex_path, users_path = _lock_files(root)
            mutex = held.enter_context(open(mutex_path, "a"))
            users = held.enter_context(open(users_path, "a"))
            fcntl.flock(mutex, fcntl.LOCK_EX)
            try:
                fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                raise RefusedError(f"refusing to delete {real}: {root} is in use by another process"
                                   ) from error
        if unmount:
            unmount_all(real)
        still = mounts_below(real)
        if still:
            raise RefusedError(f"refusing to delete {real}: still mounted below it: {', '.join(still)}")
        _refuse_other_file_systems(real)
        shutil.rmtree(real)
    for lock in _lock_files(real):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)
