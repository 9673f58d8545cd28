"""Writes that never leave half a file: everything is written beside its destination, then renamed
over it (os.replace is atomic on one filesystem), so a crash or a full disk leaves the previous
version in place and readable.

    with atomic_folder("adapters/medical_qa") as tmp:     # a save_pretrained folder
        model.save_pretrained(tmp)
    with atomic_path("router/heads/default.safetensors") as tmp:   # a file some library writes
        save_file(tensors, tmp)
    write_atomic("CURRENT", b"g000007", fsync=True)        # a file we write ourselves
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def normal_permissions(path: str | os.PathLike) -> None:
    """mkstemp/mkdtemp create owner-only files; a published artifact gets the permissions a plain
    open() or mkdir() would have given it (the user's umask), the folder's content included."""
    path, mask = Path(path), _umask()
    path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)
    if path.is_dir():
        for p in path.rglob("*"):
            p.chmod((0o777 if p.is_dir() else 0o666) & ~mask)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temp file path beside `path`; on success it replaces `path`, on any error it is removed.
    `suffix` keeps the extension for writers that check it (safetensors)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        normal_permissions(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_atomic(path: str | os.PathLike, data: str | bytes, fsync: bool = False) -> Path:
    """Write `data` (text as UTF-8) to `path` atomically; `fsync`: on disk before the rename."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
    return Path(path)


@contextlib.contextmanager
def atomic_folder(dest: str | os.PathLike, private: bool = False, prefix: str | None = None) -> Iterator[Path]:
    """Yield a temp folder beside `dest`; on success it replaces `dest`, on any error `dest` is untouched.
    `private`: keep it owner-only (the user's documents); otherwise it gets normal permissions.
    `prefix`: the temp folder's name prefix (default `.<dest name>.tmp-`), for callers that sweep
    up what a crash left behind."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix or f".{dest.name}.tmp-", dir=dest.parent))
    try:
        yield tmp
        if not private:
            normal_permissions(tmp)
        old = None
        if dest.exists():
            # rename() cannot replace a non-empty folder: move the old one aside first (same filesystem).
            old = dest.parent / f".{dest.name}.old-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old)
            os.replace(dest, old)
        os.replace(tmp, dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
