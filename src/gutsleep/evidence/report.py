"""Tables and the self-contained HTML report of an evidence run."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gutsleep.evidence.findings import load_findings
from gutsleep.evidence.framework import Measured, Result
from gutsleep.model import build_model
from gutsleep.outcomes.columns import min_span
from gutsleep.report.html import figure_html, footer_text, new_figure, page, set_min_span, table_html

VERDICT_COLOUR = {"PASS": "#2ca02c", "FAIL": "#d62728", "CONTESTED": "#ff7f0e", "ERROR": "#7f7f7f"}


def results_table(results: Sequence[Result]) -> pd.DataFrame:
    """id, claim, expected, measured, verdict (plus species and role) for printing and the report."""
    rows = []
    for r in results:
        e = r.experiment
        measured = "" if r.measured is None else f"{r.value:.4g} {e.unit}"
        rows.append({"id": e.id, "claim": e.claim, "expected": f"{e.expected} {e.unit}".strip(),
                     "measured": measured, "verdict": r.verdict,
                     "species": e.species if not e.translation else f"{e.species} -> human model",
                     "role": e.role or "(none)"})
    return pd.DataFrame(rows, columns=["id", "claim", "expected", "measured", "verdict", "species", "role"])


ROLE_ORDER = ("validation", "calibration", "(none)")
ROLE_TITLE = {"validation": "Validation (the model was not tuned to these)",
              "calibration": "Calibration (parameters were set from these)", "(none)": "No role declared"}


def by_role(results: Sequence[Result]) -> dict[str, list[Result]]:
    """Results grouped by the experiments' role, validation first (roles without results are left out)."""
    groups: dict[str, list[Result]] = {role: [] for role in ROLE_ORDER}
    for r in results:
        groups[r.experiment.role or "(none)"].append(r)
    return {role: rs for role, rs in groups.items() if rs}


def verdict_counts(results: Sequence[Result]) -> str:
    """``29 experiments: PASS 24, FAIL 3, CONTESTED 2``."""
    counts = pd.Series([r.verdict for r in results], dtype=object).value_counts().to_dict()
    order = [v for v in VERDICT_COLOUR if v in counts]
    return f"{len(results)} experiment{'s' if len(results) != 1 else ''}: " + ", ".join(
        f"{v} {counts[v]}" for v in order)


def summary_lines(results: Sequence[Result]) -> list[str]:
    """One line per role with the count of each verdict; validation (the headline) first."""
    return [f"{role}: {verdict_counts(rs)}" for role, rs in by_role(results).items()]


def changed_tolerances(results: Sequence[Result]) -> pd.DataFrame:
    """Every experiment among ``results`` whose band differs from its findings' proposal (or that carries a
    tolerance note): id, band, what the findings propose, and the note."""
    from gutsleep.evidence.roles import proposed_text, tolerance_changes, tolerance_matches_finding

    rows = [{"id": e.id, "band": f"{e.low:g} to {e.high:g} {e.unit}".strip(),
             "proposed": proposed_text(e), "same as proposed": "yes" if tolerance_matches_finding(e) else "no",
             "note": e.tolerance_note or "(no note)"}
            for e in tolerance_changes([r.experiment for r in results])]
    return pd.DataFrame(rows, columns=["id", "band", "proposed", "same as proposed", "note"])


def figure_unit(measured: Measured) -> str:
    """y-axis label of an experiment's figure: the plotted variables' own units (never the verdict's, which may
    be a ratio or percentage of them)."""
    if measured.ylabel:
        return measured.ylabel
    units = list(dict.fromkeys(s.unit for s in measured.series if s.unit))
    return " / ".join(units) if units else "value (unit not stated)"


def experiment_figure(result: Result) -> Figure:
    """The figure of one experiment: its series (y in their own unit, with the variable's minimum span), or the
    measured value against the expected range (in the verdict's unit)."""
    e, m = result.experiment, result.measured
    fig, (ax,) = new_figure(1, 1, width=5.5, height=2.6)
    if m is not None and m.series:
        for s in m.series:
            label = s.label if len({x.unit for x in m.series}) <= 1 or not s.unit else f"{s.label} ({s.unit})"
            ax.plot(s.x, s.y, marker="." if len(s.x) < 12 else None, label=label)
        ax.set_xlabel(m.xlabel)
        ax.set_ylabel(figure_unit(m))
        columns = {s.column for s in m.series}
        if len(columns) == 1 and "" not in columns:
            values = np.concatenate([np.asarray(s.y, dtype=float) for s in m.series])
            values = values[np.isfinite(values)]
            typical = float(np.median(np.abs(values))) if values.size else float("nan")
            set_min_span(ax, min_span(columns.pop(), typical))
        ax.legend(fontsize=7)
    else:
        value = float("nan") if m is None else m.value
        ax.axhspan(e.low, e.high, color="#2ca02c", alpha=0.15, label="expected")
        ax.bar([0], [value], color=VERDICT_COLOUR[result.verdict], width=0.4, label="measured")
        ax.set_xticks([])
        ax.set_ylabel(e.unit or "dimensionless")
        ax.legend(fontsize=7)
    ax.set_title(f"{e.id}: {result.verdict}", fontsize=9, color=VERDICT_COLOUR[result.verdict])
    return fig


def _figure(result: Result) -> str:
    return figure_html(experiment_figure(result), f"{result.experiment.id} figure")


def evidence_report(results: Sequence[Result], parameters_note: str = "") -> str:
    """One HTML page: summary, seed claims with the published and seed numbers, then one section per experiment.

    ``parameters_note`` says which parameter set the experiments ran on."""
    from gutsleep.evidence.roles import calibrated_by, informed_by

    findings = load_findings()
    by_id = {r.experiment.id: r for r in results}
    groups = by_role(results)
    body = ["<ul>" + "".join(f"<li><b>{html.escape(ROLE_TITLE[role])}</b>: {html.escape(verdict_counts(rs))}.</li>"
                             for role, rs in groups.items()) + "</ul>",
            "<p>The headline is the validation set: what the model predicts without having been tuned to it. A "
            "calibration experiment is one some parameter (or model constant) was set from; its PASS shows the fit, "
            "not a prediction. CONTESTED marks a seed-document claim that the literature contradicts: the model "
            "follows the literature, and the seed's number is shown beside the measured one. Animal protocols are "
            "translated to the human model and say so.</p>"]
    if parameters_note:
        body.append(f"<p><b>Parameters</b>: {html.escape(parameters_note)}.</p>")
    for role, rs in groups.items():
        body += [f"<h2>{html.escape(ROLE_TITLE[role])}</h2>", f"<p>{html.escape(verdict_counts(rs))}.</p>",
                 table_html(results_table(rs))]
    body.append("<h2>Seed claims</h2>")
    claim_rows = []
    for claim in findings.seed_claims:
        run = [by_id[e] for e in claim.experiments if e in by_id]
        if not run:
            continue
        claim_rows.append({
            "seed claim": claim.claim, "seed says": claim.seed_number, "literature": claim.verdict,
            "model": "; ".join(f"{r.experiment.id} {r.verdict} ({r.value:.3g} {r.experiment.unit})" for r in run)})
    body.append(table_html(pd.DataFrame(claim_rows)) if claim_rows else "<p>(no seed claim among these runs)</p>")
    changed = changed_tolerances(results)
    if len(changed):
        body += ["<h2>Tolerances that differ from the proposals</h2>",
                 "<p>Every band that is not literally the one proposed with its finding (or that carries a note), "
                 "with the reason. Tolerances are never loosened to make an experiment pass.</p>",
                 table_html(changed)]
    body.append("<h2>Experiments</h2>")
    for r in results:
        e = r.experiment
        cited = "; ".join(f"{fid} ({html.escape(findings.findings[fid].citation)})" for fid in e.findings)
        lines = [f"<h3>{e.id} &mdash; {html.escape(e.claim)}</h3>",
                 f"<p><b>Findings:</b> {cited}<br><b>Expected:</b> {html.escape(e.expected)} {html.escape(e.unit)}"
                 f"<br><b>Measured:</b> {r.value:.4g} {html.escape(e.unit)} &rarr; "
                 f"<b style='color:{VERDICT_COLOUR[r.verdict]}'>{r.verdict}</b></p>"]
        calibrated, informed = calibrated_by(e.id), informed_by(e)
        role_text = f"<b>Role:</b> {html.escape(e.role or '(none)')}"
        if calibrated:
            role_text += f"; parameters calibrated to it: {html.escape(', '.join(calibrated))}"
        if e.role_note:
            role_text += f"; {html.escape(e.role_note)}"
        if informed:
            role_text += (f"<br><b>Parameters whose source cites its finding</b> (sign or mechanism, not tuned to "
                          f"it): {html.escape(', '.join(informed))}")
        lines.append(f"<p class='note'>{role_text}</p>")
        if r.measured is not None:
            if r.measured.details:
                lines.append(f"<p>{html.escape(r.measured.details)}</p>")
            if r.measured.checks:
                lines.append("<ul>" + "".join(f"<li>{html.escape(k)}: {'yes' if v else 'NO'}</li>"
                                              for k, v in r.measured.checks.items()) + "</ul>")
        if e.translation:
            lines.append(f"<p class='note'>Species: {html.escape(e.species)}; translated to the human model: "
                         f"{html.escape(e.translation)}</p>")
        if e.contests:
            lines.append(f"<p class='note'>Contested seed claim &mdash; {html.escape(e.contests)}. The model follows "
                         f"the literature: {r.value:.4g} {html.escape(e.unit)}.</p>")
        if r.error:
            lines.append(f"<pre>{html.escape(r.error)}</pre>")
        lines.append(_figure(r))
        body += lines
    model = build_model()
    return page("gutsleep evidence report", body, footer_text(len(model.parameters), len(model.states)))
