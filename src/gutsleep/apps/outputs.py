"""Output folders and files that are written whole or not at all, and never at the cost of a user's files.

Every command that writes results goes through this module:

* :meth:`OutputFolder.open` checks ``--out`` before any work starts (an existing file, a device, a path below a
  file, a read-only or uncreatable place, a folder gutsleep did not write) and raises :class:`OutputError`
  with a message saying what to do;
* the writer puts its files into ``folder.staging``, a temporary folder beside the target; only when everything
  is written does :meth:`OutputFolder.commit` move it into place, so a failed or interrupted run leaves the
  previous outputs as they were;
* ``manifest.json`` in the target lists every file gutsleep wrote (size and modification time), the gutsleep
  version and the command. It is what makes replacing safe:

  - an empty or missing target is simply created;
  - a target holding a previous gutsleep output is replaced whole: the files its manifest lists (and that are
    unchanged since) are removed, the new ones moved in, so old and new outputs never mix;
  - anything else in the target (files the manifest does not list, or listed files changed since) is left
    untouched and reported in ``folder.kept``; a new file never replaces such a file (that is an error,
    raised before the work starts when the writer names its files in ``expect``);
  - a non-empty target without a gutsleep manifest is refused unless ``force``; with ``force`` gutsleep adds
    its files beside the existing ones, which are kept (``force`` never deletes anything).

* temporary folders and files of interrupted earlier runs (``.NAME.gutsleep-tmp-PID-*`` beside the target,
  whose process is gone) are removed by the next run into the same place.

Single files (``export sbml OUT.xml``, ``equations --out``, ``evidence --report``) use :func:`atomic_file`:
checked first, written to a temporary name beside the target and renamed over it on success.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import shutil
import signal
import stat
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from gutsleep import __version__

MANIFEST = "manifest.json"
FORMAT = "gutsleep-output/1"
"""Value of ``format`` in every manifest gutsleep writes (a manifest without it is not gutsleep's)."""
TMP_TAG = ".gutsleep-tmp-"
PARTIAL_TAG = ".gutsleep-partial"
_MAX_MANIFEST_BYTES = 256 * 1024 * 1024
_LISTED = 8

_committed: list[Path] = []
"""Targets committed since :func:`begin_command` (so an interrupt message can say what was written)."""


class OutputError(ValueError):
    """An output path cannot be used (the message says why and what to do); raised before any work."""


_interrupt_seen = False
"""A Ctrl-C arrived during this command (kept even when native code swallowed its ``KeyboardInterrupt``)."""


def _remember_interrupt(signum: int, frame: Any) -> None:
    global _interrupt_seen
    _interrupt_seen = True
    raise KeyboardInterrupt


def begin_command() -> Callable[[], None]:
    """Forget earlier commits and start remembering Ctrl-C (called when a CLI command starts); return the function
    that puts the previous Ctrl-C handler back.

    A ``KeyboardInterrupt`` raised inside a native callback (numba's compiler calls back into Python through
    ctypes) is printed and dropped by ctypes; the flag set here survives that, and :func:`raise_if_interrupted`
    (called at every progress step and before any output is committed) raises it again."""
    global _interrupt_seen
    _committed.clear()
    _interrupt_seen = False
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    try:
        previous = signal.getsignal(signal.SIGINT)
        if previous is not signal.default_int_handler:
            return lambda: None  # Ctrl-C ignored or handled by the embedding program: leave it alone
        signal.signal(signal.SIGINT, _remember_interrupt)
    except (ValueError, OSError):
        return lambda: None

    def restore() -> None:
        try:
            if signal.getsignal(signal.SIGINT) is _remember_interrupt:
                signal.signal(signal.SIGINT, previous)
        except (ValueError, OSError):
            pass

    return restore


def raise_if_interrupted() -> None:
    """Raise ``KeyboardInterrupt`` if a Ctrl-C of this command was swallowed before it could stop the work."""
    global _interrupt_seen
    if _interrupt_seen:
        _interrupt_seen = False
        raise KeyboardInterrupt


def interrupt_message() -> str:
    """What an interrupt of the current command leaves behind, in one line."""
    if not _committed:
        return "interrupted: nothing written"
    return f"interrupted after writing {', '.join(str(p) for p in _committed)}"


# ------------------------------------------------------------------ paths and checks
def _kind(st: os.stat_result) -> str:
    if stat.S_ISREG(st.st_mode):
        return "a file"
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        return "a device"
    if stat.S_ISFIFO(st.st_mode):
        return "a pipe"
    if stat.S_ISSOCK(st.st_mode):
        return "a socket"
    return "not a folder"


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _remove(path: Path) -> None:
    """Remove a file or folder of gutsleep's own (temporary) making; errors are ignored."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def clean_stray(parent: Path, name: str | None) -> list[Path]:
    """Remove ``.NAME.gutsleep-tmp-PID-*`` entries in ``parent`` (``.gutsleep-tmp-PID-*`` for ``name=None``) left by
    processes that no longer run."""
    prefix = TMP_TAG if name is None else f".{name}{TMP_TAG}"
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        pid_text = entry.name[len(prefix):].split("-", 1)[0]
        if pid_text.isdigit() and _pid_alive(int(pid_text)):
            continue
        _remove(Path(entry.path))
        removed.append(Path(entry.path))
    return removed


def _tmp_name(name: str) -> str:
    return f".{name}{TMP_TAG}{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _prepare_parent(target: Path, what: str) -> Path:
    """Create the folders above ``target`` (if missing) and check that new entries can be made there."""
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"cannot create {target}: {_first_non_folder(parent)} is a file, not a folder; choose "
                          f"another {what}") from None
    except NotADirectoryError:
        raise OutputError(f"cannot create {target}: {_first_non_folder(parent)} is a file, not a folder; choose "
                          f"another {what}") from None
    except OSError as exc:
        raise OutputError(f"cannot create {parent}: {_why(exc)}; choose another {what}") from None
    if not parent.is_dir():
        raise OutputError(f"cannot create {target}: {parent} is not a folder; choose another {what}")
    return parent


def _first_non_folder(path: Path) -> Path:
    """The first existing component of ``path`` that is not a folder (for messages)."""
    for p in reversed([path, *path.parents]):
        if p.exists() and not p.is_dir():
            return p
    return path


def _safe_rel(rel: str) -> PurePosixPath | None:
    """A manifest entry as a relative path inside the folder, or None if it could point elsewhere."""
    p = PurePosixPath(rel)
    if p.is_absolute() or not p.parts or any(part in ("", ".", "..") for part in p.parts) or "\\" in rel:
        return None
    return p


def _entry(path: Path) -> dict[str, int]:
    st = os.lstat(path)
    return {"bytes": st.st_size, "mtime_ns": st.st_mtime_ns}


# ------------------------------------------------------------------ manifests
def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The gutsleep manifest of ``folder``, or None when there is none (or it is not gutsleep's)."""
    path = folder / MANIFEST
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_MANIFEST_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("files"), dict):
        return None
    return data


def _owned_files(folder: Path, manifest: Mapping[str, Any] | None) -> tuple[set[str], list[str]]:
    """Files listed in the manifest that are still as gutsleep wrote them, and listed files changed since."""
    if manifest is None:
        return set(), []
    ours: set[str] = set()
    changed: list[str] = []
    root = os.path.realpath(folder)
    for rel, info in manifest["files"].items():
        p = _safe_rel(str(rel)) if isinstance(rel, str) else None
        if p is None or not isinstance(info, dict):
            continue
        path = folder / p
        try:
            st = os.lstat(path)
        except OSError:
            continue
        real = os.path.realpath(path)
        if not real.startswith(root + os.sep) or not stat.S_ISREG(st.st_mode):
            changed.append(str(p))
            continue
        if st.st_size == info.get("bytes") and st.st_mtime_ns == info.get("mtime_ns"):
            ours.add(str(p))
        else:
            changed.append(str(p))
    return ours, changed


def _foreign(folder: Path, ours: set[str]) -> list[str]:
    """Entries of ``folder`` that gutsleep's manifest does not account for (folders shown with a trailing /;
    folders holding none of gutsleep's files are not descended into)."""
    ours_dirs = {str(PurePosixPath(rel).parent) for rel in ours}
    ours_dirs |= {str(parent) for rel in ours for parent in PurePosixPath(rel).parents}
    found: list[str] = []

    def walk(path: Path, rel: PurePosixPath | None) -> None:
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            r = PurePosixPath(entry.name) if rel is None else rel / entry.name
            text = str(r)
            if rel is None and (entry.name == MANIFEST or entry.name.startswith(TMP_TAG)):
                continue
            if text in ours:
                continue
            if entry.is_dir(follow_symlinks=False):
                if text in ours_dirs:
                    walk(Path(entry.path), r)
                else:
                    found.append(text + "/")
            else:
                found.append(text)

    walk(folder, None)
    return found


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:_LISTED])
    return shown + (f" and {len(names) - _LISTED:,} more" if len(names) > _LISTED else "")


# ------------------------------------------------------------------ signals
@contextmanager
def _no_interrupts() -> Iterator[None]:
    """Ignore Ctrl-C while the few renames of a commit run (so a commit is never left half done)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# ------------------------------------------------------------------ output folders
class OutputFolder:
    """A results folder written through a staging folder and committed whole (see the module docstring).

    Use as a context manager: the staging folder is committed when the block ends normally and discarded when
    it raises (a persistent staging folder, used for resumable chunked runs, is kept instead)::

        with OutputFolder.open(out, command="simulate", force=force, expect=["report.html"]) as folder:
            write_everything(folder.staging)
        paths = folder.final_paths(staged_paths)
        for name in folder.kept: ...   # entries of the target gutsleep left alone
    """

    def __init__(self, target: Path, staging: Path, *, command: str, previous: dict[str, Any] | None,
                 ours: set[str], kept: list[str], persistent: bool) -> None:
        self.target = target
        self.staging = staging
        self.command = command
        self.previous = previous
        """The manifest of the gutsleep output found in the target (None if there was none)."""
        self.kept = kept
        """Entries of the target that gutsleep did not write (or that were changed since): left untouched."""
        self.manifest_extra: dict[str, Any] = {}
        """Extra keys written into the manifest on commit (e.g. what was run)."""
        self.committed = False
        self._ours = ours
        self._persistent = persistent

    # -------------------------------------------------------------- opening
    @classmethod
    def open(cls, path: str | Path, *, command: str, force: bool = False, expect: Iterable[str] = (),
             replace: bool = True, replace_hint: str = "", persistent_staging: bool = False,
             what: str = "--out") -> OutputFolder:
        """Check ``path`` as an output folder and create the staging folder; raise :class:`OutputError` if the
        folder cannot be used. Nothing in ``path`` changes until :meth:`commit`.

        ``expect``: relative paths the writer will create (checked now against files gutsleep must not
        replace). ``replace=False`` refuses a target holding a previous gutsleep output (``replace_hint`` says
        what to pass instead). ``persistent_staging`` uses ``.NAME.gutsleep-partial`` beside the target, kept
        when the run fails, for runs that can be resumed.
        """
        target = Path(os.path.abspath(Path(path).expanduser()))
        if target.name in ("", ".", ".."):
            target = Path(os.path.realpath(target))
        if not target.name:
            raise OutputError(f"{what} {target} cannot hold outputs (a file system root); choose a folder in it")
        try:
            st: os.stat_result | None = os.stat(target)
        except FileNotFoundError:
            st = None
            if os.path.islink(target):
                raise OutputError(f"{what} {target} is a broken symbolic link; remove it or choose another "
                                  "folder") from None
        except NotADirectoryError:
            raise OutputError(f"cannot create {target}: {_first_non_folder(target.parent)} is a file, not a "
                              f"folder; choose another {what}") from None
        except OSError as exc:
            raise OutputError(f"cannot use {what} {target}: {_why(exc)}") from None
        if st is not None and not stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{what} {target} is {_kind(st)}, not a folder; choose a new or empty folder")
        if st is not None and os.path.islink(target):
            target = Path(os.path.realpath(target))
        parent = _prepare_parent(target, what)
        clean_stray(parent, target.name)
        previous = read_manifest(target) if st is not None else None
        ours, changed = _owned_files(target, previous)
        kept: list[str] = []
        if st is not None:
            if not os.access(target, os.W_OK | os.X_OK):
                raise OutputError(f"cannot write in {target}: permission denied; choose another {what}")
            kept = sorted(set(_foreign(target, ours)) | set(changed))
            if previous is None and kept and not force:
                raise OutputError(
                    f"{what} {target} is not empty and was not written by gutsleep (it holds {_listing(kept)}); "
                    f"choose a new or empty folder, or pass --force to add gutsleep's files beside these (gutsleep "
                    "never deletes or replaces files it did not write)")
            if previous is not None and not replace:
                raise OutputError(f"{target} already holds gutsleep outputs ({previous.get('command', '?')}); "
                                  f"{replace_hint or 'choose another ' + what}")
            blocked = [rel for rel in expect if rel != MANIFEST and _blocks(target, PurePosixPath(rel), ours)]
            if previous is None and os.path.lexists(target / MANIFEST):
                blocked.insert(0, MANIFEST)
            if blocked:
                raise OutputError(_blocked_message(target, blocked, what))
            _probe(target, what)
        if st is not None:
            clean_stray(target, None)
        staging = parent / (f".{target.name}{PARTIAL_TAG}" if persistent_staging else _tmp_name(target.name))
        try:
            staging.mkdir(exist_ok=persistent_staging)
        except OSError as exc:
            if st is None or persistent_staging:
                raise OutputError(f"cannot write in {parent} (needed for a temporary folder beside {target}): "
                                  f"{_why(exc)}; choose another {what}") from None
            # the folder above is not ours to write in (e.g. --out . in a home folder): stage inside the target
            staging = target / f"{TMP_TAG}{os.getpid()}-{uuid.uuid4().hex[:8]}"
            try:
                staging.mkdir()
            except OSError as inner:
                raise OutputError(f"cannot write in {target}: {_why(inner)}; choose another {what}") from None
        if not staging.is_dir():
            raise OutputError(f"{staging} is in the way (not a folder); remove it")
        return cls(target, staging, command=command, previous=previous, ours=ours, kept=kept,
                   persistent=persistent_staging)

    # -------------------------------------------------------------- use
    def path(self, rel: str) -> Path:
        """Where to write ``rel`` (inside the staging folder; parent folders created)."""
        p = self.staging / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def final(self, path: str | Path) -> Path:
        """The committed location of a path written inside the staging folder."""
        p = Path(path)
        try:
            return self.target / p.relative_to(self.staging)
        except ValueError:
            return p

    def final_paths(self, paths: Mapping[str, Path]) -> dict[str, Path]:
        """``final`` of every value."""
        return {k: self.final(v) for k, v in paths.items()}

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            if not self.committed:
                if _interrupt_seen and not self._persistent:
                    self.discard()
                self.commit()
        elif not self._persistent:
            self.discard()

    def discard(self) -> None:
        """Remove the staging folder (nothing is written to the target)."""
        _remove(self.staging)

    # -------------------------------------------------------------- commit
    def _staged_files(self) -> list[PurePosixPath]:
        out: list[PurePosixPath] = []
        for dirpath, dirnames, filenames in os.walk(self.staging):
            dirnames.sort()
            base = PurePosixPath(Path(dirpath).relative_to(self.staging).as_posix())
            for name in sorted(filenames):
                rel = base / name if str(base) != "." else PurePosixPath(name)
                if str(rel) != MANIFEST:
                    out.append(rel)
        return out

    def _manifest(self, files: Iterable[PurePosixPath]) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.manifest_extra)
        data.update({
            "format": FORMAT,
            "gutsleep": __version__,
            "command": self.command,
            "argv": [str(a) for a in sys.argv[1:]],
            "written_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "files": {str(rel): _entry(self.staging / rel) for rel in files},
        })
        return data

    def commit(self) -> Path:
        """Move the staged files into the target, replacing the previous gutsleep output; return the target.

        Ctrl-C is ignored while this runs (a few renames). Raises :class:`OutputError` (the staged files kept in
        a folder the message names) if a file gutsleep did not write appeared where a new one goes.
        """
        if self.committed:
            return self.target
        raise_if_interrupted()
        files = self._staged_files()
        manifest = self._manifest(files)
        with _no_interrupts():
            _write_json(self.staging / MANIFEST, manifest)
            if not self.target.exists():
                try:
                    os.rename(self.staging, self.target)
                except OSError:
                    self._merge(files, manifest)
            else:
                try:
                    empty = not any(os.scandir(self.target))
                except OSError:
                    empty = False
                if empty:
                    try:
                        os.rename(self.staging, self.target)
                    except OSError:
                        self._merge(files, manifest)
                else:
                    self._merge(files, manifest)
        self.committed = True
        _committed.append(self.target)
        return self.target

    def _merge(self, files: list[PurePosixPath], manifest: dict[str, Any]) -> None:
        """Replace the previous output file by file (the target holds entries gutsleep keeps)."""
        current = read_manifest(self.target)
        ours, _ = _owned_files(self.target, current)
        blocked = [str(rel) for rel in files if _blocks(self.target, rel, ours)]
        if current is None and os.path.lexists(self.target / MANIFEST):
            blocked.insert(0, MANIFEST)
        if blocked:
            kept = self.target.parent / f"{self.target.name}.gutsleep-new-{uuid.uuid4().hex[:6]}"
            try:
                os.rename(self.staging, kept)
            except OSError:
                kept = self.target / f"gutsleep-new-{uuid.uuid4().hex[:6]}"
                os.rename(self.staging, kept)
            raise OutputError(_blocked_message(self.target, blocked, "--out") + f"; the new outputs are in {kept}")
        new = {str(rel) for rel in files}
        # 1. a manifest listing old and new files, so that a crash midway leaves nothing unaccounted for
        union = dict(manifest)
        union["files"] = {**{rel: _entry(self.target / rel) for rel in ours}, **manifest["files"]}
        _write_json(self.target / MANIFEST, union, tmp_dir=self.target)
        # 2. the previous output's files that the new output does not have, and folders they leave empty
        gone = sorted(ours - new)
        for rel in gone:
            with contextlib.suppress(OSError):
                (self.target / rel).unlink()
        for folder in sorted({p for rel in gone for p in PurePosixPath(rel).parents if str(p) != "."},
                             key=lambda p: -len(p.parts)):
            with contextlib.suppress(OSError):
                (self.target / folder).rmdir()
        # 3. the new files (whole folders where the target has none), the manifest last
        _move_tree(self.staging, self.target, skip_root={MANIFEST})
        os.replace(self.staging / MANIFEST, self.target / MANIFEST)
        _remove(self.staging)


def _blocks(target: Path, rel: PurePosixPath, ours: set[str]) -> bool:
    """Whether writing ``rel`` into ``target`` would replace something gutsleep does not own."""
    path = target
    for i, part in enumerate(rel.parts):
        path = path / part
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return False
        except OSError:
            return True
        last = i == len(rel.parts) - 1
        if last:
            return str(rel) not in ours or not stat.S_ISREG(st.st_mode)
        if not stat.S_ISDIR(st.st_mode):
            return True
    return False


def _blocked_message(target: Path, blocked: list[str], what: str) -> str:
    return (f"{target} holds {_listing(blocked)}, which gutsleep did not write (or which changed since); gutsleep "
            f"does not replace such files: move them away or choose another {what}")


def _probe(folder: Path, what: str) -> None:
    """Create and remove a file in ``folder`` (catches read-only file systems, where permissions look fine)."""
    probe = folder / f"{TMP_TAG}probe-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write in {folder}: {_why(exc)}; choose another {what}") from None


def _move_tree(src: Path, dst: Path, skip_root: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Move the contents of ``src`` into the existing folder ``dst`` (a whole subfolder in one rename when
    ``dst`` lacks it; files replace gutsleep's own files of the same name)."""
    for entry in sorted(os.scandir(src), key=lambda e: e.name):
        if entry.name in skip_root:
            continue
        s, d = Path(entry.path), dst / entry.name
        if entry.is_dir(follow_symlinks=False):
            if not os.path.lexists(d):
                os.rename(s, d)
            else:
                _move_tree(s, d)
        else:
            os.replace(s, d)


def _write_json(path: Path, data: Mapping[str, Any], tmp_dir: Path | None = None) -> None:
    """Write JSON atomically (temporary name in the same folder, then rename)."""
    folder = tmp_dir or path.parent
    tmp = folder / f"{TMP_TAG}{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
    try:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# ------------------------------------------------------------------ single files
def check_output_file(path: str | Path, what: str = "output file") -> Path:
    """Check that ``path`` can be written as a file (before any work); create missing parent folders."""
    target = Path(os.path.abspath(Path(path).expanduser()))
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise OutputError(f"cannot create {target}: {_first_non_folder(target.parent)} is a file, not a "
                          f"folder; choose another {what}") from None
    except OSError as exc:
        raise OutputError(f"cannot use {what} {target}: {_why(exc)}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{what} {target} is a folder; give a file name")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{what} {target} is {_kind(st)}; give a regular file name")
    parent = _prepare_parent(target, what)
    clean_stray(parent, target.name)
    _probe(parent, what)
    return target


@contextmanager
def atomic_file(path: str | Path, what: str = "output file") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed over ``path``, on failure removed.

    Call :func:`check_output_file` before long work so that problems show up first.
    """
    target = check_output_file(path, what)
    tmp = target.parent / _tmp_name(target.name)
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError(f"nothing was written to {target}")
        raise_if_interrupted()
        with _no_interrupts():
            os.replace(tmp, target)
        _committed.append(target)
    finally:
        _remove(tmp)


def write_file_atomic(path: str | Path, text: str, what: str = "output file") -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; return the absolute path."""
    with atomic_file(path, what) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(os.path.abspath(path))


__all__ = [
    "FORMAT",
    "MANIFEST",
    "OutputError",
    "OutputFolder",
    "atomic_file",
    "begin_command",
    "check_output_file",
    "clean_stray",
    "interrupt_message",
    "raise_if_interrupted",
    "read_manifest",
    "write_file_atomic",
]
