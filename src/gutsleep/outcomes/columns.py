"""What every outcome column means: unit, description, short label and meaningful resolution.

One place for the column metadata that the summaries, the plots and the output metadata (``datapackage.json``,
Parquet schema metadata) all read. Units come from :data:`NIGHTLY_UNITS` / :data:`DAILY_UNITS`, so a column added
there flows through; a column without an entry in :data:`DESCRIPTIONS` gets a generic description naming its unit
(add one here when adding a column).

The *resolution* of an outcome is the smallest change worth reading as a change: about the precision of the
measurement a study would use (e.g. 1 min of total sleep time from actigraphy/PSG scoring, 0.01 in Shannon index,
5 min of DLMO). Summaries call an outcome recovered once its change stays below it; plots give each axis a
minimum span of :data:`SPAN_PER_RESOLUTION` resolutions, so a change at the resolution fills a tenth of the axis
and a change far below it is drawn as the flat line it is.
"""

from __future__ import annotations

import math

from gutsleep.outcomes.daily import DAILY_UNITS
from gutsleep.outcomes.nightly import NIGHTLY_UNITS

SPAN_PER_RESOLUTION: float = 10.0
"""Minimum y-axis span of a plotted outcome, in units of its resolution."""

KEY_COLUMNS: frozenset[str] = frozenset({"subject", "night", "day"})
CIRCULAR_COLUMNS: frozenset[str] = frozenset({"dlmo_clock_h"})
"""Clock-hour columns (0-24): averaged and differenced on the 24-h circle."""

DESCRIPTIONS: dict[str, str] = {
    # keys
    "subject": "subject index: one per scenario, in the order given (0 = first)",
    "night": "night index: the local day on which the night's sleep opportunity starts (0 = first day)",
    "day": "local day index (0 = first simulated day after the burn-in)",
    # nightly
    "bedtime": "local clock time at which the sleep opportunity starts (empty: no sleep opportunity)",
    "sleep_onset": "local clock time at which sleep starts (sleep_mode_Z reaches 0.5; empty: no sleep)",
    "wake": "local clock time at which the sleep opportunity ends",
    "tst_min": "total sleep time: time asleep within the sleep opportunity",
    "sleep_efficiency_pct": "sleep efficiency: total sleep time / time in bed x 100",
    "sol_min": "sleep-onset latency: bedtime to sleep onset (= time in bed when sleep never starts)",
    "waso_min": "wake after sleep onset: time awake in bed after sleep onset (empty without onset)",
    "sws_min": "slow-wave sleep (N3) time",
    "sws_pct": "slow-wave sleep as a share of total sleep time (empty when total sleep time is 0)",
    "time_in_bed_min": "time in bed: length of the sleep opportunity (= SOL + TST + WASO on nights with sleep)",
    "rem_min": "REM sleep time",
    "rem_pct": "REM sleep as a share of total sleep time (empty when total sleep time is 0)",
    "rem_latency_min": "REM latency: sleep onset to the first REM period (empty without onset or without REM)",
    "n3_min": "N3 (slow-wave) sleep time in AASM terms; the same quantity as sws_min",
    # daily
    "shannon": "Shannon diversity of the gut community (natural log) at the end of the day",
    "richness": "number of taxa at or above the detection limit (relative abundance) at the end of the day",
    "butyrate_mM": "daily mean colonic butyrate concentration",
    "propionate_mM": "daily mean colonic propionate concentration",
    "acetate_mM": "daily mean colonic acetate concentration",
    "gaba": "daily mean luminal GABA (per g of stool)",
    "gut_serotonin": "daily mean serotonin stored in enterochromaffin cells of the gut",
    "gut_serotonin_share": "daily mean share of the body's serotonin held in the gut (gut / (gut + blood + brain))",
    "brain_serotonin": "daily mean brain serotonin pool",
    "melatonin_peak_pg_ml": "highest plasma melatonin of the day",
    "dlmo_clock_h": "dim-light melatonin onset: local clock hour at which the central clock passes DLMO phase "
                    "(empty if not reached that day)",
    "vagal_signal": "daily mean vagal afferent signal from the gut (1 = a baseline person; 0 after vagotomy)",
    "permeability_index": "daily mean gut permeability (lactulose/mannitol-like index)",
    "lps_fold": "daily mean plasma LPS relative to a healthy fasting reference",
    "lbp_ug_ml": "daily mean plasma LPS-binding protein",
    "il6_pg_ml": "daily mean plasma interleukin-6",
    "crp_mg_l": "daily mean plasma C-reactive protein",
    "cortisol_morning_nmol_l": "peak plasma cortisol between 05:00 and 11:00 local time",
    "cortisol_evening_nmol_l": "mean plasma cortisol between 18:00 and 23:00 local time",
    "microbial_rhythm_amplitude": "daily mean amplitude of the microbiome's diurnal rhythm (0-1)",
    "nap_sleep_min": "minutes asleep in the day's naps (daytime sleep opportunities; 0 without naps)",
    "richness_resident": "detected taxa that are residents of the gut (food and probiotic strains passing through "
                         "left out) at the end of the day",
    "richness_observed": "richness a 16S assay would report at 10,000 reads: expected number of taxa seen in a "
                         "rarefied sample of the community at the end of the day (rare taxa are missed)",
    "transit_h": "daily mean whole-gut transit time set by the day's fiber, stress and water",
    "stool_bristol": "daily mean stool form on the Bristol scale (1 hard lumps .. 4 smooth .. 7 watery), from the "
                     "transit time",
    "glucose_iauc_mmol_min_l": "incremental area under the plasma glucose curve above fasting over the day's meals "
                               "(meal glycaemia)",
    "ogtt_iauc_mmol_min_l": "daily mean of the incremental glucose area a standard 75-g oral glucose tolerance test "
                            "would give that day (glucose tolerance, whatever was eaten; lower is better)",
    "insulin_sensitivity": "daily mean whole-body insulin sensitivity relative to the baseline person (sleep debt, "
                           "cortisol and sweetener-conditioned microbiota lower it)",
}
"""Description of each known outcome column (``guild_<name>`` columns are described generically)."""

LABELS: dict[str, str] = {
    "tst_min": "total sleep time",
    "sleep_efficiency_pct": "sleep efficiency",
    "sol_min": "sleep-onset latency",
    "waso_min": "wake after sleep onset",
    "sws_min": "slow-wave sleep",
    "sws_pct": "slow-wave sleep share",
    "time_in_bed_min": "time in bed",
    "rem_min": "REM sleep",
    "rem_pct": "REM sleep share",
    "rem_latency_min": "REM latency",
    "n3_min": "N3 sleep",
    "shannon": "Shannon diversity",
    "richness": "richness",
    "butyrate_mM": "colonic butyrate",
    "propionate_mM": "colonic propionate",
    "acetate_mM": "colonic acetate",
    "gaba": "luminal GABA",
    "gut_serotonin": "gut serotonin store",
    "gut_serotonin_share": "gut share of serotonin",
    "brain_serotonin": "brain serotonin",
    "melatonin_peak_pg_ml": "melatonin peak",
    "dlmo_clock_h": "DLMO (clock time)",
    "vagal_signal": "vagal signal",
    "permeability_index": "gut permeability",
    "lps_fold": "plasma LPS",
    "lbp_ug_ml": "LPS-binding protein",
    "il6_pg_ml": "IL-6",
    "crp_mg_l": "CRP",
    "cortisol_morning_nmol_l": "morning cortisol peak",
    "cortisol_evening_nmol_l": "evening cortisol",
    "microbial_rhythm_amplitude": "microbial rhythm amplitude",
    "nap_sleep_min": "nap sleep",
    "richness_resident": "resident richness",
    "richness_observed": "observed richness (16S, 10k reads)",
    "transit_h": "whole-gut transit time",
    "stool_bristol": "stool form (Bristol scale)",
    "glucose_iauc_mmol_min_l": "meal glucose iAUC",
    "ogtt_iauc_mmol_min_l": "OGTT glucose iAUC",
    "insulin_sensitivity": "insulin sensitivity",
}
"""Short human label of each known outcome column (others: the column name with spaces)."""

RESOLUTION: dict[str, float] = {
    "tst_min": 1.0,  # min: sleep scoring resolves ~1 min (30-s epochs)
    "sol_min": 1.0,
    "waso_min": 1.0,
    "sws_min": 1.0,
    "time_in_bed_min": 1.0,
    "rem_min": 1.0,
    "rem_pct": 0.2,
    "rem_latency_min": 1.0,
    "n3_min": 1.0,
    "sleep_efficiency_pct": 0.2,  # %: 1 min of a 8-h night
    "sws_pct": 0.2,
    "shannon": 0.01,  # nat: below the spread of repeated 16S sequencing of one sample
    "richness": 1.0,  # one taxon
    "butyrate_mM": 0.1,
    "propionate_mM": 0.1,
    "acetate_mM": 0.1,
    "gaba": 1.0,  # ug/g stool (baseline ~100)
    "gut_serotonin": 10.0,  # ug (store ~7,000)
    "gut_serotonin_share": 0.005,
    "brain_serotonin": 1.0,  # ug (pool ~140)
    "melatonin_peak_pg_ml": 1.0,  # pg/mL: RIA/ELISA precision
    "dlmo_clock_h": 5.0 / 60.0,  # h: 5 min, below the 30-min saliva sampling interval
    "vagal_signal": 0.01,
    "permeability_index": 0.001,  # baseline ~0.025
    "lps_fold": 0.01,
    "lbp_ug_ml": 0.1,
    "il6_pg_ml": 0.1,  # pg/mL: high-sensitivity ELISA
    "crp_mg_l": 0.1,  # mg/L: hs-CRP
    "cortisol_morning_nmol_l": 5.0,  # nmol/L: immunoassay precision
    "cortisol_evening_nmol_l": 5.0,
    "microbial_rhythm_amplitude": 0.01,
    "nap_sleep_min": 1.0,  # min, like total sleep time
    "richness_resident": 1.0,  # one taxon
    "richness_observed": 1.0,
    "transit_h": 1.0,  # h: marker studies resolve transit to a few hours
    "stool_bristol": 0.5,  # half a type on the 7-point scale
    "glucose_iauc_mmol_min_l": 10.0,  # mmol/L x min: CGM/OGTT iAUC repeatability is tens of units
    "ogtt_iauc_mmol_min_l": 10.0,
    "insulin_sensitivity": 0.01,
}
"""Meaningful resolution of each known outcome column, in its unit (see module docstring)."""

_UNIT_RESOLUTION: tuple[tuple[str, float], ...] = (
    ("min", 1.0),
    ("%", 0.2),
    ("local clock hour", 5.0 / 60.0),
    ("fraction", 0.005),
    ("nmol/L", 5.0),
    ("pg/mL", 0.1),
    ("mg/L", 0.1),
    ("mM", 0.1),
)
"""Resolution of a column without an entry in :data:`RESOLUTION`, by the start of its unit."""

RELATIVE_RESOLUTION: float = 0.01
"""Resolution of any other quantity: 1 % of its typical magnitude."""


def unit(column: str) -> str:
    """Unit (or meaning) of an outcome column; '' when unknown."""
    if column in NIGHTLY_UNITS:
        return NIGHTLY_UNITS[column]
    if column in DAILY_UNITS:
        return DAILY_UNITS[column]
    if column.startswith("guild_"):
        return "fraction of community (0-1)"
    return ""


def short_unit(column: str) -> str:
    """Unit without its explanation in brackets, for axis labels: ``"nmol/L (peak 05:00-11:00)"`` -> ``"nmol/L"``."""
    text = unit(column)
    if column in KEY_COLUMNS:
        return ""
    head, _, rest = text.partition(" (")
    if head == "1":
        return "1 = baseline" if "baseline" in rest else "dimensionless"
    return {"local clock hour": "local clock h"}.get(head, head)


def description(column: str) -> str:
    """What an outcome column holds (a generic sentence for columns without a written description)."""
    if column in DESCRIPTIONS:
        return DESCRIPTIONS[column]
    if column.startswith("guild_"):
        return f"daily mean relative abundance of the {column.removeprefix('guild_').replace('_', ' ')} guild"
    return f"{column.replace('_', ' ')} ({unit(column) or 'model units'})"


def label(column: str) -> str:
    """Short human label of an outcome column."""
    if column in LABELS:
        return LABELS[column]
    if column.startswith("guild_"):
        return f"{column.removeprefix('guild_').replace('_', ' ')} share"
    return column.replace("_", " ")


def axis_label(column: str) -> str:
    """``label (unit)`` for an axis or a title."""
    u = short_unit(column)
    return f"{label(column)} ({u})" if u else label(column)


def resolution(column: str, typical: float = math.nan) -> float:
    """Meaningful resolution of an outcome column in its unit; ``typical`` (its usual magnitude) sets the
    relative fallback for columns the tables above do not know."""
    if column in RESOLUTION:
        return RESOLUTION[column]
    u = unit(column)
    for prefix, value in _UNIT_RESOLUTION:
        if u.startswith(prefix):
            return value
    if math.isfinite(typical) and typical != 0.0:
        return RELATIVE_RESOLUTION * abs(typical)
    return RELATIVE_RESOLUTION


def resolution_text(column: str, typical: float = math.nan) -> str:
    """``"1 min"`` style text of a column's resolution."""
    value = resolution(column, typical)
    u = short_unit(column)
    if column in CIRCULAR_COLUMNS:
        return f"{value * 60:g} min"
    return f"{value:.3g} {u}".strip()


def min_span(column: str, typical: float = math.nan) -> float:
    """Smallest y-axis span used to draw an outcome (``SPAN_PER_RESOLUTION`` resolutions)."""
    return SPAN_PER_RESOLUTION * resolution(column, typical)


__all__ = [
    "CIRCULAR_COLUMNS",
    "DESCRIPTIONS",
    "KEY_COLUMNS",
    "LABELS",
    "RESOLUTION",
    "SPAN_PER_RESOLUTION",
    "axis_label",
    "description",
    "label",
    "min_span",
    "resolution",
    "resolution_text",
    "short_unit",
    "unit",
]
