"""The HTML report of a calibration, built from its parameter-set document alone (so it can be regenerated):
fit statistics, the residual of every target at the defaults and at the estimate, posterior against prior per
parameter, correlations of the posterior, and the parameters the targets do not identify."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from gutsleep.calibrate.problem import Prior
from gutsleep.report.html import figure_html, footer_text, new_figure, page, table_html


def _prior(entry: Mapping[str, Any]) -> Prior:
    p = entry["prior"]
    return Prior(str(p["kind"]), float(p["low"]), float(p["high"]), float(p.get("mean", math.nan)),
                 float(p.get("sd", math.nan)))


def _residual_figure(targets: list[Mapping[str, Any]]) -> str:
    n = len(targets)
    fig, (ax,) = new_figure(1, 1, width=7.5, height=max(2.2, 0.28 * n + 0.8))
    y = np.arange(n)
    ax.axvspan(-1, 1, color="#2ca02c", alpha=0.12, label="within the proposed band")
    ax.barh(y + 0.18, [t["residual_at_defaults"] for t in targets], height=0.36, color="#7f7f7f", label="defaults")
    ax.barh(y - 0.18, [t["residual"] for t in targets], height=0.36, color="#1f77b4", label="estimate")
    ax.set_yticks(y, [t["experiment"] for t in targets], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("residual (band half-widths from the band centre)")
    ax.axvline(0, color="black", lw=0.6)
    ax.legend(fontsize=7, loc="lower right")
    return figure_html(fig, "residual per target")


def _posterior_figure(names: list[str], entries: Mapping[str, Any], draws: np.ndarray) -> str:
    """One panel per parameter of ``entries``; ``draws`` columns follow ``names``."""
    cols = 4
    shown = list(entries)
    rows = math.ceil(len(shown) / cols)
    fig, axes = new_figure(rows, cols, width=11, height=1.9, sharex=False)
    for ax, name in zip(axes, shown, strict=False):
        entry, prior = entries[name], _prior(entries[name])
        log = prior.kind == "loguniform"
        grid = np.geomspace(prior.low, prior.high, 200) if log else np.linspace(prior.low, prior.high, 200)
        dens = prior._frozen().pdf(grid)
        if len(draws) and name in names:
            col = draws[:, names.index(name)]
            bins = np.geomspace(prior.low, prior.high, 25) if log else np.linspace(prior.low, prior.high, 25)
            ax.hist(col, bins=bins, density=True, color="#1f77b4", alpha=0.6, label="posterior")
        ax.plot(grid, dens, color="#7f7f7f", lw=1.2, label="prior")
        ax.axvline(entry["default"], color="black", ls=":", lw=1, label="default")
        ax.axvline(entry["estimate"], color="#d62728", lw=1, label="estimate")
        if log:
            from matplotlib.ticker import NullFormatter

            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
        ticks = [prior.low, math.sqrt(prior.low * prior.high) if log else (prior.low + prior.high) / 2, prior.high]
        ax.set_xticks(ticks, [f"{t:.3g}" for t in ticks])
        ax.set_title(name, fontsize=7)
        ax.tick_params(labelsize=6)
        ax.set_yticks([])
    for ax in axes[len(shown):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=6)
    return figure_html(fig, "posterior against prior per parameter")


def _correlations(names: list[str], draws: np.ndarray) -> tuple[str, pd.DataFrame]:
    if len(draws) < 10 or len(names) < 2:
        return "", pd.DataFrame()
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.nan_to_num(np.corrcoef(draws.T))  # a parameter that never moved correlates with nothing
    size = max(3.0, 0.25 * len(names) + 1.5)
    fig, (ax,) = new_figure(1, 1, width=size + 1.2, height=size)
    im = ax.imshow(corr, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=6)
    ax.set_yticks(range(len(names)), names, fontsize=6)
    fig.colorbar(im, ax=ax, shrink=0.7, label="correlation")
    pairs = [{"parameter": names[i], "with": names[j], "correlation": float(corr[i, j])}
             for i in range(len(names)) for j in range(i + 1, len(names)) if abs(corr[i, j]) >= 0.7]
    return figure_html(fig, "posterior correlations"), pd.DataFrame(pairs)


def fit_report(document: Mapping[str, Any]) -> str:
    """One self-contained HTML page for a parameter-set document."""
    from gutsleep.model import build_model

    fit, targets, entries = document["fit"], list(document["targets"]), document["parameters"]
    names = list(document["draws"]["names"]) or list(entries)
    values = document["draws"]["values"]
    draws = np.array(values, dtype=float).reshape(-1, len(names)) if values else np.empty((0, len(names)))
    reduced = fit.get("reduced_chi2")
    body = [
        f"<p><b>Problem</b> {html.escape(str(document['problem']['name']))}: "
        f"{html.escape(str(document['problem'].get('description', '')))}; "
        f"{fit['free_parameters']} free parameters, {fit['targets']} targets (calibration experiments only).</p>",
        f"<p><b>Fit</b>: chi-square {fit['chi2']:.4g} at the estimate, {fit['chi2_at_defaults']:.4g} at the defaults; "
        f"{fit['targets_in_band']} of {fit['targets']} targets within their proposed band; degrees of freedom "
        f"{fit['dof']}" + (f", reduced chi-square {reduced:.3g}" if reduced is not None else "") + "; "
        f"{fit['iterations']} optimiser iterations, {fit['evaluations']} parameter sets simulated, "
        f"{fit['seconds']} s. {html.escape(str(fit.get('optimizer_message', '')))}</p>",
    ]
    if "sampler" in fit and "walkers" not in fit:
        body.append(f"<p><b>Posterior</b>: {html.escape(fit['sampler'])}, {fit['draws']} draws. The approximation "
                    "is a normal around the estimate: it misses skew, bounds that bind and other modes; "
                    "<code>--posterior emcee</code> samples the posterior itself.</p>")
    elif "sampler" in fit:
        body.append(f"<p><b>Posterior</b>: {html.escape(fit['sampler'])}, {fit['walkers']} walkers x {fit['steps']} "
                    f"steps, first {fit['burn']} discarded, {fit['draws']} draws kept; moves accepted "
                    f"{100 * (fit.get('acceptance_fraction') or 0):.0f} %. A short chain is a rough posterior: "
                    "rerun with more --steps for a converged one.</p>")
    body.append(f"<p class='note'>Written by <code>{html.escape(str(document['command']))}</code> "
                f"(gutsleep {html.escape(str(document['gutsleep_version']))}, model "
                f"{html.escape(str(document['model_hash']))}, {html.escape(str(document['created']))}).</p>")
    body += ["<h2>Residual per target</h2>",
             "<p>Measured minus the centre of the target's proposed band, in band half-widths (the tolerance is "
             "the target's uncertainty); inside &plusmn;1 the experiment passes its band.</p>",
             _residual_figure(targets),
             table_html(pd.DataFrame([{"target": t["experiment"], "band": f"{t['band'][0]:g} to {t['band'][1]:g}",
                                       "unit": t["unit"], "at defaults": t["measured_at_defaults"],
                                       "at estimate": t["measured"], "residual": t["residual"],
                                       "failed checks": t["failed_checks"]} for t in targets]))]
    rows = []
    for name in entries:
        e = entries[name]
        post = e.get("posterior") or {}
        rows.append({"parameter": name, "unit": e["unit"], "default": e["default"], "estimate": e["estimate"],
                     "prior": _prior(e).describe(), "posterior median": post.get("median", math.nan),
                     "5 %": post.get("q05", math.nan), "95 %": post.get("q95", math.nan),
                     "identified": e.get("identified", "")})
    body += ["<h2>Parameters</h2>", table_html(pd.DataFrame(rows), digits=4),
             "<h2>Posterior against prior</h2>", _posterior_figure(names, entries, draws)]
    figure, pairs = _correlations(names, draws)
    if figure:
        body += ["<h2>Correlations of the posterior</h2>", figure]
        body.append(table_html(pairs) if len(pairs) else "<p>No pair correlated beyond |r| = 0.7.</p>")
    weak = [n for n in entries if not str(entries[n].get("identified", "")).startswith("yes")]
    body.append("<h2>Parameters the targets do not identify</h2>")
    body.append("<ul>" + "".join(f"<li><b>{html.escape(n)}</b>: {html.escape(str(entries[n]['identified']))}</li>"
                                 for n in weak) + "</ul>" if weak else "<p>None: every free parameter is pinned down "
                                                                      "by the targets.</p>")
    model = build_model()
    return page(f"gutsleep calibration: {document['name']}", body,
                footer_text(len(model.parameters), len(model.states)))
