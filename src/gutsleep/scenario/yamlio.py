"""Guarded reading of YAML input files: regular files only, size, node and depth caps, no aliases.

Every YAML file gutsleep reads (scenarios, populations, trials, observational studies) goes through
:func:`read_input_file` and :func:`load_yaml`, so hostile or careless input is refused quickly with a message
naming the file and line instead of hanging, exhausting memory or crashing:

* only regular files are read (a directory, ``/dev/zero``, a FIFO or a socket is refused before opening it),
  at most :data:`MAX_INPUT_BYTES` bytes;
* anchors and aliases (``&name`` / ``*name``) are refused: expanding them is how a few hundred bytes become
  billions of nodes ("billion laughs");
* at most :data:`MAX_NODES` nodes (every mapping, list and value counts one) and :data:`MAX_DEPTH` levels of
  nesting (scenarios need about 5).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent

MAX_INPUT_BYTES = 2 * 1024 * 1024
"""Largest input file or text read (bytes): a 10-year scenario with a daily intervention is ~200 kB."""
MAX_NODES = 50_000
"""Most YAML nodes (mappings, lists and scalars) in one input; parsing this many takes ~2-3 s."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists in one input (gutsleep's formats need at most ~6 levels)."""
MAX_LISTED_PROBLEMS = 50
"""Problems listed one per line in an error message; the rest are counted ("... and 1,234 more")."""


class InputFileError(ValueError):
    """A file cannot be used as input (missing, not a regular file, too large, unreadable, not UTF-8)."""


class YamlLimitError(ValueError):
    """The YAML text uses a refused construct or exceeds a cap; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


def _fmt_bytes(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB" if n >= 1024 else f"{n} bytes"


def read_input_file(path: str | Path, what: str = "input file", max_bytes: int = MAX_INPUT_BYTES) -> str:
    """UTF-8 text of a regular file of at most ``max_bytes``; :class:`InputFileError` names the file otherwise.

    Special files are refused from their ``stat`` before they are opened (opening a FIFO would block), and the
    file is read through a bounded ``read`` so that a file growing meanwhile cannot exceed the cap.
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise InputFileError(f"{p}: no such {what}") from None
    except OSError as exc:
        raise InputFileError(f"{p}: cannot read {what}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputFileError(f"{p}: is a folder, not a {what}")
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(f"{p}: is not a regular file (a device, pipe or socket); give a YAML {what}")
    if st.st_size > max_bytes:
        raise InputFileError(f"{p}: {what} is too large ({_fmt_bytes(st.st_size)}; the limit is "
                             f"{_fmt_bytes(max_bytes)})")
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputFileError(f"{p}: cannot read {what}: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between stat and open
            raise InputFileError(f"{p}: is not a regular file; give a YAML {what}")
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise InputFileError(f"{p}: cannot read {what}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise InputFileError(f"{p}: {what} is too large (more than {_fmt_bytes(max_bytes)})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(f"{p}:{line}: {what} is not UTF-8 text: {exc.reason}") from None


class _GuardedComposer(Composer):
    """Composer that refuses anchors and aliases and caps the number of nodes and the nesting depth."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self._nodes = 0
        self._level = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, AliasEvent):
            raise YamlLimitError(line, f"aliases (*{event.anchor}) are not supported; write the values out")
        if getattr(event, "anchor", None) is not None:
            raise YamlLimitError(line, f"anchors (&{event.anchor}) are not supported; write the values out")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YamlLimitError(line, f"too many values (more than {MAX_NODES:,} mappings, lists and values); "
                                 "split the input")
        self._level += 1
        try:
            if self._level > MAX_DEPTH:
                raise YamlLimitError(line, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._level -= 1


def load_yaml(text: str) -> Any:
    """Round-trip parse of YAML ``text`` (keeps line numbers) under the caps of this module.

    Raises :class:`YamlLimitError` for refused constructs and caps, and ruamel's ``YAMLError`` (with marks)
    for syntax errors.
    """
    if len(text) > MAX_INPUT_BYTES:
        raise YamlLimitError(1, f"input is too large ({len(text):,} characters; the limit is "
                             f"{_fmt_bytes(MAX_INPUT_BYTES)})")
    yaml = YAML(typ="rt")
    yaml.Composer = _GuardedComposer
    return yaml.load(text)


def yaml_problem(source: str, exc: BaseException) -> str:
    """One ``source:line: ...`` message line for a parse failure raised by :func:`load_yaml`."""
    if isinstance(exc, YamlLimitError):
        return f"{source}:{exc.line}: {exc.message}"
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        return f"{source}:{line}: invalid YAML: {exc.problem or exc.context or 'syntax error'}"
    if isinstance(exc, RecursionError):
        return f"{source}:1: nested too deeply"
    return f"{source}:1: invalid YAML: {exc}"


YAML_ERRORS: tuple[type[BaseException], ...] = (YamlLimitError, YAMLError, RecursionError)
"""What :func:`load_yaml` may raise for bad text (turn into a message with :func:`yaml_problem`)."""


def capped(problems: list[str], limit: int = MAX_LISTED_PROBLEMS) -> list[str]:
    """The first ``limit`` problem lines and, if there are more, one line counting the rest."""
    if len(problems) <= limit:
        return list(problems)
    return [*problems[:limit], f"... and {len(problems) - limit:,} more"]


__all__ = [
    "MAX_DEPTH",
    "MAX_INPUT_BYTES",
    "MAX_LISTED_PROBLEMS",
    "MAX_NODES",
    "YAML_ERRORS",
    "InputFileError",
    "YamlLimitError",
    "capped",
    "load_yaml",
    "read_input_file",
    "yaml_problem",
]
