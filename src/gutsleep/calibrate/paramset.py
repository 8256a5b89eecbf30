"""Parameter sets: ``parameter-sets/<name>.yaml``, written by ``gutsleep calibrate``, read by ``--parameters``.

A set holds the point estimate of its fitted parameters, posterior draws, fit statistics, the targets used (with
their measured values and residuals at the estimate), the gutsleep version and the model hash. A set is applied
only to the model it was fitted on (same model hash) and only when every parameter it names exists and its value
lies in that parameter's plausible range; anything else is refused with a message saying why.

The *shipped default* (:func:`shipped_default`) is the set ``gutsleep calibrate`` fitted for the ``default``
problem, packaged as ``gutsleep/data/parameter-sets/default.yaml``: the command-line tools apply it unless told
otherwise (``--parameters FILE`` for another set, ``--parameters none`` for the model's own values, the centres of
the priors). The Python API (``gutsleep.simulate``) runs the model's own values unless given ``base_parameters``
(``gutsleep.calibrated_parameters()`` is the shipped set's estimate).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "gutsleep-parameter-set/1"


class ParameterSetError(ValueError):
    """A parameter set cannot be used (the message names the file and the reason)."""


@dataclass(frozen=True)
class ParameterSet:
    """A loaded, checked parameter set."""

    name: str
    path: Path | None
    estimate: Mapping[str, float]
    draw_names: tuple[str, ...]
    draws: np.ndarray  # draws x parameters (may be empty)
    document: Mapping[str, Any]

    def posterior_summary(self) -> dict[str, dict[str, float]]:
        """name -> estimate, posterior median, 5 % and 95 % quantiles (NaN without draws)."""
        out = {}
        for name, value in self.estimate.items():
            row = {"estimate": float(value), "median": math.nan, "q05": math.nan, "q95": math.nan}
            if name in self.draw_names and len(self.draws):
                col = self.draws[:, self.draw_names.index(name)]
                row.update(median=float(np.median(col)), q05=float(np.quantile(col, 0.05)),
                           q95=float(np.quantile(col, 0.95)))
            out[name] = row
        return out


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    yaml.width = 120
    return yaml


def dump(document: Mapping[str, Any]) -> str:
    buf = io.StringIO()
    _yaml().dump(_plain(document), buf)
    return buf.getvalue()


def _plain(value: Any) -> Any:
    """Plain YAML-safe types (numpy scalars and arrays to Python numbers and lists)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_parameter_set(path: Path, document: Mapping[str, Any], *, force: bool = False) -> Path:
    """Write the set atomically; an existing file is replaced only with ``force``."""
    from gutsleep.apps.outputs import OutputError, check_output_file, write_file_atomic

    target = check_output_file(path, "parameter set")
    if target.exists() and not force:
        raise OutputError(f"{target} exists; use --force to replace it (or choose another --name)")
    return write_file_atomic(target, dump(document), "parameter set")


def check_parameter_set(document: Any, where: str) -> ParameterSet:
    """Check a parsed document against this model (format, model hash, known parameters, ranges)."""
    from gutsleep.apps.metadata import model_hash
    from gutsleep.model import build_model

    if not isinstance(document, Mapping) or document.get("format") != FORMAT:
        raise ParameterSetError(f"{where}: not a gutsleep parameter set (expected format: {FORMAT})")
    if document.get("model_hash") != model_hash():
        raise ParameterSetError(
            f"{where}: fitted on model {document.get('model_hash')!r}, but this gutsleep's model is "
            f"{model_hash()!r} (gutsleep {document.get('gutsleep_version', '?')} wrote it); refit it with "
            f"`gutsleep calibrate` on this version")
    params = document.get("parameters")
    if not isinstance(params, Mapping) or not params:
        raise ParameterSetError(f"{where}: no parameters")
    known = {p.name: p for p in build_model().parameters}
    unknown = [str(n) for n in params if n not in known]
    if unknown:
        raise ParameterSetError(f"{where}: unknown parameter(s) {', '.join(sorted(unknown))} (see `gutsleep params`)")
    estimate: dict[str, float] = {}
    for name, entry in params.items():
        value = entry.get("estimate") if isinstance(entry, Mapping) else entry
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ParameterSetError(f"{where}: parameters.{name}.estimate must be a finite number")
        p = known[name]
        if not p.low <= value <= p.high:
            raise ParameterSetError(f"{where}: parameters.{name}.estimate {value:g} is outside its plausible range "
                                    f"{p.low:g} to {p.high:g}")
        estimate[str(name)] = float(value)
    draws_doc = document.get("draws") or {}
    names = tuple(str(n) for n in draws_doc.get("names", ()))
    values = np.array(draws_doc.get("values", []), dtype=float).reshape(-1, len(names)) if names else np.empty((0, 0))
    bad = [n for n in names if n not in estimate]
    if bad:
        raise ParameterSetError(f"{where}: draws name parameter(s) without an estimate: {', '.join(bad)}")
    return ParameterSet(str(document.get("name", "")), None, estimate, names, values, document)


def _parse(text: str, where: Path) -> Any:
    """The YAML document, as JSON-plain types; a copy is cached as JSON under the text's hash in the private kernel
    cache (a set's hundreds of draws take ~0.4 s to parse as YAML and milliseconds as JSON). Any cache problem
    falls back to parsing the YAML."""
    import hashlib
    import json

    digest = hashlib.sha256(text.encode()).hexdigest()[:24]
    cached: Path | None = None
    try:
        from gutsleep.solve.cache import private_dir

        cached = private_dir() / f"parameter-set-{digest}.json"
        return json.loads(cached.read_text(encoding="utf-8"))
    except Exception:  # no copy yet, an unsafe cache folder or a damaged copy: parse the YAML
        pass
    try:
        document = _yaml().load(text)
    except Exception as err:  # ruamel raises several YAML error types
        raise ParameterSetError(f"{where}: not valid YAML ({type(err).__name__})") from None
    plain = json.dumps(document, default=str, allow_nan=False) if document is not None else "null"
    if cached is not None:
        try:
            tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
            tmp.write_text(plain, encoding="utf-8")
            os.replace(tmp, cached)
        except OSError:
            pass
    return json.loads(plain)


def load_parameter_set(path: str | Path) -> ParameterSet:
    """Read and check ``path`` (see :func:`check_parameter_set`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise ParameterSetError(f"cannot read parameter set {p}: {err.strerror or err}") from None
    document = _parse(text, p)
    loaded = check_parameter_set(document, str(p))
    return ParameterSet(loaded.name, p, loaded.estimate, loaded.draw_names, loaded.draws, loaded.document)


SHIPPED_NAME = "default"
"""Name of the shipped calibrated set (``gutsleep/data/parameter-sets/<name>.yaml``)."""

REGENERATE = ("gutsleep calibrate --name default --workers 2 --force "
              "--out src/gutsleep/data/parameter-sets")
"""The command (run in a source checkout) that regenerates the shipped set."""


def shipped_path() -> Path:
    """Where the shipped calibrated set lives in the installed package."""
    from importlib.resources import files

    return Path(str(files("gutsleep") / "data" / "parameter-sets" / f"{SHIPPED_NAME}.yaml"))


@lru_cache(maxsize=1)
def shipped_default() -> ParameterSet:
    """The shipped calibrated set, checked against this model (read once per process).

    Raises :class:`ParameterSetError` when it is missing or was fitted on another model version: the model then
    changed without the set being refitted (run :data:`REGENERATE`)."""
    path = shipped_path()
    if not path.exists():
        raise ParameterSetError(f"the shipped calibrated parameter set {path} is missing; reinstall gutsleep")
    try:
        return load_parameter_set(path)
    except ParameterSetError as err:
        raise ParameterSetError(f"{err} (the shipped set is stale: regenerate it with `{REGENERATE}`)") from None


def calibrated_parameters() -> dict[str, float]:
    """The shipped calibrated set's point estimate (parameter name -> value), for ``base_parameters`` of
    :func:`gutsleep.simulate`: the values the command-line tools run by default."""
    return dict(shipped_default().estimate)
