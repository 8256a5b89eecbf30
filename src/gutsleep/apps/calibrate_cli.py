"""``gutsleep calibrate``: fit free parameters jointly to the calibration experiments; write a parameter set.

Light to import (numpy, scipy, emcee and the model are imported when the command runs)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from gutsleep.apps import ui

DEFAULT_FOLDER = Path("parameter-sets")


LABELS = {"fit": "point estimate (iterations)", "sample": "posterior (emcee steps)",
          "laplace": "posterior (Laplace approximation)"}


def _progress():
    """``progress(phase, done, total, detail)``: a rich bar on a terminal, plain log lines otherwise."""
    t0 = time.perf_counter()
    state: dict[str, object] = {}

    def plain(phase: str, done: int, total: int, detail: str) -> None:
        ui.info(f"calibrate: {LABELS.get(phase, phase)} {done}/{total}: {detail} "
                f"({time.perf_counter() - t0:.1f} s)")

    if not ui.interactive() or ui.verbosity() < ui.NORMAL:
        return plain if ui.verbosity() >= ui.NORMAL else None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[d]}"),
                   TimeElapsedColumn(), console=ui.err_console(), transient=True)

    def rich(phase: str, done: int, total: int, detail: str) -> None:
        label = LABELS.get(phase, phase)
        if phase not in state:
            state[phase] = bar.add_task(label, total=total, d="")
        bar.update(state[phase], completed=done, total=total, d=detail)  # type: ignore[arg-type]

    return rich, bar


def calibrate_command(
    quick: Annotated[bool, typer.Option("--quick", help="the small declared subset (3 parameters, 3 targets, few "
                                                        "iterations; about a minute, as in CI)")] = False,
    problem_name: Annotated[str, typer.Option("--problem", help="declared problem: default or quick")] = "default",
    name: Annotated[str | None, typer.Option("--name", help="parameter set name (file <name>.yaml; default: the "
                                                            "problem's name)")] = None,
    out: Annotated[Path, typer.Option("--out", help="folder of parameter sets")] = DEFAULT_FOLDER,
    iterations: Annotated[int | None, typer.Option("--iterations", min=0, max=10_000,
                                                   help="least-squares iterations (Jacobians)")] = None,
    walkers: Annotated[int | None, typer.Option("--walkers", min=2, max=10_000, help="emcee walkers")] = None,
    steps: Annotated[int | None, typer.Option("--steps", min=0, max=100_000,
                                              help="emcee steps (0: point estimate only)")] = None,
    burn: Annotated[int | None, typer.Option("--burn", min=0, max=100_000, help="steps discarded as burn-in")] = None,
    max_draws: Annotated[int, typer.Option("--draws", min=0, max=100_000,
                                           help="posterior draws kept in the set (thinned)")] = 400,
    posterior: Annotated[str | None, typer.Option("--posterior", help="emcee (ensemble sampler, --walkers x "
                                                                     "--steps) or laplace (normal approximation at "
                                                                     "the estimate from one Jacobian, --draws draws); "
                                                                     "default: the problem's")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="random seed of the sampler")] = 12,
    workers: Annotated[int, typer.Option("--workers", min=1, max=256,
                                         help="processes evaluating batches of parameter sets")] = 1,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=1024,
                                            help="parameter sets simulated together in one batched run")] = 16,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="address of an existing dask scheduler "
                                                                      "(e.g. tcp://HOST:8786): batches run on its "
                                                                      "workers (cohort extra)")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="continue an interrupted calibration of this name")] = False,
    force: Annotated[bool, typer.Option("--force", help="replace an existing parameter set (and discard a saved, "
                                                        "interrupted state)")] = False,
) -> None:
    """Fit the declared free parameters (priors from their plausible ranges and sources) jointly to every
    calibration experiment, weighted by each target's tolerance; write parameter-sets/<name>.yaml (point estimate,
    posterior draws, fit statistics, targets, gutsleep version and model hash) and <name>.html (the fit report)."""
    from gutsleep.apps.guards import clean
    from gutsleep.apps.outputs import OutputError, check_output_file, write_file_atomic

    problem_name = "quick" if quick else problem_name
    try:
        from gutsleep.calibrate.problem import problem

        prob = problem(problem_name)
    except (KeyError, ValueError) as err:
        typer.echo(f"gutsleep: error: {clean(err.args[0] if err.args else err)}", err=True)
        raise typer.Exit(ui.EXIT_INVALID) from None
    name = name or prob.name
    if not name.replace("-", "").replace("_", "").isalnum():
        typer.echo(f"gutsleep: error: --name {clean(name)!r}: use letters, digits, - and _", err=True)
        raise typer.Exit(ui.EXIT_INVALID)
    target = out / f"{name}.yaml"
    report = out / f"{name}.html"
    state_path = out / f".{name}.calibrate-state.npz"
    try:
        check_output_file(target, "parameter set")
        check_output_file(report, "calibration report")
        for path in (target, report):
            if path.exists() and not force:
                raise OutputError(f"{path} exists; use --force to replace it (or choose another --name)")
        if state_path.exists() and not (resume or force):
            raise OutputError(f"an interrupted calibration of {name!r} is saved in {state_path}; use --resume to "
                              f"continue it or --force to start over")
    except OutputError as err:
        typer.echo(f"gutsleep: error: {clean(err)}", err=True)
        raise typer.Exit(ui.EXIT_INVALID) from None
    s = prob.settings
    iterations = s["iterations"] if iterations is None else iterations
    walkers = s["walkers"] if walkers is None else walkers
    steps = s["steps"] if steps is None else steps
    burn = s["burn"] if burn is None else burn
    posterior = s.get("posterior", "emcee") if posterior is None else posterior
    if posterior not in ("emcee", "laplace"):
        typer.echo(f"gutsleep: error: --posterior {clean(posterior)!r}: use emcee or laplace", err=True)
        raise typer.Exit(ui.EXIT_INVALID)
    if posterior == "emcee" and steps and burn >= steps:
        typer.echo(f"gutsleep: error: --burn {burn} must be below --steps {steps}", err=True)
        raise typer.Exit(ui.EXIT_INVALID)
    command = (f"gutsleep calibrate --problem {prob.name} --name {name} --iterations {iterations} --walkers {walkers} "
               f"--steps {steps} --burn {burn} --posterior {posterior} --draws {max_draws} --seed {seed}")
    with ui.clean_errors():
        from gutsleep.apps.metadata import model_hash
        from gutsleep.calibrate.document import build_document
        from gutsleep.calibrate.evaluate import Evaluator
        from gutsleep.calibrate.fit import CalibrationError, run_calibration
        from gutsleep.calibrate.paramset import write_parameter_set
        from gutsleep.calibrate.report import fit_report

        if ui.compile_pending():
            ui.info(ui.COMPILE_NOTICE)
        ui.info(f"calibrate {prob.name}: {len(prob.free)} free parameters, {len(prob.targets)} targets "
                f"({prob.description}); state saved after every iteration in {state_path}")
        progress, bar = _progress()
        try:
            with Evaluator(prob, batch_size=batch_size, workers=workers, scheduler=scheduler) as evaluate:
                if bar is not None:
                    bar.start()
                try:
                    state = run_calibration(prob, state_path, resume=resume, iterations=iterations, walkers=walkers,
                                            steps=steps, seed=seed, evaluator=evaluate, model_hash=model_hash(),
                                            progress=progress, posterior=posterior, draws=max_draws)
                finally:
                    if bar is not None:
                        bar.stop()
                with ui.phase("measuring the targets at the estimate and at the defaults"):
                    doc = build_document(prob, state, name=name, command=command, burn=burn, max_draws=max_draws,
                                         walkers=walkers, steps=steps, evaluate=evaluate)
        except CalibrationError as err:
            typer.echo(f"gutsleep: error: {clean(err)}", err=True)
            raise typer.Exit(ui.EXIT_INVALID) from None
        with ui.phase(f"writing the fit report to {report}"):
            html_written = write_file_atomic(report, fit_report(doc), "calibration report")
        written = write_parameter_set(target, doc, force=force)
        state_path.unlink(missing_ok=True)
    fit = doc["fit"]
    if ui.verbosity() >= ui.NORMAL:
        typer.echo(f"{name}: chi2 {fit['chi2']:.3g} (at the defaults {fit['chi2_at_defaults']:.3g}) over "
                   f"{fit['targets']} targets, {fit['targets_in_band']} within their band; "
                   f"{fit['free_parameters']} parameters, {fit.get('draws', 0)} posterior draws")
        for pname, entry in doc["parameters"].items():
            post = entry.get("posterior")
            interval = f", 90 % {post['q05']:.4g} to {post['q95']:.4g}" if post else ""
            typer.echo(f"  {pname}: {entry['default']:.4g} -> {entry['estimate']:.4g}{interval}; identified: "
                       f"{entry['identified']}")
    ui.info(f"parameter set written to {written}; fit report {html_written}")


def register(app: typer.Typer) -> None:
    """Add ``calibrate`` to the main CLI."""
    app.command("calibrate")(calibrate_command)
