"""What the output files say about themselves: units and descriptions of every column, and provenance.

* CSV outputs are described by a Frictionless Data Package, ``datapackage.json`` next to them
  (https://specs.frictionlessdata.io/data-package/): one resource per file, a Table Schema per CSV with every
  column's ``name``, ``type``, ``unit`` (a custom property) and ``description``, and a ``gutsleep`` block with the
  provenance below. Column names and meanings are unchanged; the package only describes them.
* Parquet outputs carry the same in their schema: per-field metadata ``unit`` and ``description``, and schema
  metadata ``gutsleep`` (JSON provenance).
* ``timeseries.nc`` carries the provenance as global attributes (see :mod:`gutsleep.apps.timeseries`).

Provenance: gutsleep version, the model hash (:func:`model_hash`, over every state, parameter default and range,
equation and observable, so equal hashes mean the same model), and per subject the scenario as complete YAML
(every default written out, so it re-runs as is) and its parameter overrides (name -> value; every other
parameter is at the default fixed by the model hash).

This module builds content (dicts, text); writing files is left to the output layer (``write_datapackage`` is a
plain writer it may replace).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gutsleep import __version__
from gutsleep.outcomes import columns as outcome_columns

if TYPE_CHECKING:
    import pandas as pd

    from gutsleep.scenario import Scenario

DATAPACKAGE = "datapackage.json"
OUTCOME_UNIT = "unit of the outcome (see column `outcome`)"

_KEYS: dict[str, tuple[str, str]] = {
    "subject": ("index", "subject index (one per scenario or virtual participant, 0-based)"),
    "night": ("night index", outcome_columns.DESCRIPTIONS["night"]),
    "day": ("day index", outcome_columns.DESCRIPTIONS["day"]),
}

_SUMMARY_DOCS = "gutsleep.outcomes.summary"

_TRIAL_RESULTS: dict[str, tuple[str, str]] = {
    "comparison": ("text", "arm vs reference arm"),
    "arm": ("text", "trial arm"),
    "reference": ("text", "reference arm"),
    "outcome": ("text", "outcome column (nightly or daily)"),
    "role": ("text", "primary or secondary outcome"),
    "window_days": ("days", "final window: the outcome is the mean of the trial's last window_days days"),
    "n_arm": ("participants", "participants analysed in the arm"),
    "n_ref": ("participants", "participants analysed in the reference arm"),
    "mean_arm": (OUTCOME_UNIT, "mean final-window value in the arm"),
    "mean_ref": (OUTCOME_UNIT, "mean final-window value in the reference arm"),
    "sd_arm": (OUTCOME_UNIT, "SD of the final-window values in the arm"),
    "sd_ref": (OUTCOME_UNIT, "SD of the final-window values in the reference arm"),
    "baseline_arm": (OUTCOME_UNIT, "mean baseline-window value in the arm"),
    "baseline_ref": (OUTCOME_UNIT, "mean baseline-window value in the reference arm"),
    "change_arm": (OUTCOME_UNIT, "mean change (final - baseline) in the arm"),
    "change_ref": (OUTCOME_UNIT, "mean change (final - baseline) in the reference arm"),
    "diff": (OUTCOME_UNIT, "difference of final-window means, arm - reference (Welch)"),
    "diff_ci_low": (OUTCOME_UNIT, "lower end of the Welch 95 % CI of diff"),
    "diff_ci_high": (OUTCOME_UNIT, "upper end of the Welch 95 % CI of diff"),
    "p_welch": ("probability", "two-sided Welch t-test p of diff"),
    "ancova_diff": (OUTCOME_UNIT, "baseline-adjusted difference (OLS final ~ arm + baseline)"),
    "ancova_ci_low": (OUTCOME_UNIT, "lower end of the 95 % CI of ancova_diff"),
    "ancova_ci_high": (OUTCOME_UNIT, "upper end of the 95 % CI of ancova_diff"),
    "p_ancova": ("probability", "p of the arm coefficient in the ANCOVA"),
    "ancova_resid_sd": (OUTCOME_UNIT, "residual SD of the ANCOVA"),
    "cohens_d": ("SD units", "Cohen's d of the final-window values"),
    "hedges_g": ("SD units", "Hedges' g (small-sample corrected d)"),
    "g_ci_low": ("SD units", "lower end of the 95 % CI of hedges_g"),
    "g_ci_high": ("SD units", "upper end of the 95 % CI of hedges_g"),
    "ancova_d": ("SD units", "ancova_diff / pooled SD of the final values"),
    "ancova_d_ci_low": ("SD units", "ancova_ci_low / pooled SD"),
    "ancova_d_ci_high": ("SD units", "ancova_ci_high / pooled SD"),
    "responder_rule": ("text", "responder definition (change from baseline past a threshold)"),
    "responders_arm": ("fraction (0-1)", "share of responders in the arm"),
    "responders_ref": ("fraction (0-1)", "share of responders in the reference arm"),
    "responders_diff": ("fraction (0-1)", "responders_arm - responders_ref"),
    "p_responders": ("probability", "Fisher exact test p of the responder fractions"),
    "model_draws": ("draws", "posterior draws of the parameter set the trial was re-run under (trial --ensemble)"),
    "ancova_diff_model_p05": (OUTCOME_UNIT, "5 % point of ancova_diff across the posterior draws (model "
                                            "uncertainty, same participants)"),
    "ancova_diff_model_p50": (OUTCOME_UNIT, "median of ancova_diff across the posterior draws"),
    "ancova_diff_model_p95": (OUTCOME_UNIT, "95 % point of ancova_diff across the posterior draws"),
    "diff_model_p05": (OUTCOME_UNIT, "5 % point of diff across the posterior draws"),
    "diff_model_p50": (OUTCOME_UNIT, "median of diff across the posterior draws"),
    "diff_model_p95": (OUTCOME_UNIT, "95 % point of diff across the posterior draws"),
}

_WITHIN: dict[str, tuple[str, str]] = {
    "arm": ("text", "trial arm"),
    "outcome": ("text", "outcome column"),
    "n": ("participants", "participants with a change"),
    "baseline": (OUTCOME_UNIT, "mean baseline-window value"),
    "final": (OUTCOME_UNIT, "mean final-window value"),
    "change": (OUTCOME_UNIT, "mean change, final - baseline"),
    "ci_low": (OUTCOME_UNIT, "lower end of the 95 % CI of change"),
    "ci_high": (OUTCOME_UNIT, "upper end of the 95 % CI of change"),
    "p_paired": ("probability", "paired (one-sample) t-test p of change"),
}

_POWER: dict[str, tuple[str, str]] = {
    "comparison": ("text", "arm vs reference arm"),
    "outcome": ("text", "primary outcome column"),
    "n_per_arm": ("participants", "participants per arm"),
    "power_welch": ("probability", "power of the Welch test, resampling the simulated participants"),
    "power_ancova": ("probability", "power of the ANCOVA, resampling the simulated participants"),
    "power_analytic_t": ("probability", "noncentral-t power of an unadjusted t-test from Hedges' g"),
    "power_analytic_ancova": ("probability", "noncentral-t power from the ANCOVA difference / residual SD"),
}

_CORRELATIONS: dict[str, tuple[str, str]] = {
    "exposure": ("text", "exposure column"),
    "outcome": ("text", "outcome column"),
    "n": ("participants", "participants in the correlation"),
    "rho": ("1 (-1 to 1)", "Spearman rank correlation of exposure and outcome"),
    "ci_low": ("1 (-1 to 1)", "lower end of the Fisher-z 95 % CI of rho"),
    "ci_high": ("1 (-1 to 1)", "upper end of the Fisher-z 95 % CI of rho"),
    "p": ("probability", "p of rho"),
    "partial_rho": ("1 (-1 to 1)", "partial Spearman correlation given the adjustment covariates"),
    "partial_ci_low": ("1 (-1 to 1)", "lower end of the 95 % CI of partial_rho"),
    "partial_ci_high": ("1 (-1 to 1)", "upper end of the 95 % CI of partial_rho"),
    "partial_p": ("probability", "p of partial_rho"),
    "adjusted_for": ("text", "adjustment covariates"),
    "expected": ("text", "sign expected from the literature (empty: none stated)"),
    "sign_raw": ("text", "sign of rho"),
    "sign_partial": ("text", "sign of partial_rho"),
    "agrees_raw": ("true/false", "sign_raw equals expected (empty: nothing expected)"),
    "agrees_partial": ("true/false", "sign_partial equals expected"),
}

_BANDS: dict[str, tuple[str, str]] = {
    "outcome": ("text", "outcome column"),
    "p05": (OUTCOME_UNIT, "5 % point across the posterior draws of the parameter set"),
    "p50": (OUTCOME_UNIT, "median across the posterior draws"),
    "p95": (OUTCOME_UNIT, "95 % point across the posterior draws"),
    "draws": ("count", "posterior draws run (--ensemble)"),
    "column": ("text", "outcome column"),
    "unit": ("text", "unit of the outcome"),
    "window_change": ("unit of the outcome (see column `unit`)", "change over the intervention window at the "
                                                                   "point estimate"),
    "window_change_p05": ("unit of the outcome (see column `unit`)", "5 % point of the window change across draws"),
    "window_change_p50": ("unit of the outcome (see column `unit`)", "median window change across draws"),
    "window_change_p95": ("unit of the outcome (see column `unit`)", "95 % point of the window change across draws"),
}
_SENSITIVITY: dict[str, tuple[str, str]] = {
    "outcome": ("text", "outcome column"),
    "parameter": ("text", "model parameter varied over its plausible range"),
    "S1": ("fraction of output variance", "first-order Sobol index"),
    "S1_conf": ("fraction of output variance", "bootstrap 95 % half-width of S1"),
    "ST": ("fraction of output variance", "total-order Sobol index"),
    "ST_conf": ("fraction of output variance", "bootstrap 95 % half-width of ST"),
    "mu": (OUTCOME_UNIT, "Morris mean elementary effect"),
    "mu_star": (OUTCOME_UNIT, "Morris mean absolute elementary effect"),
    "mu_star_conf": (OUTCOME_UNIT, "bootstrap 95 % half-width of mu_star"),
    "sigma": (OUTCOME_UNIT, "SD of the elementary effects"),
    "rank": ("rank", "rank of the parameter for the outcome (1 = most influential)"),
}

_ATTRIBUTION: dict[str, tuple[str, str]] = {
    "outcome": ("text", "nightly sleep outcome (with its unit)"),
    "night": ("night index", outcome_columns.DESCRIPTIONS["night"]),
    "a": (OUTCOME_UNIT, "value under scenario A"),
    "b": (OUTCOME_UNIT, "value under scenario B"),
    "A": (OUTCOME_UNIT, "mean under scenario A"),
    "B": (OUTCOME_UNIT, "mean under scenario B"),
    "total": (OUTCOME_UNIT, "B - A"),
    "B - A": (OUTCOME_UNIT, "B - A"),
    "remainder": (OUTCOME_UNIT, "interactions and effects outside the named pathways"),
    "interactions/other": (OUTCOME_UNIT, "interactions and effects outside the named pathways"),
}


_ATTRIBUTION_BANDS: dict[str, tuple[str, str]] = {
    "outcome": ("text", "nightly sleep outcome (with its unit)"),
    "part": ("text", "A, B, B - A, a pathway's part, or interactions/other"),
    "draws": ("draws", "posterior draws of the parameter set the attribution was repeated under"),
    "p05": (OUTCOME_UNIT, "5 % point of the part across the draws"),
    "p50": (OUTCOME_UNIT, "median of the part across the draws"),
    "p95": (OUTCOME_UNIT, "95 % point of the part across the draws"),
}


def _habit_docs() -> dict[str, tuple[str, str]]:
    """Unit and description of every covariate column that holds a habit or person field."""
    from gutsleep.scenario import Habits, Light, Person, Sweeteners

    out: dict[str, tuple[str, str]] = {}
    for prefix, model in (("", Habits), ("light_", Light), ("sweeteners_", Sweeteners), ("", Person)):
        for name, field in model.model_fields.items():
            unit = field.description or ("true/false" if name == "vagotomy" else "text")
            out[f"{prefix}{name}"] = (unit, f"habit or trait {name.replace('_', ' ')} of the subject")
    out.update({
        "age": ("years", "age of the subject"), "sex": ("text", "female or male"), "bmi": ("kg/m^2", "body-mass index"),
        "vagotomy": ("true/false", "true = vagus nerve cut"),
        "bedtime": ("local clock HH:MM", "habitual bedtime"), "wake_time": ("local clock HH:MM", "habitual wake time"),
        "bedtime_shift_h": ("h", "drawn shift of the bedtime from the population's centre"),
        "time_in_bed_h": ("h", "habitual time in bed"),
        "failed": ("true/false", "true = the subject's integration failed (no outcome rows)"),
        "arm": ("text", "trial arm the randomisation gave the participant"),
    })
    return out


def _outcome_doc(column: str) -> tuple[str, str] | None:
    if column in outcome_columns.KEY_COLUMNS:
        return _KEYS[column]
    u = outcome_columns.unit(column)
    if u or column in outcome_columns.DESCRIPTIONS:
        return u or "1", outcome_columns.description(column)
    return None


def column_doc(kind: str, column: str) -> tuple[str, str]:
    """(unit, description) of ``column`` in a table of ``kind``: ``nightly``, ``daily``, ``nightly_diff``,
    ``daily_diff``, ``summary``, ``covariates``, ``cohort_summary``, ``results``, ``within``, ``power``,
    ``participants``, ``correlations``, ``measures``, ``sensitivity``, ``samples``, ``attribution``,
    ``attribution_nightly``, ``attribution_bands``. Unknown columns get their name and a generic text (never an
    error), so new columns flow through."""
    from gutsleep.outcomes.summary import FIELD_DESCRIPTIONS, FIELD_UNITS

    if kind in ("summary", "comparison_summary") and column in FIELD_DESCRIPTIONS:
        return FIELD_UNITS.get(column, "text"), FIELD_DESCRIPTIONS[column]
    if kind == "summary" and column == "scenario":
        return "text", "scenario name of the subject"
    tables = {"results": _TRIAL_RESULTS, "within": _WITHIN, "power": _POWER, "correlations": _CORRELATIONS,
              "sensitivity": _SENSITIVITY, "attribution": _ATTRIBUTION, "attribution_nightly": _ATTRIBUTION,
              "bands": _BANDS, "summary_bands": _BANDS, "attribution_bands": _ATTRIBUTION_BANDS}
    if column in tables.get(kind, {}):
        return tables[kind][column]
    if kind in ("attribution", "attribution_nightly"):
        from gutsleep.explain.attribution import PATHWAY_LABELS

        labels = {**PATHWAY_LABELS, **{v: v for v in PATHWAY_LABELS.values()}}
        if column in labels:
            return OUTCOME_UNIT, f"part of B - A carried by the {labels[column]} pathway"
    if kind in ("nightly_diff", "daily_diff") and column not in outcome_columns.KEY_COLUMNS:
        doc = _outcome_doc(column)
        if doc is not None:
            return doc[0], f"B - A of: {doc[1]}"
    if kind in ("covariates", "measures", "participants", "samples"):
        habits = _habit_docs()
        if column in habits:
            return habits[column]
        name = column.removeprefix("param_")
        param = _parameter(name)
        if param is not None:
            return param.unit, f"model parameter of the subject: {param.description}"
        for prefix, word in (("baseline_", "mean over the baseline window"), ("final_", "mean over the final window"),
                             ("change_", "final - baseline")):
            if column.startswith(prefix):
                doc = _outcome_doc(column.removeprefix(prefix))
                if doc is not None:
                    return doc[0], f"{word} of: {doc[1]}"
    doc = _outcome_doc(column)
    if doc is not None:
        if kind in ("cohort_summary", "measures") and column not in outcome_columns.KEY_COLUMNS:
            return doc[0], f"per-subject mean over the outcome window of: {doc[1]}"
        return doc
    return "", column.replace("_", " ")


@lru_cache(maxsize=1)
def _parameters() -> dict[str, Any]:
    from gutsleep.model import build_model

    return {p.name: p for p in build_model().parameters}


def _parameter(name: str) -> Any:
    return _parameters().get(name)


def table_schema(df: pd.DataFrame, kind: str, primary_key: Sequence[str] = ()) -> dict[str, Any]:
    """Frictionless Table Schema of a table: every column with type, unit and description."""
    import pandas as pd

    fields = []
    for col in df.columns:
        unit, text = column_doc(kind, str(col))
        dtype = df[col].dtype
        if pd.api.types.is_bool_dtype(dtype):
            kind_ = "boolean"
        elif pd.api.types.is_integer_dtype(dtype):
            kind_ = "integer"
        elif pd.api.types.is_numeric_dtype(dtype):
            kind_ = "number"
        else:
            kind_ = "string"
        field: dict[str, Any] = {"name": str(col), "type": kind_, "description": text}
        if unit:
            field["unit"] = unit
        fields.append(field)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if primary_key:
        schema["primaryKey"] = list(primary_key)
    return schema


def model_hash() -> str:
    """Hash (16 hex digits) of the model definition: states, parameters (default, range, unit), inputs,
    intermediates with their expressions, rates and observables."""
    return _model_hash()


@lru_cache(maxsize=1)
def _model_hash() -> str:
    from gutsleep.model import build_model

    m = build_model()
    doc = {
        "states": [[s.name, s.unit, s.initial] for s in m.states],
        "parameters": [[p.name, p.unit, p.default, p.low, p.high] for p in m.parameters],
        "inputs": list(m.input_names),
        "intermediates": [[i.name, i.unit, str(i.expr)] for i in m.intermediates],
        "rates": {k: str(v) for k, v in m.rates.items()},
        "observables": list(m.observables),
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def scenario_yaml(scenario: Scenario) -> str:
    """The validated scenario as complete YAML (every default written out), ready to re-run."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[attr-defined]
    buf = io.StringIO()
    yaml.dump(scenario.model_dump(mode="json"), buf)
    return buf.getvalue()


def subject_provenance(scenarios: Iterable[Scenario],
                       extra_parameters: Sequence[Mapping[str, float]] | None = None) -> list[dict[str, Any]]:
    """Per subject: scenario name, complete scenario YAML and parameter overrides (person covariates, the
    scenario's ``parameters:`` block and any per-subject values)."""
    from gutsleep.apps.simulate import scenario_parameters

    out = []
    for i, s in enumerate(scenarios):
        overrides = {**scenario_parameters(s), **(dict(extra_parameters[i]) if extra_parameters else {})}
        out.append({"subject": i, "scenario": s.name, "scenario_yaml": scenario_yaml(s),
                    "parameters": {k: _json_number(v) for k, v in overrides.items()}})
    return out


def _json_number(v: float) -> float | None:
    return float(v) if math.isfinite(float(v)) else None


def provenance(subjects: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    """The ``gutsleep`` block of every output's metadata."""
    out: dict[str, Any] = {
        "version": __version__,
        "model_hash": model_hash(),
        "parameters_note": "parameters not listed per subject are at the model's defaults (`gutsleep params`), "
                           "fixed by model_hash",
    }
    out.update({k: v for k, v in extra.items() if v is not None})
    if subjects is not None:
        out["subjects"] = subjects
    return out


def resource(path: str, kind: str | None = None, df: pd.DataFrame | None = None, *, description: str = "",
             primary_key: Sequence[str] = ()) -> dict[str, Any]:
    """A Data Package resource: a CSV with its Table Schema, or another file (NetCDF, HTML, PNG, Parquet)."""
    name = Path(path).stem.lower().replace(" ", "-")
    suffix = Path(path).suffix.lower()
    formats = {".csv": ("csv", "text/csv"), ".nc": ("netcdf", "application/x-netcdf"),
               ".html": ("html", "text/html"), ".png": ("png", "image/png"),
               ".parquet": ("parquet", "application/vnd.apache.parquet"), ".json": ("json", "application/json")}
    fmt, media = formats.get(suffix, (suffix.lstrip("."), "application/octet-stream"))
    res: dict[str, Any] = {"name": name, "path": path, "format": fmt, "mediatype": media}
    if description:
        res["description"] = description
    if suffix == ".csv" and df is not None and kind is not None:
        res.update({"profile": "tabular-data-resource", "encoding": "utf-8",
                    "schema": table_schema(df, kind, primary_key)})
    return res


def datapackage(name: str, title: str, resources: list[dict[str, Any]], gutsleep: dict[str, Any],
                description: str = "") -> dict[str, Any]:
    """A Frictionless Data Package describing an output folder."""
    package: dict[str, Any] = {
        "profile": "data-package",
        "name": name,
        "title": title,
        "resources": resources,
        "gutsleep": gutsleep,
    }
    if description:
        package["description"] = description
    return package


def datapackage_text(package: dict[str, Any]) -> str:
    """JSON text of a data package."""
    return json.dumps(package, indent=1, ensure_ascii=False) + "\n"


def write_datapackage(directory: str | Path, package: dict[str, Any]) -> Path:
    """Write ``datapackage.json`` into ``directory`` (a plain writer; the output layer may replace it)."""
    path = Path(directory) / DATAPACKAGE
    path.write_text(datapackage_text(package), encoding="utf-8")
    return path


def parquet_metadata(df_columns: Sequence[str], kind: str, gutsleep: dict[str, Any]) -> tuple[
        dict[bytes, bytes], dict[str, dict[bytes, bytes]]]:
    """(schema metadata, per-field metadata) for a Parquet table of ``kind``: the ``gutsleep`` provenance as JSON
    and each column's ``unit`` and ``description``."""
    fields = {}
    for col in df_columns:
        unit, text = column_doc(kind, col)
        fields[col] = {b"unit": unit.encode(), b"description": text.encode()}
    return {b"gutsleep": json.dumps(gutsleep).encode()}, fields


def with_parquet_metadata(table: Any, kind: str, gutsleep: dict[str, Any]) -> Any:
    """A pyarrow Table with :func:`parquet_metadata` attached to its schema (values unchanged)."""
    import pyarrow as pa

    schema_meta, field_meta = parquet_metadata(table.schema.names, kind, gutsleep)
    fields = [f.with_metadata({**(f.metadata or {}), **field_meta.get(f.name, {})}) for f in table.schema]
    schema = pa.schema(fields, metadata={**(table.schema.metadata or {}), **schema_meta})
    return table.cast(schema)


__all__ = [
    "DATAPACKAGE",
    "column_doc",
    "datapackage",
    "datapackage_text",
    "model_hash",
    "parquet_metadata",
    "provenance",
    "resource",
    "scenario_yaml",
    "subject_provenance",
    "table_schema",
    "with_parquet_metadata",
    "write_datapackage",
]
