"""On-disk home of the generated kernels: private folder, content-addressed sources, no bytecode imports.

A generated module is written as ``<name>_<sha256 of its text>.py`` and imported only after its text is read
back and hashed again, by compiling that text (never through Python's import system, so no ``.pyc`` beside it
is ever read or written). The folder must belong to the current user and be writable by nobody else, because
numba keeps its compiled machine code there (``__pycache__/*.nbi``/``*.nbc``) and loads it when the index
matches: a folder others can write is refused with a message saying how to fix it.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path
from types import ModuleType


class KernelCacheError(RuntimeError):
    """The kernel cache folder is unsafe (others can write it) or unusable."""


def cache_dir() -> Path:
    """``$GUTSLEEP_CACHE_DIR/kernels``, else ``$XDG_CACHE_HOME/gutsleep/kernels`` (default ``~/.cache``)."""
    root = os.environ.get("GUTSLEEP_CACHE_DIR")
    base = Path(root) if root else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gutsleep"
    return base / "kernels"


def _check_private(folder: Path) -> None:
    info = folder.stat()
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise KernelCacheError(
            f"kernel cache {folder} belongs to another user; remove it or set GUTSLEEP_CACHE_DIR to a folder "
            "of your own"
        )
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise KernelCacheError(
            f"kernel cache {folder} is writable by other users, so compiled code in it cannot be trusted; "
            f"run `chmod go-w {folder}` or set GUTSLEEP_CACHE_DIR to a private folder"
        )


def private_dir() -> Path:
    """The cache folder, created with mode 0700 if missing, checked to be private (else KernelCacheError)."""
    folder = cache_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _check_private(folder)
    pycache = folder / "__pycache__"
    if pycache.exists():
        _check_private(pycache)
    return folder


def source_digest(source: str) -> str:
    """First 20 hex digits of the SHA-256 of a module's text (its name in the cache)."""
    return hashlib.sha256(source.encode()).hexdigest()[:20]


def source_path(prefix: str, source: str) -> Path:
    """Where the module with this text lives in the cache."""
    return cache_dir() / f"{prefix}_{source_digest(source)}.py"


def import_source(prefix: str, source: str) -> ModuleType:
    """Write ``source`` (once, atomically) under its content hash and execute the verified text as a module.

    The file is re-read and its hash compared with its name before it runs: a file changed after it was
    written is replaced, never executed. numba's ``cache=True`` finds the file through ``co_filename``.
    """
    folder = private_dir()
    digest = source_digest(source)
    name = f"{prefix}_{digest}"
    path = folder / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(source)
        os.replace(tmp, path)
    text = path.read_text()
    if source_digest(text) != digest:  # pragma: no cover - only a concurrent writer could cause this
        raise KernelCacheError(f"generated kernel {path} changed while loading; run again")
    module = ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    try:
        exec(compile(text, str(path), "exec", dont_inherit=True), module.__dict__)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
