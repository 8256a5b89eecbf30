"""Self-contained HTML reports (inline base64 PNG figures) of cohorts, trials, observational studies and
sensitivity analyses, built on :mod:`gutsleep.report.html`."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gutsleep.cohort.outcomes import outcome_kind, outcome_unit
from gutsleep.cohort.population import PopulationSpec, describe_population
from gutsleep.model import build_model
from gutsleep.outcomes import columns as outcome_columns
from gutsleep.outcomes.summary import Windows, display_table, summarize_table, windows_from_spans
from gutsleep.report.html import figure_html, footer_text, new_figure, outcome_axis, page, set_min_span, table_html

if TYPE_CHECKING:
    from gutsleep.cohort.executor import CohortRun
    from gutsleep.cohort.observational import ObservationalAnalysis
    from gutsleep.cohort.sensitivity import SensitivityResult
    from gutsleep.cohort.trial import Arm, TrialAnalysis, TrialSpec

NIGHTLY_PLOTS: tuple[str, ...] = ("tst_min", "sleep_efficiency_pct", "sol_min", "waso_min", "sws_min", "sws_pct")
DAILY_PLOTS: tuple[str, ...] = (
    "shannon", "richness", "butyrate_mM", "gaba", "vagal_signal", "permeability_index", "lps_fold", "il6_pg_ml",
    "crp_mg_l", "cortisol_morning_nmol_l", "melatonin_peak_pg_ml", "dlmo_clock_h",
)
ARM_COLORS: tuple[str, ...] = ("#555555", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _footer() -> str:
    model = build_model()
    return footer_text(len(model.parameters), len(model.states))


def _label(column: str) -> str:
    unit = outcome_unit(column)
    return f"{column} ({unit})" if unit else column


def _axis_unit(column: str) -> str:
    """Short unit of an outcome or covariate column for an axis label."""
    if outcome_columns.unit(column):
        return outcome_columns.short_unit(column) or "dimensionless"
    from gutsleep.apps.metadata import column_doc

    return column_doc("covariates", column)[0] or "value"


def _histograms(frame: pd.DataFrame, columns: Sequence[str], cols: int = 4) -> Figure | None:
    """Grid of histograms (one per column present with finite values; fixed margins, fast to draw)."""
    present = [c for c in columns if c in frame and np.isfinite(frame[c].astype(float)).any()]
    if not present:
        return None
    rows = math.ceil(len(present) / cols)
    fig = Figure(figsize=(11.0, 2.2 * rows + 0.4))
    FigureCanvasAgg(fig)
    axes = list(fig.subplots(rows, cols, squeeze=False).ravel())
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.08 / rows, top=1 - 0.3 / (2.2 * rows + 0.4),
                        hspace=0.55, wspace=0.25)
    for ax, col in zip(axes, present, strict=False):
        values = frame[col].astype(float)
        values = values[np.isfinite(values)]
        ax.hist(values, bins=min(30, max(5, int(math.sqrt(len(values))))), color="#4c72b0", alpha=0.85)
        ax.set_title(_label(col) if outcome_unit(col) else col, fontsize=9)
        ax.set_xlabel(_axis_unit(col), fontsize=7)
        ax.set_ylabel("subjects", fontsize=7)
        if outcome_columns.unit(col):
            typical = float(np.median(np.abs(values))) if len(values) else math.nan
            set_min_span(ax, outcome_columns.min_span(col, typical), axis="x")
        ax.tick_params(labelsize=7)
    for ax in axes[len(present):]:
        ax.set_visible(False)
    return fig


def quantile_table(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Mean, SD and quantiles of each column."""
    rows = []
    for col in columns:
        if col not in frame:
            continue
        v = frame[col].astype(float).dropna()
        if v.empty:
            continue
        q = v.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).to_numpy()
        rows.append({"outcome": col, "unit": outcome_unit(col), "n": len(v), "mean": v.mean(), "sd": v.std(),
                     "p5": q[0], "p25": q[1], "median": q[2], "p75": q[3], "p95": q[4]})
    return pd.DataFrame(rows)


def _kv(pairs: Sequence[tuple[str, object]]) -> str:
    return table_html(pd.DataFrame([{"item": k, "value": str(v)} for k, v in pairs]))


def cohort_summary(nightly: pd.DataFrame, daily: pd.DataFrame, days: int,
                   columns: Sequence[str] = (*NIGHTLY_PLOTS, *DAILY_PLOTS)) -> pd.DataFrame:
    """Per subject and outcome: baseline (first 7 days), peak change, change area (see
    :mod:`gutsleep.outcomes.summary`); a cohort has no interventions, so this shows drift over the run."""
    windows = windows_from_spans([], days)
    parts = [summarize_table(t, key, windows, columns=[c for c in columns if c in t])
             for t, key in ((nightly, "night"), (daily, "day")) if not t.empty]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def cohort_summary_display(summary: pd.DataFrame) -> pd.DataFrame:
    """Across subjects, per outcome: median baseline, and median [5th-95th percentile] of peak change and area."""
    rows = []
    for col, g in summary.groupby("column", sort=False):
        def q(values: pd.Series) -> str:
            v = values.astype(float).dropna()
            if v.empty:
                return "-"
            lo, mid, hi = v.quantile([0.05, 0.5, 0.95])
            return f"{mid:.3g} [{lo:.3g}, {hi:.3g}]"

        unit = outcome_columns.short_unit(str(col))
        rows.append({"outcome (unit)": f"{g['outcome'].iloc[0]} ({unit})" if unit else g["outcome"].iloc[0],
                     "baseline median": f"{g['baseline_mean'].astype(float).median():.3g}",
                     "peak change median [5-95 %]": q(g["peak_change"]),
                     "area (x day) median [5-95 %]": q(g["change_area"])})
    return pd.DataFrame(rows)


def cohort_report(spec: PopulationSpec, run: CohortRun, days: int, burn_in_days: int, summary_days: int) -> str:
    """Distributions of covariates and of every subject's nightly and daily outcomes (last-window means)."""
    summary = run.table("summary")
    covariates = run.table("covariates")
    design = [("population", spec.name), ("subjects", run.n_subjects), ("failed integrations", len(run.failed)),
              ("simulated days (after burn-in)", days), ("burn-in days", burn_in_days),
              ("outcome window", f"mean of the last {summary_days} days / nights"),
              ("chunks", f"{run.n_chunks} ({len(run.computed)} computed now, {len(run.skipped)} resumed)")]
    body = [f"<p>{html.escape(spec.description or '')}</p>", "<h2>Design</h2>", _kv(design),
            "<h2>Population</h2>", table_html(describe_population(spec))]
    cov_cols = [c for c in covariates.columns if c not in ("subject", "failed", "vagotomy", "sex", "bedtime",
                                                           "wake_time") and not c.startswith("param_")
                and pd.api.types.is_numeric_dtype(covariates[c])]
    fig = _histograms(covariates, cov_cols)
    if fig is not None:
        body += ["<h2>Covariates</h2>", figure_html(fig, "covariate distributions")]
    body += ["<h2>Nightly outcomes</h2>",
             "<p>Each subject's mean over the last window; histograms across subjects.</p>"]
    fig = _histograms(summary, NIGHTLY_PLOTS, cols=3)
    if fig is not None:
        body.append(figure_html(fig, "nightly outcome distributions"))
    body.append(table_html(quantile_table(summary, NIGHTLY_PLOTS)))
    body += ["<h2>Daily outcomes</h2>"]
    fig = _histograms(summary, DAILY_PLOTS)
    if fig is not None:
        body.append(figure_html(fig, "daily outcome distributions"))
    others = [c for c in summary.columns if c != "subject" and c not in NIGHTLY_PLOTS]
    body.append(table_html(quantile_table(summary, others)))
    if "nightly" in run.paths and "daily" in run.paths:
        changes = cohort_summary(run.table("nightly"), run.table("daily"), days)
        if not changes.empty:
            body += ["<h2>Change over the run</h2>",
                     "<p>Per subject: change from the mean of the first 7 days (nights), its peak and its area "
                     "(change summed over the days, unit x day; see <code>gutsleep.outcomes.summary</code>); "
                     "medians and 5th-95th percentiles across subjects. Without interventions this shows how "
                     "much the settled population still drifts.</p>", table_html(cohort_summary_display(changes))]
    return page(f"Virtual cohort: {spec.name}", body, _footer())


def _course_figure(analysis: TrialAnalysis) -> Figure:
    spec = analysis.spec
    outcomes = spec.outcomes
    fig, axes = new_figure(len(outcomes), 1, height=2.8, sharex=True)
    for ax, o in zip(axes, outcomes, strict=True):
        course = analysis.course[o.column]
        for k, arm in enumerate(spec.arms):
            c = course[course["arm"] == arm.name]
            color = ARM_COLORS[k % len(ARM_COLORS)]
            n = int(c["count"].max()) if len(c) else 0
            ax.plot(c["day"], c["mean"], color=color, lw=1.4, label=f"{arm.name} (n={n})")
            ax.fill_between(c["day"], c["ci_low"], c["ci_high"], color=color, alpha=0.18, lw=0)
        ax.axvline(0, color="k", ls="--", lw=0.8)
        ax.axvspan(spec.duration_days - o.window_days, spec.duration_days - 1, color="#f0b400", alpha=0.12)
        ax.axvspan(-spec.baseline_days, -1, color="#999999", alpha=0.12)
        outcome_axis(ax, o.column)
        ax.set_title(_label(o.column), fontsize=9)
    axes[0].legend(fontsize=8, loc="best")
    axes[-1].set_xlabel("days from randomisation (grey: baseline window, yellow: outcome window)")
    return fig


def _forest_figure(results: pd.DataFrame) -> Figure:
    n = len(results)
    fig = Figure(figsize=(9.0, 0.45 * n + 1.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    y = np.arange(n)[::-1].astype(float)
    ax.errorbar(results["hedges_g"], y + 0.12, xerr=[results["hedges_g"] - results["g_ci_low"],
                                                     results["g_ci_high"] - results["hedges_g"]],
                fmt="o", color="#1f77b4", ecolor="#1f77b4", capsize=3, label="Hedges' g (unadjusted)")
    ax.errorbar(results["ancova_d"], y - 0.12, xerr=[results["ancova_d"] - results["ancova_d_ci_low"],
                                                     results["ancova_d_ci_high"] - results["ancova_d"]],
                fmt="s", color="#d62728", ecolor="#d62728", capsize=3,
                label="ANCOVA difference / pooled SD (baseline-adjusted)")
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(y, [f"{r.comparison}: {r.outcome}" for r in results.itertuples()], fontsize=8)
    ax.set_xlabel("standardised difference (SD units; final window, arm - reference) with 95 % CI")
    ax.legend(fontsize=8, loc="best")
    return fig


def _power_figure(power: pd.DataFrame) -> Figure:
    comps = list(dict.fromkeys(power["comparison"]))
    fig, axes = new_figure(1, len(comps), width=min(11.0, 4.5 * len(comps)), height=3.2, sharex=False)
    for ax, comp in zip(axes, comps, strict=True):
        p = power[power["comparison"] == comp]
        ax.plot(p["n_per_arm"], p["power_ancova"], "o-", label="resampled, ANCOVA")
        ax.plot(p["n_per_arm"], p["power_welch"], "s-", label="resampled, Welch")
        ax.plot(p["n_per_arm"], p["power_analytic_ancova"], "--", label="analytic, ANCOVA (diff / residual SD)")
        ax.plot(p["n_per_arm"], p["power_analytic_t"], ":", label="analytic, t-test (from g)")
        ax.axhline(0.8, color="k", lw=0.7, ls=":")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("participants per arm")
        ax.set_title(f"{comp}: {p['outcome'].iloc[0]}", fontsize=9)
    axes[0].set_ylabel("power (probability of p < alpha)")
    axes[0].legend(fontsize=8)
    return fig


def _fmt_ci(est: float, lo: float, hi: float) -> str:
    if not math.isfinite(est):
        return "-"
    return f"{est:.3g} [{lo:.3g}, {hi:.3g}]"


def _fmt_p(p: float) -> str:
    if not math.isfinite(p):
        return "-"
    return "<1e-12" if p < 1e-12 else f"{p:.2g}"


def results_display(results: pd.DataFrame) -> pd.DataFrame:
    """Compact results table (estimates with CIs as text)."""
    rows = []
    for r in results.itertuples():
        row = {"comparison": r.comparison, "outcome": r.outcome, "role": r.role, "n": f"{r.n_arm}/{r.n_ref}",
               "mean arm": r.mean_arm, "mean ref": r.mean_ref,
               "diff [95% CI]": _fmt_ci(r.diff, r.diff_ci_low, r.diff_ci_high), "p (Welch)": _fmt_p(r.p_welch),
               "ANCOVA diff [95% CI]": _fmt_ci(r.ancova_diff, r.ancova_ci_low, r.ancova_ci_high),
               "p (ANCOVA)": _fmt_p(r.p_ancova), "Cohen's d": r.cohens_d,
               "Hedges' g [95% CI]": _fmt_ci(r.hedges_g, r.g_ci_low, r.g_ci_high)}
        if math.isfinite(getattr(r, "ancova_diff_model_p05", math.nan)):
            row["ANCOVA diff, model 5-95 %"] = (f"{r.ancova_diff_model_p50:.3g} [{r.ancova_diff_model_p05:.3g}, "
                                                f"{r.ancova_diff_model_p95:.3g}] ({r.model_draws} draws)")
        if isinstance(getattr(r, "responder_rule", None), str):
            row["responders arm/ref (rule)"] = (f"{r.responders_arm:.0%} / {r.responders_ref:.0%} "
                                                f"({r.responder_rule}; Fisher p {_fmt_p(r.p_responders)})")
        rows.append(row)
    return pd.DataFrame(rows)


def _arm_windows(spec: TrialSpec, arm: Arm) -> Windows:
    """Summary windows of one arm in days from randomisation: the trial's baseline window and the span of the
    arm's changes (None for an arm without changes)."""
    spans = [(ch.start_day, spec.duration_days - 1 if ch.end_day is None else ch.end_day) for ch in arm.interventions]
    change = (min(a for a, _ in spans), max(b for _, b in spans)) if spans else None
    return Windows((-spec.baseline_days, -1), change, spec.duration_days - 1)


def trial_summary(analysis: TrialAnalysis) -> pd.DataFrame:
    """Per arm and outcome, the summary of the arm's mean course (change from the trial's baseline window: peak,
    window change, area, recovery), and per comparison the same for the difference of mean courses arm - reference
    (see :mod:`gutsleep.outcomes.summary`). Days count from randomisation."""
    spec = analysis.spec
    arms = {a.name: a for a in spec.arms}
    parts = []
    for o in spec.outcomes:
        course = analysis.course[o.column]
        key = "night" if outcome_kind(o.column) == "nightly" else "day"
        frame = pd.DataFrame({"arm": course["arm"], key: course["day"], o.column: course["mean"]})
        wins = {name: _arm_windows(spec, arm) for name, arm in arms.items()}
        part = summarize_table(frame, key, wins, by="arm", columns=[o.column])
        parts.append(part.rename(columns={"arm": "group"}))
        ref = frame[frame["arm"] == spec.reference].set_index(key)[o.column]
        for name, arm in arms.items():
            if name == spec.reference:
                continue
            mine = frame[frame["arm"] == name].set_index(key)[o.column]
            common = mine.index.intersection(ref.index)
            diff = pd.DataFrame({key: common, o.column: (mine.loc[common] - ref.loc[common]).to_numpy(),
                                 "group": f"{name} - {spec.reference}"})
            a, b = _arm_windows(spec, arm), _arm_windows(spec, arms[spec.reference])
            spans = [w.intervention for w in (a, b) if w.intervention is not None]
            change = (min(x for x, _ in spans), max(y for _, y in spans)) if spans else None
            parts.append(summarize_table(diff, key, Windows(a.baseline, change, a.last), by="group",
                                         columns=[o.column], relative=False))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def trial_summary_display(summary: pd.DataFrame) -> pd.DataFrame:
    """The trial summary as a readable table: arm (or difference), then the usual summary columns."""
    if summary.empty:
        return summary
    view = display_table(summary)
    view.insert(0, "arm / difference", summary["group"].to_numpy())
    return view


def trial_report(analysis: TrialAnalysis, run: CohortRun | None = None) -> str:
    """Design, results (Welch, ANCOVA, effect sizes, responders), time courses per arm, forest plot, power."""
    from gutsleep.cohort.trial import describe_arms, sample_size_for

    spec = analysis.spec
    noise = ", ".join(f"{k}: {v:g}" for k, v in spec.observation_noise.sd.items()) or "none"
    design = [("population", spec.population.name), ("participants per arm", spec.n_per_arm),
              ("arms", ", ".join(a.name for a in spec.arms)), ("reference arm", spec.reference),
              ("randomisation", f"{spec.randomisation.method}, seed {spec.randomisation.seed}"),
              ("run-in / baseline window", f"{spec.run_in_days} days / last {spec.baseline_days} days of the run-in"),
              ("trial duration", f"{spec.duration_days} days after randomisation"),
              ("primary outcome", f"{spec.primary.column}, mean of the last {spec.primary.window_days} days"),
              ("observation noise (sd per night/day)", noise), ("excluded (failed integration)", analysis.failed)]
    body = [f"<p>{html.escape(spec.description or '')}</p>", "<h2>Design</h2>", _kv(design),
            table_html(describe_arms(spec))]
    for note in analysis.notes:
        body.append(f'<p class="note">{html.escape(note)}</p>')
    body += ["<h2>Results</h2>",
             "<p>Welch: difference of final-window means (arm - reference) with the Welch 95 % CI. ANCOVA: OLS "
             "<code>final ~ arm + baseline</code> on the two arms. Effect sizes on final-window values. Where the "
             "trial ran under posterior draws of the parameter set (<code>--ensemble N</code>), 'model 5-95 %' is "
             "the ANCOVA difference across the draws (median [5 %, 95 %]): the model's uncertainty, beside the "
             "sampling CI.</p>",
             table_html(results_display(analysis.results))]
    if not analysis.within.empty:
        body += ["<h3>Change from baseline within each arm</h3>",
                 "<p>Mean change (final window - baseline window) with its 95 % CI and the paired t-test p.</p>",
                 table_html(analysis.within)]
    summary = trial_summary(analysis)
    if not summary.empty:
        body += ["<h3>What happened over time</h3>",
                 "<p>Per arm, the mean course of each outcome (model output without observation noise) against the "
                 "arm's baseline window: peak change and the day it happens (days from randomisation), mean change "
                 "while the arm's changes apply, area (change summed over the days, unit x day) and recovery (days "
                 "after the last change until the change stays within the outcome's resolution); 'arm - reference' "
                 "rows summarise the difference of the mean courses.</p>", table_html(trial_summary_display(summary))]
    body += ["<h2>Forest plot</h2>", figure_html(_forest_figure(analysis.results), "forest plot")]
    body += ["<h2>Outcomes over time</h2>",
             "<p>Model output (without observation noise): mean per arm and day with the 95 % t-interval across "
             "participants.</p>", figure_html(_course_figure(analysis), "outcomes over time")]
    if not analysis.power.empty:
        need = sample_size_for(analysis.power)
        text = "; ".join(f"{k}: {'>' + str(max(spec.power.sizes)) if math.isnan(v) else int(v)} per arm"
                         for k, v in need.items())
        body += ["<h2>Power</h2>",
                 f"<p>Power for the primary outcome ({html.escape(spec.primary.column)}), alpha "
                 f"{spec.power.alpha:g}. <b>Resampled</b>: n participants per arm drawn with replacement from the "
                 f"simulated arms, {spec.power.resamples} times per n, tested with ANCOVA and Welch (sizes above the "
                 f"simulated arm size extrapolate the virtual population). <b>Analytic</b>: noncentral-t power from "
                 f"the ANCOVA difference over its residual SD, and from Hedges' g for an unadjusted t-test. The "
                 f"unadjusted curves (Welch, t from g) count any chance baseline imbalance of the simulated arms as "
                 f"effect; the ANCOVA curves adjust for it. 80 % power (ANCOVA, resampled): {html.escape(text)}.</p>",
                 figure_html(_power_figure(analysis.power), "power curve"), table_html(analysis.power)]
    if run is not None:
        body += ["<h2>Run</h2>", _kv([("wall time (s)", f"{run.wall_s:.1f}"), ("chunks", run.n_chunks)])]
    return page(f"In-silico trial: {spec.name}", body, _footer())


def _scatter_figure(analysis: ObservationalAnalysis) -> Figure:
    spec = analysis.spec
    m = analysis.measures
    cols = min(4, len(spec.outcomes))
    rows = math.ceil(len(spec.outcomes) / cols)
    fig, axes = new_figure(rows, cols, height=3.0, sharex=False)
    for ax, (col, r) in zip(axes, zip(spec.outcomes, analysis.correlations.itertuples(), strict=True), strict=False):
        ax.scatter(m[spec.exposure], m[col], s=12, alpha=0.7)
        ax.set_xlabel(f"{spec.exposure} ({_axis_unit(spec.exposure)})", fontsize=8)
        ax.set_ylabel(f"{col} ({_axis_unit(col)})", fontsize=8)
        ax.set_title(f"rho {r.rho:+.2f} (partial {r.partial_rho:+.2f})", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes[len(spec.outcomes):]:
        ax.set_visible(False)
    return fig


def observational_report(analysis: ObservationalAnalysis) -> str:
    """Correlation table (raw and partial Spearman, expected signs) and scatter plots."""
    spec = analysis.spec
    noise = ", ".join(f"{k}: {v:g}" for k, v in spec.observation_noise.sd.items()) or "none"
    design = [("population", spec.population.name), ("participants", spec.n), ("days simulated", spec.days),
              ("measure window", f"mean of the last {spec.window_days} days / nights"),
              ("exposure", spec.exposure), ("adjusted for", ", ".join(spec.adjust)),
              ("observation noise (sd per night/day)", noise), ("excluded (failed integration)", analysis.failed)]
    body = [f"<p>{html.escape(spec.description or '')}</p>", "<h2>Design</h2>", _kv(design),
            "<h2>Population</h2>", table_html(describe_population(spec.population))]
    for note in analysis.notes:
        body.append(f'<p class="note">{html.escape(note)}</p>')
    show = analysis.correlations.drop(columns=["exposure", "adjusted_for"])
    body += ["<h2>Correlations</h2>",
             "<p>Spearman rank correlation with a Fisher-z 95 % CI (Bonett-Wright SE); partial Spearman: ranks "
             "of exposure and outcome regressed on the ranks of the adjustment covariates, residuals correlated.</p>",
             table_html(show)]
    if spec.expected:
        src = html.escape(spec.expected_source or "the literature")
        body.append(f"<p>Expected signs from {src}. The model's signs are reported as they come out; the model "
                    "was not tuned to reproduce them.</p>")
    body += ["<h2>Scatter plots</h2>", figure_html(_scatter_figure(analysis), "scatter plots")]
    return page(f"Observational study: {spec.name}", body, _footer())


def sensitivity_figure(result: SensitivityResult, k: int = 15) -> Figure:
    """Per outcome, the top ``k`` parameters: S1 and ST (Sobol) or mu* and sigma (Morris), with CIs."""
    outs = [o for o in result.outcomes if o in set(result.table.get("outcome", []))]
    fig, axes = new_figure(1, max(1, len(outs)), width=min(16.0, 4.6 * max(1, len(outs))), height=0.32 * k + 1.5,
                           sharex=False)
    for ax, col in zip(axes, outs, strict=False):
        t = result.table[result.table["outcome"] == col].head(k)[::-1]
        y = np.arange(len(t))
        if result.method == "sobol":
            ax.barh(y + 0.2, t["ST"], height=0.4, xerr=t["ST_conf"], label="total (ST)", color="#d62728", alpha=0.8)
            ax.barh(y - 0.2, t["S1"], height=0.4, xerr=t["S1_conf"], label="first order (S1)", color="#1f77b4",
                    alpha=0.8)
            ax.set_xlabel("Sobol index (fraction of output variance)")
        else:
            ax.barh(y + 0.2, t["mu_star"], height=0.4, xerr=t["mu_star_conf"], label="mu*", color="#1f77b4")
            ax.barh(y - 0.2, t["sigma"], height=0.4, label="sigma", color="#ff7f0e", alpha=0.8)
            ax.set_xlabel(f"elementary effect ({outcome_unit(col)})")
        ax.set_yticks(y, list(t["parameter"]), fontsize=7)
        ax.set_title(col, fontsize=9)
        ax.legend(fontsize=7, loc="lower right")
    return fig


def sensitivity_report(result: SensitivityResult, figure: Figure | None = None, k: int = 15) -> str:
    """Ranked indices per outcome and the bar chart."""
    from gutsleep.cohort.sensitivity import top

    method = "Sobol (Saltelli sampling)" if result.method == "sobol" else "Morris elementary effects"
    body = [_kv([("method", method), ("parameters", len(result.names)), ("model runs", result.n_runs),
                 ("outcomes", ", ".join(result.outcomes))])]
    for note in result.notes:
        body.append(f'<p class="note">{html.escape(note)}</p>')
    body.append(figure_html(figure or sensitivity_figure(result, k), "sensitivity indices"))
    for col in result.outcomes:
        t = top(result.table, col, k) if not result.table.empty else pd.DataFrame()
        if not t.empty:
            body += [f"<h2>{html.escape(_label(col))}</h2>", table_html(t.drop(columns=["outcome"]))]
    return page(f"Global sensitivity: {method}", body, _footer())


__all__ = [
    "cohort_report",
    "cohort_summary",
    "cohort_summary_display",
    "observational_report",
    "quantile_table",
    "results_display",
    "sensitivity_figure",
    "sensitivity_report",
    "trial_report",
    "trial_summary",
    "trial_summary_display",
]
