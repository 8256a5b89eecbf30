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
    """id, claim, expected, measured, verdict (plus unit and species) for printing and the report."""
    rows = []
    for r in results:
        e = r.experiment
        measured = "" if r.measured is None else f"{r.value:.4g} {e.unit}"
        rows.append({"id": e.id, "claim": e.claim, "expected": f"{e.expected} {e.unit}".strip(),
                     "measured": measured, "verdict": r.verdict,
                     "species": e.species if not e.translation else f"{e.species} -> human model"})
    return pd.DataFrame(rows)


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


def evidence_report(results: Sequence[Result]) -> str:
    """One HTML page: summary, seed claims with the published and seed numbers, then one section per experiment."""
    findings = load_findings()
    by_id = {r.experiment.id: r for r in results}
    counts = pd.Series([r.verdict for r in results]).value_counts().to_dict()
    body = [f"<p>{len(results)} experiments: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + ".</p>",
            "<p>CONTESTED marks a seed-document claim that the literature contradicts: the model follows the "
            "literature, and the seed's number is shown beside the measured one. Animal protocols are translated to "
            "the human model and say so.</p>",
            "<h2>Results</h2>", table_html(results_table(results)), "<h2>Seed claims</h2>"]
    claim_rows = []
    for claim in findings.seed_claims:
        run = [by_id[e] for e in claim.experiments if e in by_id]
        if not run:
            continue
        claim_rows.append({
            "seed claim": claim.claim, "seed says": claim.seed_number, "literature": claim.verdict,
            "model": "; ".join(f"{r.experiment.id} {r.verdict} ({r.value:.3g} {r.experiment.unit})" for r in run)})
    body.append(table_html(pd.DataFrame(claim_rows)) if claim_rows else "<p>(no seed claim among these runs)</p>")
    notes = [r for r in results if r.experiment.tolerance_note]
    if notes:
        body.append("<h2>Tolerances that differ from the proposals</h2><ul>")
        body += [f"<li><b>{r.experiment.id}</b>: {html.escape(r.experiment.tolerance_note)}</li>" for r in notes]
        body.append("</ul>")
    body.append("<h2>Experiments</h2>")
    for r in results:
        e = r.experiment
        cited = "; ".join(f"{fid} ({html.escape(findings.findings[fid].citation)})" for fid in e.findings)
        lines = [f"<h3>{e.id} &mdash; {html.escape(e.claim)}</h3>",
                 f"<p><b>Findings:</b> {cited}<br><b>Expected:</b> {html.escape(e.expected)} {html.escape(e.unit)}"
                 f"<br><b>Measured:</b> {r.value:.4g} {html.escape(e.unit)} &rarr; "
                 f"<b style='color:{VERDICT_COLOUR[r.verdict]}'>{r.verdict}</b></p>"]
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
