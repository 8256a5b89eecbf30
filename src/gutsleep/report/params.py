"""Parameter table generated from the model: name, value, unit, range, module and source of every parameter."""

from __future__ import annotations

import pandas as pd

from gutsleep.model.spec import Model

PARAMETER_COLUMNS: tuple[str, ...] = ("name", "value", "unit", "low", "high", "module", "source", "description")


def parameter_table(model: Model, module: str | None = None) -> pd.DataFrame:
    """One row per parameter (optionally only those of ``module``), in declaration order."""
    if module is not None and module not in model.modules():
        raise KeyError(f"unknown module {module!r}; modules: {', '.join(model.modules())}")
    rows = [
        {
            "name": p.name,
            "value": p.default,
            "unit": p.unit,
            "low": p.low,
            "high": p.high,
            "module": p.module,
            "source": p.source,
            "description": p.description,
        }
        for p in model.parameters
        if module is None or p.module == module
    ]
    return pd.DataFrame(rows, columns=list(PARAMETER_COLUMNS))


def search_parameters(table: pd.DataFrame, query: str | None) -> pd.DataFrame:
    """Rows whose name, unit, module, description or source contain every word of ``query`` (case-insensitive);
    all rows when ``query`` is empty."""
    words = (query or "").lower().split()
    if not words:
        return table
    text = (table["name"] + " " + table["unit"] + " " + table["module"] + " " + table["description"] + " "
            + table["source"]).str.lower()
    keep = text.apply(lambda t: all(w in t for w in words))
    return table[keep].reset_index(drop=True)


def parameter_problems(model: Model, module: str | None = None) -> dict[str, list[str]]:
    """Parameters whose documentation is incomplete or inconsistent: name -> problems."""
    return {
        p.name: p.problems()
        for p in model.parameters
        if (module is None or p.module == module) and p.problems()
    }


def _escape_markdown(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", r"\|").replace("\n", " ")


def parameters_markdown(table: pd.DataFrame) -> str:
    """Markdown table (name, value, unit, range, module, source)."""
    lines = ["| name | value | unit | range | module | source |", "|---|---:|---|---|---|---|"]
    for r in table.itertuples(index=False):
        lines.append(
            f"| `{r.name}` | {r.value:g} | {_escape_markdown(str(r.unit))} | {r.low:g} to {r.high:g} | {r.module} "
            f"| {_escape_markdown(str(r.source))} |"
        )
    return "\n".join(lines) + "\n"
