"""Run the reliability fuzz corpus and write ``docs/reliability.md``.

The corpus is generated here: several hundred bad (and some valid-but-extreme) scenario files, population, trial
and observational specs, command-line options, output paths and interrupts. Every case runs the real CLI (typer's
test runner) in a forked child of a warm parent, with a time limit, and is classified:

* **clear error**: exit code 2 with a ``gutsleep: ...`` or usage message and no traceback; for a bad input file
  the message names the file (and the line, where there is one); otherwise it counts as an **unclear error**;
* **interrupted**: Ctrl-C gave exit code 130 and its one-line message;
* **accepted**: exit code 0 (expected for the valid-but-extreme cases);
* **crash**: a traceback / an unexpected exception or exit code;
* **hang**: still running after the time limit;
* **data loss**: a file that existed before the case (a user's file, or previous outputs that an interrupted
  or failed run must leave alone) is missing or changed afterwards.

Peak memory is the child's peak resident set above the parent's at the fork. Usage::

    python scripts/fuzz_inputs.py                 # everything, writes docs/reliability.md
    python scripts/fuzz_inputs.py --only spec     # one category, prints the table only
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MB = 300.0


@dataclass
class Case:
    """One fuzz case: files to create, the CLI arguments, what should happen and which files must survive."""

    category: str
    name: str
    args: list[str]
    files: dict[str, str | bytes] = field(default_factory=dict)
    expect: str = "reject"  # reject | accept | interrupt
    prepare: Callable[[Path], None] | None = None
    interrupt_after_s: float | None = None
    protected: tuple[str, ...] = ()
    """Paths (relative to the case folder, globs allowed) whose files must be unchanged afterwards."""


# ------------------------------------------------------------------ scenario corpus
SCENARIO = {
    "name": "fuzz", "days": 3, "seed": 1,
    "person": {"age": 35, "sex": "female", "bmi": 23},
    "habits": {"fiber_g": 15, "prebiotic_g": 0, "fermented_servings": 0, "probiotic_cfu": 0, "added_sugar_g": 70,
               "ultra_processed_share": 0.55, "emulsifier_g": 0, "alcohol_drinks": 0, "alcohol_time": "20:00",
               "water_l": 2, "protein_g": 80, "stress": 0.2, "bedtime": "23:00", "wake_time": "07:00",
               "meals": ["08:00", "13:00", "19:00"],
               "sweeteners": {"saccharin_mg": 0, "sucralose_mg": 0, "aspartame_mg": 0},
               "light": {"day_lux": 1000, "evening_lux": 100, "night_lux": 0, "evening_from": "21:00"}},
    "interventions": [{"start_day": 1, "set": {"fiber_g": 30}}],
    "events": [{"day": 1, "type": "sleep_deprivation"}],
}
NUMERIC = {  # dotted path -> (low, high)
    "days": (1, 3650), "seed": (0, 2**63 - 1), "person.age": (18, 100), "person.bmi": (15, 60),
    "habits.fiber_g": (0, 150), "habits.prebiotic_g": (0, 50), "habits.fermented_servings": (0, 20),
    "habits.probiotic_cfu": (0, 1e13), "habits.added_sugar_g": (0, 500), "habits.ultra_processed_share": (0, 1),
    "habits.emulsifier_g": (0, 30), "habits.alcohol_drinks": (0, 20), "habits.water_l": (0, 10),
    "habits.protein_g": (0, 400), "habits.stress": (0, 1), "habits.light.day_lux": (0, 150000),
    "habits.light.evening_lux": (0, 150000), "habits.light.night_lux": (0, 150000),
    "habits.sweeteners.saccharin_mg": (0, 5000), "habits.sweeteners.sucralose_mg": (0, 5000),
    "habits.sweeteners.aspartame_mg": (0, 5000), "interventions.0.start_day": (0, 2),
    "interventions.0.set.fiber_g": (0, 150), "events.0.day": (0, 2),
}
CLOCKS = ["habits.bedtime", "habits.wake_time", "habits.alcohol_time", "habits.light.evening_from",
          "habits.meals.0"]


def _yaml(value: Any) -> str:
    """Flow-style YAML of plain data (JSON is valid YAML)."""
    return json.dumps(value)


def _with(path: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.loads(json.dumps(base or SCENARIO))
    node: Any = data
    parts = path.split(".")
    for p in parts[:-1]:
        node = node[int(p)] if p.isdigit() else node[p]
    last = parts[-1]
    if last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return data


def _raw(path: str, literal: str, base: dict[str, Any] | None = None) -> str:
    """Scenario YAML with the value at ``path`` replaced by a raw YAML literal (e.g. ``.inf``)."""
    marker = "__FUZZ_MARKER__"
    return _yaml(_with(path, marker, base)).replace(f'"{marker}"', literal)


def alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "name: bomb\n" + "\n".join(lines) + "\n"


def simulate_case(name: str, text: str | bytes, expect: str = "reject", category: str = "scenario") -> Case:
    return Case(category, name, ["simulate", "case.yaml", "--out", "out", "--burn-in-days", "1"],
                {"case.yaml": text}, expect)


def scenario_cases() -> list[Case]:
    cases: list[Case] = []
    for path, (lo, hi) in NUMERIC.items():
        for label, literal in (
            ("below range", repr(lo - 1)), ("far above range", repr(hi * 10 + 10)), ("+inf", ".inf"),
            ("-inf", "-.inf"), ("nan", ".nan"), ("with unit", '"15 mg"'), ("boolean", "true"), ("list", "[1, 2]"),
            ("null", "null"),
        ):
            if path == "seed" and label == "far above range":
                literal = str(2**70)
            cases.append(simulate_case(f"{path}: {label}", _raw(path, literal)))
    for path in ("habits.fiber_g", "habits.water_l", "habits.stress", "habits.light.day_lux", "person.age"):
        cases.append(simulate_case(f"{path}: upper bound {NUMERIC[path][1]:g}", _raw(path, repr(NUMERIC[path][1])),
                                   "accept"))
    for path in CLOCKS:
        for label, literal in (("25:00", '"25:00"'), ("one digit hour", '"7:00"'), ("number", "700"),
                               ("words", '"noon"'), ("null", "null")):
            cases.append(simulate_case(f"{path}: {label}", _raw(path, literal)))
    structural = {
        "empty file": "", "top-level list": "- 1\n- 2\n", "top-level scalar": "42\n",
        "syntax error": "name: [unclosed\n", "tab indentation": "habits:\n\tfiber_g: 3\n",
        "duplicate key": "name: a\nname: b\n", "unknown top-level field": "name: a\nfibre: 3\n",
        "typo in habits": "habits: {fibre_g: 30}\n", "alias bomb (billion laughs)": alias_bomb(),
        "anchor and alias": "person: &p {age: 40}\nhabits: {fiber_g: 20}\nx: *p\n",
        "merge key": "base: &b {fiber_g: 20}\nhabits:\n  <<: *b\n",
        "300 levels of flow nesting": "name: deep\nhabits: " + "[" * 300 + "]" * 300 + "\n",
        "300 levels of block nesting": "".join("  " * i + f"k{i}:\n" for i in range(300)) + "  " * 300 + "1\n",
        "60,000 unknown keys": "".join(f"k{i}: {i}\n" for i in range(60_000)),
        "2,000 unknown keys (error list capped)": "".join(f"k{i}: {i}\n" for i in range(2_000)),
        "3 MB comment": "#" + "x" * (3 * 1024 * 1024) + "\n",
        "name with terminal escapes": 'name: "x\\e]0;owned\\a\\e[2J"\n',
        "name with rich markup": 'name: "[bold]x[/] [/]"\ndays: 3\n',
        "empty name": 'name: ""\n', "500-character name": f"name: {'n' * 500}\n",
        "end_day before start_day": "days: 10\ninterventions: [{start_day: 5, end_day: 2, set: {fiber_g: 3}}]\n",
        "start_day beyond days": "days: 10\ninterventions: [{start_day: 10, set: {fiber_g: 3}}]\n",
        "antibiotics without end_day": "days: 10\ninterventions: [{start_day: 1, antibiotics: broad_spectrum}]\n",
        "unknown antibiotic": "days: 10\ninterventions: [{start_day: 1, end_day: 3, antibiotics: penicillin}]\n",
        "set and antibiotics together": "days: 9\ninterventions: [{start_day: 1, end_day: 2, antibiotics: anaerobe,"
                                        " set: {fiber_g: 3}}]\n",
        "empty set": "days: 9\ninterventions: [{start_day: 1, set: {}}]\n",
        "null in set": "days: 9\ninterventions: [{start_day: 1, set: {fiber_g: null}}]\n",
        "jet lag without shift": "days: 9\nevents: [{day: 2, type: jet_lag}]\n",
        "jet lag of 0 h": "days: 9\nevents: [{day: 2, type: jet_lag, shift_hours: 0}]\n",
        "jet lag of 13 h": "days: 9\nevents: [{day: 2, type: jet_lag, shift_hours: 13}]\n",
        "jet lag of 0.1 h": "days: 9\nevents: [{day: 2, type: jet_lag, shift_hours: 0.1}]\n",
        "two jet lags on a day": "days: 9\nevents: [{day: 2, type: jet_lag, shift_hours: 2}, {day: 2, type: jet_lag,"
                                 " shift_hours: 3}]\n",
        "unknown event": "days: 9\nevents: [{day: 2, type: party}]\n",
        "bedtime equals wake time": 'habits: {bedtime: "23:00", wake_time: "23:00"}\n',
        "20-hour sleep window": 'habits: {bedtime: "20:00", wake_time: "16:00"}\n',
        "intervention makes a 30-minute night": 'days: 9\ninterventions: [{start_day: 2, set: {wake_time: "23:30"}}]\n',
        "9 meals": "habits: {meals: [" + ", ".join(f'"{h:02d}:00"' for h in range(6, 15)) + "]}\n",
        "duplicate meals": 'habits: {meals: ["08:00", "08:00"]}\n',
        "unknown sex": "person: {sex: other}\n",
        "binary garbage": bytes(range(256)) * 4,
        "not UTF-8": b"name: caf\xe9\n",
        "null bytes": b"name: a\x00b\n",
        "10,000 interventions": "days: 365\ninterventions:\n" + "".join(
            f"  - {{start_day: {i % 300}, end_day: {i % 300 + 3}, set: {{fiber_g: {10 + i % 5}}}}}\n"
            for i in range(10_000)),
    }
    structural.update({
        "parameters: unknown name": "days: 3\nparameters: {sws_gian: 2}\n",
        "parameters: out of range": "days: 3\nparameters: {sws_gain: 100}\n",
        "parameters: .inf": "days: 3\nparameters: {sws_gain: .inf}\n",
        "parameters: .nan": "days: 3\nparameters: {sws_gain: .nan}\n",
        "parameters: with unit": 'days: 3\nparameters: {sws_gain: "2 per h"}\n',
        "parameters: a person covariate": "days: 3\nparameters: {age_years: 40}\n",
        "parameters: not a mapping": "days: 3\nparameters: [sws_gain, 2]\n",
        "parameters: 5,000 unknown names": "days: 3\nparameters:\n" + "".join(f"  p{i}: 1\n" for i in range(5_000)),
        "parameters: valid": "days: 3\nparameters: {sws_gain: 2.5}\n",
    })
    for name, text in structural.items():
        expect = "accept" if name in ("name with rich markup", "parameters: valid") else "reject"
        if name == "10,000 interventions":
            expect = "reject"  # 60,000+ YAML values: over the node cap
        cases.append(simulate_case(name, text, expect))
    cases.append(simulate_case("1,000 interventions (linear validation)", "days: 4\ninterventions:\n" + "".join(
        f"  - {{start_day: {i % 4}, set: {{fiber_g: {10 + i % 5}}}}}\n" for i in range(1000)), "accept"))

    def special(kind: str) -> Callable[[Path], None]:
        def make(folder: Path) -> None:
            target = folder / "case.yaml"
            target.unlink(missing_ok=True)
            if kind == "fifo":
                os.mkfifo(target)
            elif kind == "folder":
                target.mkdir()
            elif kind == "dev-zero":
                target.symlink_to("/dev/zero")
            elif kind == "dev-null":
                target.symlink_to(os.devnull)
            elif kind == "sparse 50 MB":
                with target.open("wb") as f:
                    f.truncate(50 * 1024 * 1024)
        return make

    for kind in ("fifo", "folder", "dev-zero", "dev-null", "sparse 50 MB"):
        c = simulate_case(f"scenario file is {kind}", "")
        c.prepare = special(kind)
        cases.append(c)
    cases.append(Case("scenario", "missing scenario file", ["simulate", "nope.yaml", "--out", "out"]))
    return cases


# ------------------------------------------------------------------ spec corpus
POP = "name: fz\nsize: 4\nseed: 1\n"
TRIAL = """name: fz
population: {size: 2, seed: 3}
n_per_arm: 2
burn_in_days: 1
run_in_days: 2
baseline_days: 1
duration_days: 2
arms:
  - name: placebo
  - name: fiber
    interventions: [{start_day: 0, add: {fiber_g: 10}}]
primary: {column: tst_min, window_days: 1}
power: {sizes: [2], resamples: 20}
"""
OBS = """name: fz
population: {size: 3, seed: 2}
burn_in_days: 1
days: 2
window_days: 1
"""


def spec_cases() -> list[Case]:
    cases: list[Case] = []

    def cohort(name: str, text: str, expect: str = "reject") -> None:
        cases.append(Case("spec", f"population: {name}", ["cohort", "pop.yaml", "--days", "2", "--burn-in-days", "1",
                                                          "--out", "out"], {"pop.yaml": text}, expect))

    def trial(name: str, text: str, expect: str = "reject") -> None:
        cases.append(Case("spec", f"trial: {name}", ["trial", "trial.yaml", "--out", "out"], {"trial.yaml": text},
                          expect))

    def observe(name: str, text: str, expect: str = "reject") -> None:
        cases.append(Case("spec", f"observational: {name}", ["observe", "obs.yaml", "--out", "out"],
                          {"obs.yaml": text}, expect))

    for value in ("-1", "0", "100000000", ".inf", ".nan", "many", "2.5"):
        cohort(f"size {value}", POP.replace("size: 4", f"size: {value}"))
    cohort("seed -1", POP.replace("seed: 1", "seed: -1"))
    for dist in ("{dist: normal, mean: 45, sd: .inf}", "{dist: normal, mean: 45, sd: .nan}",
                 "{dist: normal, mean: 45, sd: -3}", "{dist: normal, mean: 45}", "{dist: weird, mean: 1}",
                 "{dist: lognormal, mean: -1, cv: 0.3}", "{dist: lognormal, mean: 40, cv: .inf}",
                 "{dist: uniform, low: 60, high: 20}", "{dist: discrete, values: []}",
                 "{dist: discrete, values: [30, 40], weights: [1]}", "{dist: discrete, values: [30], weights: [-1]}",
                 "{mean: 45, sd: 3}", '"45 years"', "true", "{dist: normal, mean: .inf, sd: 1}"):
        cohort(f"age {dist}", POP + f"person: {{age: {dist}}}\n")
    for habits in ("{fibre_g: 20}", "{fiber_g: {dist: normal, mean: 500, sd: 1}}", "{meals: 3}",
                   "{fiber_g: {dist: fixed, value: .nan}}", "{light.day_lux: -5}"):
        cohort(f"habits {habits}", POP + f"habits: {habits}\n")
    for corr in ("[{between: [age, bmi], rho: 1.5}]", "[{between: [age, bmi], rho: .nan}]",
                 "[{between: [age, nope], rho: 0.3}]", "[{between: [age, age], rho: 0.3}]",
                 "[{between: [age, bmi], rho: 0.99}, {between: [age, sex], rho: 0.99}, {between: [bmi, sex], "
                 "rho: -0.99}]"):
        cohort(f"correlations {corr}", POP + f"correlations: {corr}\n")
    for params in ("{vary: [nope]}", "{vary: [age_years]}", "{cv: {sws_gain: -1}}", "{cv: {sws_gain: .inf}}",
                   "{default_cv: 5}"):
        cohort(f"parameters {params}", POP + f"parameters: {params}\n")
    for sched in ('{bedtime: "25:00"}', "{time_in_bed_h: 20}", "{time_in_bed_h: {dist: normal, mean: 8, sd: .inf}}",
                  '{bedtime: {mean: "23:00", sd_h: 30}}',
                  "{meals: [" + ", ".join(f'"{h:02d}:00"' for h in range(6, 15)) + "]}"):
        cohort(f"schedule {sched}", POP + f"schedule: {sched}\n")
    cohort("alias bomb", alias_bomb())
    cohort("300 levels of nesting", "name: d\nhabits: " + "{a: " * 300 + "1" + "}" * 300 + "\n")
    cohort("valid minimum", POP, "accept")

    arms = TRIAL[TRIAL.index("arms:"):TRIAL.index("primary:")]
    mutations = {
        "one arm": TRIAL.replace("  - name: fiber\n    interventions: [{start_day: 0, add: {fiber_g: 10}}]\n", ""),
        "one bad arm name": TRIAL.replace("name: fiber", "name: fi ber"),
        "duplicate arm names": TRIAL.replace("name: fiber", "name: placebo"),
        "add fiber .inf": TRIAL.replace("fiber_g: 10", "fiber_g: .inf"),
        "add fiber 1e9": TRIAL.replace("fiber_g: 10", "fiber_g: 1e9"),
        "add unknown habit": TRIAL.replace("add: {fiber_g: 10}", "add: {fibre_g: 10}"),
        "set a bad clock": TRIAL.replace("add: {fiber_g: 10}", 'set: {bedtime: "24:00"}'),
        "set an impossible wake time": TRIAL.replace("add: {fiber_g: 10}", 'set: {wake_time: "23:30"}'),
        "set and add the same habit": TRIAL.replace("add: {fiber_g: 10}", "add: {fiber_g: 10}, set: {fiber_g: 5}"),
        "change beyond the trial": TRIAL.replace("start_day: 0", "start_day: 7"),
        "responder nan": TRIAL.replace("window_days: 1}", "window_days: 1, responder: {change_at_least: .nan}}"),
        "responder with both rules": TRIAL.replace(
            "window_days: 1}", "window_days: 1, responder: {change_at_least: 1, change_at_most: 2}}"),
        "unknown primary column": TRIAL.replace("column: tst_min", "column: happiness"),
        "window longer than the trial": TRIAL.replace("window_days: 1}", "window_days: 9}"),
        "baseline longer than the run-in": TRIAL.replace("baseline_days: 1", "baseline_days: 5"),
        "unknown reference arm": TRIAL + "reference_arm: nobody\n",
        "block size not a multiple": TRIAL + "randomisation: {method: block, block_size: 3}\n",
        "n_per_arm 1": TRIAL.replace("n_per_arm: 2", "n_per_arm: 1"),
        "noise sd .inf": TRIAL + "observation_noise: {sd: {tst_min: .inf}}\n",
        "noise on an unknown column": TRIAL + "observation_noise: {sd: {happiness: 1}}\n",
        "power alpha 0.9": TRIAL.replace("resamples: 20}", "resamples: 20, alpha: 0.9}"),
        "power resamples 5": TRIAL.replace("resamples: 20", "resamples: 5"),
        "population file is /dev/zero": TRIAL.replace("population: {size: 2, seed: 3}", "population: /dev/zero"),
        "population file is missing": TRIAL.replace("population: {size: 2, seed: 3}", "population: nope.yaml"),
        "population file is a folder": TRIAL.replace("population: {size: 2, seed: 3}", "population: ."),
        "population file is an alias bomb": TRIAL.replace("population: {size: 2, seed: 3}", "population: bomb.yaml"),
        "inline population with sd .inf": TRIAL.replace(
            "population: {size: 2, seed: 3}", "population: {size: 2, habits: {fiber_g: {dist: normal, mean: 15, sd: "
            ".inf}}}"),
        "arms not a list": TRIAL.replace(arms, "arms: placebo\n"),
        "duration 0": TRIAL.replace("duration_days: 2", "duration_days: 0"),
        "duration 100000": TRIAL.replace("duration_days: 2", "duration_days: 100000"),
    }
    for name, text in mutations.items():
        trial(name, text)
        if name == "population file is an alias bomb":
            cases[-1].files["bomb.yaml"] = alias_bomb()
    trial("valid minimum", TRIAL, "accept")
    for name, text in {
        "window longer than days": OBS.replace("window_days: 1", "window_days: 5"),
        "unknown exposure": OBS + "exposure: happiness\n",
        "unknown outcome": OBS + "outcomes: [happiness]\n",
        "unknown adjustment": OBS + "adjust: [shoe_size]\n",
        "size 2": OBS + "size: 2\n",
        "expected sign for a non-outcome": OBS + "expected: {shannon: positive}\n",
        "expected sign unknown": OBS + "expected: {tst_min: sideways}\n",
        "noise sd .nan": OBS + "observation_noise: {sd: {tst_min: .nan}}\n",
    }.items():
        observe(name, text)
    return cases


# ------------------------------------------------------------------ command-line options
def cli_cases() -> list[Case]:
    cases: list[Case] = []
    base_files = {"s.yaml": "name: s\ndays: 3\n", "pop.yaml": POP, "trial.yaml": TRIAL, "obs.yaml": OBS}

    def add(name: str, args: list[str], expect: str = "reject") -> None:
        cases.append(Case("cli", name, args, dict(base_files), expect))

    for value in ("-1", "1000000000", "abc", "4000"):
        add(f"simulate --burn-in-days {value}", ["simulate", "s.yaml", "--out", "out", "--burn-in-days", value])
    for value in ("inf", "nan", "-inf", "0", "-1", "0.1", "1e9", "abc"):
        add(f"simulate --timeseries-every-h {value}", ["simulate", "s.yaml", "--out", "out", "--burn-in-days", "1",
                                                      "--timeseries-every-h", value])
    add("simulate --timeseries-every-h 24 (valid)", ["simulate", "s.yaml", "--out", "out", "--burn-in-days", "1",
                                                      "--timeseries-every-h", "24"], "accept")
    one = ["simulate", "s.yaml", "--out", "out", "--burn-in-days", "1"]
    for value in ("0", "-1", "100000", "abc", "inf"):
        add(f"simulate --days {value}", [*one, "--days", value])
    for value in ("habits.fiber_g=900", "habits.fiber_g=inf", "habits.fiber_g", "habits.fibre_g=3", "nope=1",
                  "parameters.sws_gain=100", "parameters.sws_gain=nan", "parameters.sws_gian=2",
                  "parameters.age_years=40", "person.age=abc", "=3", "days=0", "interventions.0.start_day=1"):
        add(f"simulate --set {value}", [*one, "--set", value])
    add("simulate --days 2 --set habits.fiber_g=30 (valid)", [*one, "--days", "2", "--set", "habits.fiber_g=30"],
        "accept")
    add("simulate an unknown example name", ["simulate", "no-such-example", "--out", "out"])
    add("compare --set-b parameters.sws_gain=-1", ["compare", "s.yaml", "s.yaml", "--out", "out", "--burn-in-days",
                                                    "1", "--set-b", "parameters.sws_gain=-1"])
    add("compare --days 0", ["compare", "s.yaml", "s.yaml", "--out", "out", "--days", "0"])
    add("examples --kind nope", ["examples", "--kind", "nope"])
    add("params --format nope", ["params", "--format", "nope"])
    add("cohort --format nope", [*["cohort", "pop.yaml", "--out", "out", "--days", "2"], "--format", "xml"])
    add("compare --burn-in-days 1e9", ["compare", "s.yaml", "s.yaml", "--out", "out", "--burn-in-days",
                                       "1000000000"])
    add("explain --burn-in-days -5", ["explain", "s.yaml", "s.yaml", "--out", "out", "--burn-in-days", "-5"])
    add("demo --burn-in-days 1e9", ["demo", "--out", "out", "--burn-in-days", "1000000000"])
    add("export sbml --days 0", ["export", "sbml", "m.xml", "--days", "0"])
    add("export sbml --days 100000", ["export", "sbml", "m.xml", "--days", "100000"])
    add("export sbml --burn-in-days 1e9", ["export", "sbml", "m.xml", "--burn-in-days", "1000000000"])
    cohort = ["cohort", "pop.yaml", "--out", "out", "--days", "2", "--burn-in-days", "1"]
    for option, values in {"--days": ("0", "-3", "100000"), "--size": ("0", "100000000000"),
                           "--burn-in-days": ("-1", "1000000000"), "--summary-days": ("0", "100000"),
                           "--workers": ("0", "-2", "100000"), "--chunk-size": ("0", "1000000000"),
                           "--threads": ("0", "100000"), "--retries": ("-1", "1000000")}.items():
        for value in values:
            args = [a for a in cohort]
            if option in args:
                i = args.index(option)
                args[i + 1] = value
            else:
                args += [option, value]
            add(f"cohort {option} {value}", args)
    add("cohort --resume and --overwrite", [*cohort, "--resume", "--overwrite"])
    add("cohort --scheduler tcp://127.0.0.1:1 (nothing listens)", [*cohort, "--scheduler", "tcp://127.0.0.1:1"])
    add("cohort --scheduler not-an-address", [*cohort, "--scheduler", "not-an-address"])
    add("trial --n-per-arm 1", ["trial", "trial.yaml", "--out", "out", "--n-per-arm", "1"])
    add("trial --n-per-arm 1e9", ["trial", "trial.yaml", "--out", "out", "--n-per-arm", "1000000000"])
    add("observe --size 2", ["observe", "obs.yaml", "--out", "out", "--size", "2"])
    add("observe --size 1e12", ["observe", "obs.yaml", "--out", "out", "--size", "1000000000000"])
    sens = ["sensitivity", "--out", "out", "--days", "2", "--window-days", "1", "--burn-in-days", "1"]
    for args, name in (
        (["--n", "1"], "--n 1"), (["--n", "1000000000"], "--n 1e9"), (["--n", "3"], "--n 3 (Sobol needs 2^k)"),
        (["--n", "65536", "--params", "all"], "--n 65536 --params all"), (["--method", "fast"], "--method fast"),
        (["--outcome", "happiness"], "--outcome happiness"), (["--params", "nope"], "--params nope"),
        (["--params", "age_years"], "--params age_years"), (["--top", "0"], "--top 0"),
        (["--seed", "-1"], "--seed -1"), (["--window-days", "5"], "--window-days beyond --days"),
        (["--days", "0"], "--days 0"), (["--scenario", "nope.yaml"], "--scenario missing"),
    ):
        add(f"sensitivity {name}", [*sens, *args])
    add("unknown command", ["simulat", "s.yaml"])
    add("params --module nope", ["params", "--module", "nope"])
    add("evidence --only nope", ["evidence", "--only", "nope"])
    add("evidence --report below a file", ["evidence", "--fast", "--report", "s.yaml/r.html"])
    return cases


# ------------------------------------------------------------------ output paths
def _gutsleep_folder(path: Path, files: dict[str, str]) -> None:
    from gutsleep.apps.outputs import OutputFolder

    with OutputFolder.open(path, command="simulate") as folder:
        for rel, text in files.items():
            folder.path(rel).write_text(text)


def output_cases() -> list[Case]:
    files = {"s.yaml": "name: s\ndays: 3\n", "pop.yaml": POP, "keep.txt": "user data"}
    sim = ["simulate", "s.yaml", "--burn-in-days", "1", "--out"]
    cases = [
        Case("output", "--out is an existing file", [*sim, "keep.txt"], dict(files), protected=("keep.txt",)),
        Case("output", "--out is /dev/null", [*sim, os.devnull], dict(files)),
        Case("output", "--out below a file", [*sim, "keep.txt/out"], dict(files), protected=("keep.txt",)),
        Case("output", "--out is a dangling link", [*sim, "link"], dict(files),
             prepare=lambda d: (d / "link").symlink_to(d / "nowhere")),
        Case("output", "--out is a user's folder", [*sim, "mine"], {**files, "mine/thesis.docx": "precious"},
             protected=("mine/thesis.docx",)),
        Case("output", "--out is a user's folder, --force", [*sim, "mine", "--force"],
             {**files, "mine/thesis.docx": "precious"}, "accept", protected=("mine/thesis.docx",)),
        Case("output", "--force with the user's own report.html", [*sim, "mine", "--force"],
             {**files, "mine/report.html": "my own report"}, protected=("mine/report.html",)),
        Case("output", "--force with the user's manifest.json", [*sim, "mine", "--force"],
             {**files, "mine/manifest.json": "{}"}, protected=("mine/manifest.json",)),
        Case("output", "previous gutsleep output with a user's notes", [*sim, "prev"], dict(files), "accept",
             prepare=lambda d: (_gutsleep_folder(d / "prev", {"report.html": "old", "old.csv": "old"}),
                                (d / "prev" / "notes.md").write_text("notes")),
             protected=("prev/notes.md",)),
        Case("output", "previous output whose report.html the user edited", [*sim, "prev"], dict(files),
             prepare=lambda d: (_gutsleep_folder(d / "prev", {"report.html": "old"}),
                                (d / "prev" / "report.html").write_text("edited by the user, longer")),
             protected=("prev/report.html",)),
        Case("output", "forged manifest pointing outside", [*sim, "prev"], dict(files), "accept",
             prepare=lambda d: _forge(d), protected=("keep.txt",)),
        Case("output", "stray temporary folder of a killed run", [*sim, "out"], dict(files), "accept",
             prepare=lambda d: (d / ".out.gutsleep-tmp-999999999-deadbeef" / "x").mkdir(parents=True)),
        Case("output", "cohort --overwrite with a user's file in chunks/",
             ["cohort", "pop.yaml", "--days", "2", "--burn-in-days", "1", "--out", "run", "--overwrite"],
             dict(files), "accept", prepare=lambda d: _cohort_run(d), protected=("run/chunks/my_thesis_data.csv",)),
        Case("output", "cohort into a finished run without a flag",
             ["cohort", "pop.yaml", "--days", "2", "--burn-in-days", "1", "--out", "run"], dict(files),
             prepare=lambda d: _cohort_run(d), protected=("run/chunks/my_thesis_data.csv", "run/*.parquet")),
        Case("output", "cohort --resume of a finished run",
             ["cohort", "pop.yaml", "--days", "2", "--burn-in-days", "1", "--out", "run", "--resume"], dict(files),
             "accept", prepare=lambda d: _cohort_run(d), protected=("run/chunks/my_thesis_data.csv",)),
        Case("output", "cohort --out is a file", ["cohort", "pop.yaml", "--days", "2", "--out", "keep.txt"],
             dict(files), protected=("keep.txt",)),
        Case("output", "equations --out is a folder", ["equations", "--out", "."], dict(files)),
        Case("output", "equations --out below a file", ["equations", "--out", "keep.txt/eq.md"], dict(files),
             protected=("keep.txt",)),
        Case("output", "export sbml below a file", ["export", "sbml", "keep.txt/m.xml"], dict(files),
             protected=("keep.txt",)),
        Case("output", "explain --out is a file", ["explain", "s.yaml", "s.yaml", "--out", "keep.txt"], dict(files),
             protected=("keep.txt",)),
        Case("output", "sensitivity --out is a file", ["sensitivity", "--out", "keep.txt", "--days", "2"],
             dict(files), protected=("keep.txt",)),
    ]
    if os.geteuid() != 0:
        cases.append(Case("output", "--out in a read-only folder", [*sim, "ro/out"], dict(files),
                          prepare=lambda d: ((d / "ro").mkdir(), (d / "ro").chmod(0o555))))
    return cases


def _forge(folder: Path) -> None:
    _gutsleep_folder(folder / "prev", {"a.csv": "1"})
    manifest = json.loads((folder / "prev" / "manifest.json").read_text())
    st = os.stat(folder / "keep.txt")
    manifest["files"]["../keep.txt"] = {"bytes": st.st_size, "mtime_ns": st.st_mtime_ns}
    (folder / "prev" / "manifest.json").write_text(json.dumps(manifest))


def _cohort_run(folder: Path) -> None:
    from typer.testing import CliRunner

    import gutsleep.cli as cli

    result = CliRunner().invoke(cli.app, ["cohort", str(folder / "pop.yaml"), "--days", "2", "--burn-in-days", "1",
                                          "--out", str(folder / "run")])
    assert result.exit_code == 0, result.output
    (folder / "run" / "chunks" / "my_thesis_data.csv").write_text("two years of work")


# ------------------------------------------------------------------ interrupts
def interrupt_cases() -> list[Case]:
    long = "name: long\ndays: 3650\n"
    big_trial = TRIAL.replace("n_per_arm: 2", "n_per_arm: 150").replace("duration_days: 2", "duration_days: 60")
    files = {"long.yaml": long, "s.yaml": "name: s\ndays: 3\n", "keep.txt": "user data",
             "pop.yaml": "name: big\nsize: 400\nseed: 2\n", "trial.yaml": big_trial}
    prev = {"report.html": "previous run", "nightly.csv": "previous nights"}

    def with_previous(folder: Path) -> None:
        _gutsleep_folder(folder / "out", prev)

    cases = []
    for after in (0.3, 1.5, 4.0):
        cases.append(Case("interrupt", f"Ctrl-C {after} s into simulate", ["simulate", "long.yaml", "long.yaml",
                                                                           "--out", "out"], dict(files), "interrupt",
                          with_previous, after, ("out/*", "keep.txt")))
    cases.append(Case("interrupt", "Ctrl-C into compare", ["compare", "long.yaml", "long.yaml", "--out", "out"],
                      dict(files), "interrupt", with_previous, 2.0, ("out/*",)))
    cases.append(Case("interrupt", "Ctrl-C into explain", ["explain", "long.yaml", "long.yaml", "--out", "out"],
                      dict(files), "interrupt", with_previous, 2.0, ("out/*",)))
    for after in (1.0, 6.0):
        cases.append(Case("interrupt", f"Ctrl-C {after} s into a cohort", ["cohort", "pop.yaml", "--days", "60",
                                                                         "--chunk-size", "20", "--out", "out",
                                                                         "--overwrite"],
                          dict(files), "interrupt", with_previous, after, ("out/*",)))
    cases.append(Case("interrupt", "Ctrl-C into a trial", ["trial", "trial.yaml", "--out", "out", "--chunk-size", "30",
                                                           "--overwrite"],
                      dict(files), "interrupt", with_previous, 4.0, ("out/*",)))
    cases.append(Case("interrupt", "Ctrl-C into sensitivity", ["sensitivity", "--out", "out", "--overwrite",
                                                               "--method", "morris", "--n", "20", "--days", "60"],
                      dict(files), "interrupt", with_previous, 3.0, ("out/*",)))
    cases.append(Case("interrupt", "Ctrl-C into export sbml", ["export", "sbml", "model.xml", "--scenario",
                                                               "long.yaml"],
                      {**files, "model.xml": "previous export"}, "interrupt", None, 1.0, ("model.xml",)))
    return cases


CATEGORIES: dict[str, Callable[[], list[Case]]] = {
    "scenario": scenario_cases, "spec": spec_cases, "cli": cli_cases, "output": output_cases,
    "interrupt": interrupt_cases,
}
TITLES = {"scenario": "scenario files", "spec": "population / trial / observational specs",
          "cli": "command-line options", "output": "output paths and folders", "interrupt": "interrupts (Ctrl-C)"}


# ------------------------------------------------------------------ running
def _protected(folder: Path, patterns: tuple[str, ...]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for pattern in patterns:
        for p in folder.glob(pattern):
            if p.is_file():
                found[str(p.relative_to(folder))] = p.read_bytes()
    return found


def _child(case: Case, folder: str, conn: Any, base_rss_kb: int) -> None:
    from typer.testing import CliRunner

    import gutsleep.cli as cli

    os.chdir(folder)
    if case.interrupt_after_s is not None:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as on a terminal, also from a background job
        threading.Timer(case.interrupt_after_s, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    t0 = time.perf_counter()
    result = CliRunner().invoke(cli.app, case.args)
    seconds = time.perf_counter() - t0
    exc = result.exception
    crash = None
    if exc is not None and not isinstance(exc, SystemExit):
        import traceback

        crash = "".join(traceback.format_exception(exc)).splitlines()[-1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    conn.send({"exit": result.exit_code, "output": result.output[-4000:], "crash": crash, "seconds": seconds,
               "mb": max(0.0, (peak - base_rss_kb) / 1024.0)})
    conn.close()
    os._exit(0)


def _prepare_in_child(case: Case, folder: str) -> None:
    assert case.prepare is not None
    case.prepare(Path(folder))


def run_case(case: Case, timeout: float) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="gutsleep-fuzz-"))
    try:
        for rel, content in case.files.items():
            p = folder / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(content if isinstance(content, bytes) else content.encode())
        ctx = mp.get_context("fork")
        if case.prepare is not None:  # in a child too: the parent must never start OpenMP threads before forking
            prep = ctx.Process(target=_prepare_in_child, args=(case, str(folder)))
            prep.start()
            prep.join(timeout)
            if prep.is_alive():
                prep.kill()
            if prep.exitcode != 0:
                raise RuntimeError(f"preparing {case.name!r} failed")
        before = _protected(folder, case.protected)
        parent, child = ctx.Pipe(duplex=False)
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        proc = ctx.Process(target=_child, args=(case, str(folder), child, base))
        t0 = time.perf_counter()
        proc.start()
        child.close()
        got = None
        if parent.poll(timeout):
            try:
                got = parent.recv()
            except EOFError:
                got = None
        proc.join(5)
        hung = got is None and time.perf_counter() - t0 >= timeout
        if proc.is_alive():
            proc.kill()
            proc.join()
        after = _protected(folder, case.protected)
        lost = sorted(k for k in before if after.get(k) != before[k])
        if case.expect == "interrupt" and got is not None and got["exit"] == 0:
            lost = []  # finished before the signal: replacing the previous outputs was the job
        out = {"case": case, "hang": hung, "lost": lost}
        if got is None:
            out.update(exit=None, output="", crash=None if hung else f"child died (exit {proc.exitcode})",
                       seconds=time.perf_counter() - t0, mb=float("nan"))
        else:
            out.update(got)
        out["output"] = str(out["output"]).replace(str(folder) + "/", "").replace(str(folder), ".")
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def classify(r: dict[str, Any]) -> str:
    if r["hang"]:
        return "hang"
    if r["lost"]:
        return "data loss"
    text = r["output"]
    if r["crash"] or "Traceback" in text or r["exit"] not in (0, 1, 2, 130):
        return "crash"
    if r["exit"] == 0:
        return "accepted"
    if r["exit"] == 130:
        return "interrupted" if "interrupted" in text else "crash"
    if not text.strip():
        return "crash"
    if r["case"].category in ("scenario", "spec") and not re.search(r"[\w.-]+\.yaml(:\d+)?: ", text):
        return "unclear error"  # an input-file problem must name the file (and the line, where there is one)
    return "clear error"


def expected(r: dict[str, Any], kind: str) -> bool:
    case: Case = r["case"]
    if case.expect == "reject":
        return kind == "clear error"
    if case.expect == "accept":
        return kind == "accepted"
    return kind in ("interrupted", "accepted")  # a run may finish before the signal


def first_line(text: str) -> str:
    """The message a user reads first (for a list of problems: its first problem)."""
    lines = text.splitlines()
    verdicts = ("gutsleep: error", "gutsleep: simulation failed", "gutsleep: interrupted", "error: ")
    start = next((i for i, line in enumerate(lines) if line.startswith(verdicts)), 0)  # not the progress lines
    for i, line in enumerate(lines[start:], start):
        if line.startswith(("gutsleep: ", "error: ")):
            if line.rstrip().endswith(":") and " in " in line and i + 1 < len(lines):
                return lines[i + 1].strip()[:110]
            return line.strip()[:110]
    for line in text.splitlines():
        line = line.strip().strip("│").strip()
        if line and not line.startswith(("Usage:", "Try ", "╭", "╰")):
            return line[:110]
    return ""


def markdown(results: list[dict[str, Any]], scaling: list[tuple[int, float]], total_s: float) -> str:
    import gutsleep
    from gutsleep.scenario.yamlio import MAX_DEPTH, MAX_INPUT_BYTES, MAX_LISTED_PROBLEMS, MAX_NODES

    kinds = ["clear error", "unclear error", "accepted", "interrupted", "crash", "hang", "data loss"]
    rows = []
    for cat in [*CATEGORIES, "all"]:
        mine = [r for r in results if cat == "all" or r["case"].category == cat]
        if not mine:
            continue
        counts = {k: sum(1 for r in mine if r["kind"] == k) for k in kinds}
        slow = max(r["seconds"] for r in mine)
        reject_slow = max((r["seconds"] for r in mine if r["case"].expect == "reject"), default=0.0)
        mb = max((r["mb"] for r in mine if r["mb"] == r["mb"]), default=0.0)
        ok = sum(1 for r in mine if r["ok"])
        rows.append(f"| {TITLES.get(cat, '**all**')} | {len(mine)} | {ok} | " + " | ".join(
            str(counts[k]) for k in kinds) + f" | {reject_slow:.1f} | {slow:.1f} | {mb:.0f} |")
    lines = [
        "# Reliability: hostile input, output safety, interrupts",
        "",
        f"Generated by `python scripts/fuzz_inputs.py` (gutsleep {gutsleep.__version__}; {len(results)} cases in "
        f"{total_s:.0f} s). Re-run it to re-measure; every case is generated by the script.",
        "",
        "Each case runs the real command line in a forked child with a time limit. *clear error*: exit code 2 with "
        "a message and no traceback, naming the file (and line, where there is one) for a bad input file "
        "(*unclear error* otherwise); *accepted*: exit code 0 "
        "(expected for valid extreme inputs); *interrupted*: Ctrl-C gave exit code 130 and its one-line message; "
        "*crash*: a traceback or an unexpected exit code; *hang*: still running at the time limit; *data loss*: a "
        "file that existed before the case (a user's file or the previous outputs) was missing or changed after it. "
        f"Memory is the child's peak resident set above the warm parent's (limit {LIMIT_MB:.0f} MB).",
        "",
        "| inputs | cases | as expected | clear error | unclear error | accepted | interrupted | crash | hang | "
        "data loss | slowest refusal (s) | slowest case (s) | most memory (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        "Caps behind these numbers (`gutsleep.scenario.yamlio`): input files must be regular files of at most "
        f"{MAX_INPUT_BYTES // 1024 // 1024} MB; at most {MAX_NODES:,} YAML values and {MAX_DEPTH} levels of "
        f"nesting; anchors and aliases are refused; error lists show {MAX_LISTED_PROBLEMS} problems and count the "
        "rest. Output folders: see `gutsleep.apps.outputs` (manifest-guarded replacement, staging folder committed "
        "whole).",
        "",
        "Scenario validation is linear in the number of interventions (best of 3):",
        "",
        "| interventions | validation (s) | per intervention (ms) |",
        "|---:|---:|---:|",
        *[f"| {n:,} | {s:.3f} | {1000 * s / n:.3f} |" for n, s in scaling],
        "",
    ]
    bad = [r for r in results if not r["ok"]]
    lines += ["## Cases not as expected", ""]
    if bad:
        lines += ["| inputs | case | expected | got | exit | first line of output |", "|---|---|---|---|---:|---|"]
        for r in bad:
            c = r["case"]
            lines.append(f"| {c.category} | {c.name} | {c.expect} | {r['kind']} | {r['exit']} | "
                         f"{_cell(r['crash'] or first_line(r['output']))} |")
    else:
        lines.append("None.")
    lines += ["", "## Every case", "", "| inputs | case | expected | got | s | MB | first line of output |",
              "|---|---|---|---|---:|---:|---|"]
    for r in results:
        c = r["case"]
        mb = "-" if r["mb"] != r["mb"] else f"{r['mb']:.0f}"
        lines.append(f"| {c.category} | {_cell(c.name)} | {c.expect} | {r['kind']} | {r['seconds']:.1f} | {mb} | "
                     f"{_cell(r['crash'] or first_line(r['output']))} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    from gutsleep.apps.guards import clean

    return clean(text).replace("|", "\\|").replace("\n", " ")


def validation_scaling() -> list[tuple[int, float]]:
    from gutsleep.scenario import Scenario

    out = []
    for n in (1_000, 4_000, 16_000):
        ivs = [{"start_day": i % 3000, "end_day": i % 3000 + 30, "set": {"fiber_g": 10 + i % 5, "bedtime": "22:30"}}
               for i in range(n)]
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            Scenario.model_validate({"days": 3650, "interventions": ivs})
            best = min(best, time.perf_counter() - t0)
        out.append((n, best))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=list(CATEGORIES), action="append")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a case counts as a hang")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reliability.md")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    # warm parent: children fork with everything imported
    import gutsleep.cli
    import gutsleep.cohort.runs  # noqa: F401

    cats = args.only or list(CATEGORIES)
    cases = [c for cat in cats for c in CATEGORIES[cat]()]
    t0 = time.perf_counter()
    results = []
    for i, case in enumerate(cases):
        r = run_case(case, args.timeout)
        r["kind"] = classify(r)
        if r["kind"] in ("clear error", "accepted") and r["mb"] == r["mb"] and r["mb"] > LIMIT_MB:
            r["kind"] = "hang"  # unbounded memory counts with the hangs
        r["ok"] = expected(r, r["kind"])
        results.append(r)
        mark = "ok " if r["ok"] else "BAD"
        print(f"{mark} {i + 1:>3}/{len(cases)} [{case.category}] {case.name}: {r['kind']} ({r['seconds']:.1f} s, "
              f"{r['mb']:.0f} MB) {first_line(r['output'])[:70]}", flush=True)
    scaling = validation_scaling()
    text = markdown(results, scaling, time.perf_counter() - t0)
    if args.only:
        print(text.split("## Cases not as expected")[0])
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    sys.exit(0 if all(r["ok"] for r in results) else 1)


if __name__ == "__main__":
    main()
