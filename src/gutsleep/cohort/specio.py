"""YAML loading of cohort specifications (populations, trials, observational studies) with precise errors.

Like scenario files, every problem is reported at once, one line each, as
``file:line: dotted.path: message (got value)``; unknown fields list the allowed ones and out-of-range values
name the allowed range. The exception is :class:`SpecError` (a ``ValueError``, so the CLI turns it into a
clean message and exit code 2).
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from gutsleep.scenario.fields import printable
from gutsleep.scenario.loader import plain
from gutsleep.scenario.yamlio import YAML_ERRORS, InputFileError, capped, load_yaml, read_input_file, yaml_problem

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]
Problem = tuple[Loc, str, Any]

_MISSING = object()
RULES_ERROR = "cohort_rules"
"""pydantic error type whose context carries a list of (loc, message, value) problems (cross-field rules)."""


class SpecError(ValueError):
    """A population, trial or study file is invalid; the message lists the problems, one per line (the first 50,
    then a count of the rest); ``problems`` holds them all."""

    def __init__(self, source: str, problems: list[str], kind: str = "specification") -> None:
        self.source = source
        self.problems = problems
        n = len(problems)
        head = f"{n:,} problem{'s' if n != 1 else ''} in {kind} {source}:"
        super().__init__("\n".join([head, *capped(problems)]))


def rules_error(problems: list[Problem]) -> PydanticCustomError:
    """Raise-able error carrying cross-field problems; each is reported at its own location."""
    detail = "; ".join(f"{dotted(loc)}: {msg}" for loc, msg, _ in problems)
    return PydanticCustomError(RULES_ERROR, "{detail}", {"detail": detail, "problems": problems})


def dotted(loc: Loc) -> str:
    """``('habits', 'fiber_g', 'cv')`` -> ``habits.fiber_g.cv``; ``('arms', 1)`` -> ``arms[1]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _yaml_path(root: Any, loc: Loc) -> tuple[Loc, int]:
    """The parts of ``loc`` that exist in the YAML tree (union tags and validator names dropped) and the
    1-based line of the deepest one."""
    line = root.lc.line + 1 if hasattr(root, "lc") and root.lc.line is not None else 1
    node: Any = root
    kept: list[str | int] = []
    for i, part in enumerate(loc):
        if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
            kept.append(part)
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
            kept.append(part)
        elif isinstance(part, str) and (
            "[" in part or (isinstance(node, CommentedMap) and node.get("dist") == part) or part in _TAGS
        ):
            continue  # discriminated-union tag or validator name: not part of the file
        else:
            kept.extend(loc[i:])  # missing or unknown key: keep the rest as written
            break
    return tuple(kept), line


_TAGS: frozenset[str] = frozenset({"float", "int", "str", "list[float]", "dict[str,float]"})


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every pydantic model class inside an annotation (unions, containers, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def _model_at(root_model: type[BaseModel], loc: Loc, root: Any) -> type[BaseModel] | None:
    """Model class that validates the mapping at ``loc`` (to list its allowed fields)."""
    candidates: list[type[BaseModel]] = [root_model]
    node: Any = root
    for part in loc:
        if isinstance(node, (CommentedMap, dict)) and isinstance(part, str) and part in node:
            node = node[part]
        elif isinstance(node, (CommentedSeq, list)) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            continue
        else:
            continue
        nxt: list[type[BaseModel]] = []
        for cls in candidates:
            field = cls.model_fields.get(part)
            if field is not None:
                nxt.extend(_models_in(field.annotation))
            elif _is_mapping_model(cls):
                nxt.extend(_models_in(cls.model_fields["root"].annotation))
        candidates = nxt
    if isinstance(node, (CommentedMap, dict)) and "dist" in node:
        tagged = [c for c in candidates if getattr(c, "TAG", None) == node.get("dist")]
        candidates = tagged or candidates
    return candidates[0] if len(candidates) == 1 else None


def _is_mapping_model(cls: type[BaseModel]) -> bool:
    """Root models holding ``dict[str, X]``."""
    field = cls.model_fields.get("root")
    return field is not None and typing.get_origin(field.annotation) in (dict, types.MappingProxyType)


def _short(value: Any) -> str:
    """Compact repr of an offending value."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(err: dict[str, Any], root_model: type[BaseModel], root: Any) -> list[Problem]:
    """(location, message, value or missing) for one pydantic error, with friendlier wording."""
    loc: Loc = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    msg = err["msg"]
    value: Any = err.get("input", _MISSING)
    if kind == RULES_ERROR:
        return [(loc + tuple(p_loc), p_msg, p_val) for p_loc, p_msg, p_val in ctx["problems"]]
    if kind == "extra_forbidden":
        model = _model_at(root_model, loc[:-1], root)
        allowed = ", ".join(model.model_fields) if model is not None else "see the documentation"
        msg = f"unknown field {loc[-1]!r}; allowed fields: {allowed}"
    elif kind == "missing":
        msg = "required field is missing"
        value = _MISSING
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        msg = "expected a mapping of fields"
    elif kind in ("tuple_type", "list_type"):
        msg = "expected a list"
    elif kind == "union_tag_invalid":
        msg = f"unknown distribution {ctx.get('tag')!r}; allowed: {ctx.get('expected_tags')}"
    elif kind == "union_tag_not_found":
        msg = "a distribution needs 'dist' (fixed, normal, lognormal, uniform, discrete) or a plain number"
        value = _MISSING
    elif kind == "literal_error":
        msg = msg.replace("Input should be", "allowed choices:")
    elif kind == "string_pattern_mismatch":
        msg = "allowed characters: letters, digits and _ . + - (no spaces)"
    elif kind == "finite_number":
        msg = "expected a finite number (.inf and .nan are not allowed)"
    elif kind in ("string_type", "bool_type", "bool_parsing", "float_type", "float_parsing", "int_type"):
        msg = msg.replace("Input should be", "expected")
    return [(loc, msg, value)]


def _without_consequences(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Errors minus "too short" complaints about a list whose own items failed (a list of 2 arms with one bad
    arm is not "fewer than 2 items": the bad arm is the problem)."""
    inner = {tuple(e["loc"][:k]) for e in errors for k in range(len(e["loc"]))}
    return [e for e in errors if not (e["type"] == "too_short" and tuple(e["loc"]) in inner)]


def parse_spec(
    text: str, model: type[M], *, source: str = "<string>", kind: str = "specification",
    context: dict[str, Any] | None = None, defaults: dict[str, Any] | None = None,
) -> M:
    """Parse YAML ``text`` and validate it as ``model``; ``source`` names it in errors.

    ``context`` is passed to pydantic validators (e.g. the folder of the file, for relative paths);
    ``defaults`` fills top-level fields the file leaves out (e.g. ``name`` from the file name).
    """
    try:
        root = load_yaml(text)
    except YAML_ERRORS as exc:
        raise SpecError(source, [yaml_problem(source, exc)], kind) from None
    if not isinstance(root, CommentedMap):
        got = "nothing" if root is None else "a list" if isinstance(root, list) else f"a {type(root).__name__}"
        raise SpecError(source, [f"{source}:1: top level must be a mapping of fields, got {got}"], kind)
    data = {**(defaults or {}), **plain(root)}
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        found: list[Problem] = []
        errors = [dict(e) for e in exc.errors()]
        for err in _without_consequences(errors):
            found.extend(_describe(err, model, root))
        lines = []
        for loc, msg, value in found:
            path, line = _yaml_path(root, loc)
            got = "" if value is _MISSING else f" (got {_short(value)})"
            lines.append((line, f"{source}:{line}: {dotted(path) or '(top level)'}: {msg}{got}"))
        lines.sort(key=lambda x: x[0])
        raise SpecError(source, list(dict.fromkeys(t for _, t in lines)), kind) from None


def load_spec(path: str | Path, model: type[M], *, kind: str = "specification") -> M:
    """Read and validate a YAML file as ``model``; the file name (stem) is the default ``name``."""
    p = Path(path)
    try:
        text = read_input_file(p, kind)
    except InputFileError as exc:
        raise SpecError(str(p), [str(exc)], kind) from None
    defaults = {"name": printable(p.stem)[:200] or kind.split()[0]} if "name" in model.model_fields else None
    return parse_spec(text, model, source=str(p), kind=kind, context={"folder": p.parent}, defaults=defaults)
