"""mounted() and remove_tree() on throw-away directories (no real chroot), checked via mountinfo."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.build import chroot_mounts
from generator.build.chroot import RefusedError, mounted, mounts_below, remove_tree

pytestmark = pytest.mark.usefixtures("as_root")

REPO = Path(__file__).resolve().parents[2]


def _mount_points() -> set[str]:
    """Every mount point, straight from the kernel (independent of the code under test)."""
    with open("/proc/self/mountinfo", encoding="utf-8") as stream:
        return {line.split()[4] for line in stream}


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for name in ("proc", "sys", "dev"):
        (root / name).mkdir(parents=True)
    return root


def _expected(root: Path) -> set[str]:
    return {f"{root}/proc", f"{root}/sys", f"{root}/dev", f"{root}/dev/shm"}


def test_mounts_are_there_inside_and_gone_after(fake_root: Path) -> None:
    with mounted(fake_root):
        assert _expected(fake_root) <= _mount_points()
        assert (fake_root / "proc/self/status").is_file()
        assert (fake_root / "dev/null").exists()
        # /dev/shm is a tmpfs of its own: a file there does not show up in the host's /dev/shm.
        (fake_root / "dev/shm/probe").write_text("x", encoding="utf-8")
        assert not Path("/dev/shm/probe").exists()
    assert not any(point.startswith(str(fake_root)) for point in _mount_points())
    assert not (fake_root / "proc/self").exists()


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_unmounted_when_the_block_raises(fake_root: Path, error: type[BaseException]) -> None:
    with pytest.raises(error), mounted(fake_root):
        assert mounts_below(fake_root)
        raise error("interrupted")
    assert not any(point.startswith(str(fake_root)) for point in _mount_points())


def test_nested_blocks_unmount_once_the_last_leaves(fake_root: Path) -> None:
    with mounted(fake_root):
        with mounted(fake_root):
            assert len(mounts_below(fake_root)) == 4  # not mounted twice
        assert _expected(fake_root) <= _mount_points()
    assert mounts_below(fake_root) == []


def test_a_failed_mount_leaves_nothing_behind(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "proc").mkdir(parents=True)  # no sys/ or dev/: the second mount fails
    with pytest.raises(OSError, match="sys"), mounted(root):
        pass
    assert mounts_below(root) == []


def test_another_process_keeps_the_mounts_alive(fake_root: Path) -> None:
    """Two processes share a root: the one leaving first must not pull /dev from under the other."""
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from generator.build.chroot import mounted
            with mounted({str(fake_root)!r}):
                print("in", flush=True)
                sys.stdin.readline()
        """)],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "in\n"
        with mounted(fake_root):
            pass
        assert _expected(fake_root) <= _mount_points(), "left while the other process still used them"
        with pytest.raises(RefusedError, match="in use"):
            remove_tree(fake_root)
        with pytest.raises(RefusedError, match="in use"):
            remove_tree(fake_root.parent)  # a runtime's home, with the chroot in root/
        assert _expected(fake_root) <= _mount_points()
    finally:
        holder.communicate("done\n", timeout=30)
    assert holder.returncode == 0
    assert mounts_below(fake_root) == []


@pytest.fixture
def bound(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A directory with a bind mount of another tmp folder inside (a stand-in for a chroot's /dev)."""
    source = tmp_path / "precious"
    source.mkdir()
    (source / "keep-me").write_text("device node stand-in", encoding="utf-8")
    tree = tmp_path / "tree"
    (tree / "dev").mkdir(parents=True)
    subprocess.run(["mount", "--bind", str(source), str(tree / "dev")], check=True)
    yield tree, source
    while f"{tree}/dev" in _mount_points():
        subprocess.run(["umount", str(tree / "dev")], check=True)


def test_remove_refuses_while_mounted(bound: tuple[Path, Path]) -> None:
    tree, source = bound
    with pytest.raises(RefusedError, match="still mounted"):
        remove_tree(tree, unmount=False)
    assert (tree / "dev/keep-me").is_file()
    assert (source / "keep-me").is_file()


def test_remove_unmounts_first_and_spares_the_bound_folder(bound: tuple[Path, Path]) -> None:
    tree, source = bound
    remove_tree(tree)
    assert not tree.exists()
    assert (source / "keep-me").read_text(encoding="utf-8") == "device node stand-in"
    assert f"{tree}/dev" not in _mount_points()


def test_remove_refuses_another_file_system_even_if_mountinfo_missed_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "tree"
    (tree / "dev").mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(tree / "dev")], check=True)
    try:
        (tree / "dev/keep-me").write_text("x", encoding="utf-8")
        monkeypatch.setattr(chroot_mounts, "mounts_below", lambda path: [])  # a stale view
        with pytest.raises(RefusedError, match="another file system"):
            remove_tree(tree)
        assert (tree / "dev/keep-me").is_file()
    finally:
        subprocess.run(["umount", str(tree / "dev")], check=True)


def test_remove_refuses_the_file_system_root() -> None:
    with pytest.raises(RefusedError):
        remove_tree("/")
    with pytest.raises(RefusedError):
        remove_tree(os.path.expanduser("~"))
