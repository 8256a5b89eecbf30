"""Tables on the console that read at 80 columns, and the same tables as CSV or JSON for machines.

Cells, titles and headers are plain text (never read as rich markup, whatever a scenario name contains).
Rules of the console layout (rich): numbers are compacted to 4 significant digits and never wrapped; no cell is
broken inside a word or number (every column is at least as wide as its longest word, text wraps between words);
when the columns do not fit the terminal, the table is split into several tables that each repeat the first
(label) column. ``--format csv`` / ``--format json`` print the full-precision table on stdout instead.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

Format = Literal["table", "csv", "json"]
FORMATS: tuple[str, ...] = ("table", "csv", "json")
MAX_WORD = 28
"""Text words longer than this may be folded (paths, long identifiers); numbers never are."""
SHORT = 12
"""Columns whose cells are at most this wide are given their full width before long text columns."""
_OVERHEAD = 2
"""Characters between two columns (the table has no outer edge)."""


def fmt_number(value: object) -> str:
    """Compact text of a table value: 4 significant digits, ``-`` for NaN/None, integers as they are."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value, "dtype", None).kind in "iu"):
        return str(int(value))  # type: ignore[arg-type]
    if isinstance(value, float) or hasattr(value, "dtype"):
        v = float(value)  # type: ignore[arg-type]
        if math.isnan(v):
            return "-"
        return f"{v:.4g}"
    return str(value)


def _is_numeric(df: pd.DataFrame, col: object) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(df[col])) and not pd.api.types.is_bool_dtype(df[col])


def _longest_word(texts: Sequence[str]) -> int:
    return max((len(w) for t in texts for w in t.split()), default=1)


def _groups(widths: list[int], available: int) -> list[list[int]]:
    """Column indices per sub-table: each repeats column 0 and fits ``available`` characters if it can."""
    available += _OVERHEAD  # n columns need n - 1 separators
    if sum(w + _OVERHEAD for w in widths) <= available or len(widths) <= 2:
        return [list(range(len(widths)))]
    groups: list[list[int]] = []
    current = [0]
    used = widths[0] + _OVERHEAD
    for i in range(1, len(widths)):
        if len(current) > 1 and used + widths[i] + _OVERHEAD > available:
            groups.append(current)
            current, used = [0], widths[0] + _OVERHEAD
        current.append(i)
        used += widths[i] + _OVERHEAD
    groups.append(current)
    return groups


Styles = Mapping[str, Callable[[str], str]]
"""Per column, a function from the cell text to a rich style (e.g. verdict colours)."""


def _allocate(minimum: list[int], natural: list[int], available: int) -> list[int]:
    """Column widths: each at least its minimum; short columns (natural width <= ``SHORT``) get their natural width
    first, so numbers and short labels stay on one line; the rest of ``available`` is shared fairly among the
    long text columns (water-filling: the smallest wishes are met first)."""
    out = list(minimum)
    spare = available - sum(out)
    short = sorted((j for j in range(len(out)) if natural[j] <= SHORT), key=lambda j: natural[j] - minimum[j])
    for j in short:
        grow = min(natural[j] - out[j], max(spare, 0))
        out[j] += grow
        spare -= grow
    rest = sorted((j for j in range(len(out)) if natural[j] > SHORT), key=lambda j: natural[j] - minimum[j])
    for n, j in enumerate(rest):
        if spare <= 0:
            break
        grow = min(natural[j] - out[j], max(spare // (len(rest) - n), 0))
        out[j] += grow
        spare -= grow
    return out


def rich_tables(df: pd.DataFrame, title: str, width: int, styles: Styles | None = None) -> list[Any]:
    """The rich table(s) that show ``df`` within ``width`` characters (see module rules)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    cols = list(df.columns)
    numeric = [_is_numeric(df, c) for c in cols]
    cells = [[fmt_number(v) if numeric[j] or isinstance(v, float) else ("-" if v is None else str(v))
              for j, v in enumerate(row)] for row in df.itertuples(index=False)]
    widths, natural = [], []
    for j, c in enumerate(cols):
        column_cells = [r[j] for r in cells]
        longest = max((len(t) for t in column_cells), default=1)
        max_word = min(MAX_WORD, max(8, width // 3))  # longer words in text columns may fold; numbers never
        need = longest if numeric[j] else min(_longest_word(column_cells), max_word)
        header_word = min(_longest_word([str(c)]), max_word)
        widths.append(max(need, header_word))
        natural.append(max(longest, header_word, len(str(c)) if numeric[j] else header_word))
    tables = []
    groups = _groups(widths, width)
    for k, group in enumerate(groups):
        sized = _allocate([widths[j] for j in group], [natural[j] for j in group],
                          width - _OVERHEAD * (len(group) - 1))
        part = f" ({k + 1}/{len(groups)})" if len(groups) > 1 else ""
        table = Table(title=Text(f"{title}{part}") if title else None, title_justify="left", box=box.SIMPLE_HEAD,
                      pad_edge=False, collapse_padding=True, show_edge=False)
        for j, w in zip(group, sized, strict=True):
            table.add_column(Text(str(cols[j])), justify="right" if numeric[j] else "left", width=w, overflow="fold")
        for row in cells:
            table.add_row(*(Text(row[j], style=(styles or {}).get(str(cols[j]), lambda _t: "")(row[j]))
                            for j in group))
        tables.append(table)
    return tables


def print_frame(df: pd.DataFrame, title: str = "", fmt: str = "table", console: Console | None = None,
                styles: Styles | None = None) -> None:
    """Print ``df``: rich table(s) fitting the terminal (``table``), or CSV / JSON records on stdout."""
    if fmt == "csv":
        df.to_csv(sys.stdout, index=False)
        return
    if fmt == "json":
        sys.stdout.write(frame_json(df) + "\n")
        return
    if console is None:
        from rich.console import Console

        console = Console()
    for table in rich_tables(df, title, console.width, styles):
        console.print(table)


def frame_json(df: pd.DataFrame) -> str:
    """JSON list of records (NaN as null), full precision."""
    records = json.loads(df.to_json(orient="records", double_precision=15, default_handler=str))
    return json.dumps(records, indent=1)


__all__ = ["FORMATS", "Format", "fmt_number", "frame_json", "print_frame", "rich_tables"]
