"""Physiological bounds of every numeric output column: what no person can show, whatever the input.

The model must keep every nightly and daily value inside these bounds for every scenario the schema allows
(checked by a property test over random valid years). A bound is either structural (a share is 0-100 %, sleep
fits inside the time in bed) or a physiological ceiling with its reason; an output outside it is a model bug,
not a finding. NaN is allowed only where a column documents it (e.g. ``waso_min`` without sleep onset).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gutsleep.model.microbiome import N_TAXA


@dataclass(frozen=True)
class Bound:
    """Closed interval ``[low, high]`` a column must stay in, and why."""

    low: float
    high: float
    reason: str
    nan_allowed: bool = False


_SCFA = ("colonic contents are near-isotonic (~300 mOsm/kg), so no short-chain fatty acid anion can exceed "
         "~300 mM")

NIGHTLY_BOUNDS: dict[str, Bound] = {
    "time_in_bed_min": Bound(0, 24 * 60, "a sleep opportunity lies within one day"),
    "tst_min": Bound(0, 24 * 60, "sleep lies inside the time in bed (also checked: TST <= TIB)"),
    "sleep_efficiency_pct": Bound(0, 100, "a share of the time in bed"),
    "sol_min": Bound(0, 24 * 60, "latency lies inside the time in bed (also checked: SOL + TST + WASO <= TIB)",
                     nan_allowed=True),
    "waso_min": Bound(0, 24 * 60, "wake after onset lies inside the time in bed", nan_allowed=True),
    "sws_min": Bound(0, 24 * 60, "slow-wave sleep is part of total sleep (also checked: SWS <= TST)"),
    "sws_pct": Bound(0, 100, "a share of total sleep time (empty when TST = 0)", nan_allowed=True),
    "rem_min": Bound(0, 24 * 60, "REM sleep is part of total sleep (also checked: REM + N3 <= TST)"),
    "rem_pct": Bound(0, 100, "a share of total sleep time (empty when TST = 0)", nan_allowed=True),
    "rem_latency_min": Bound(0, 24 * 60, "from onset to the first REM inside the night (empty without REM)",
                             nan_allowed=True),
    "n3_min": Bound(0, 24 * 60, "the same as sws_min"),
}
"""Bounds of the numeric nightly columns."""

DAILY_BOUNDS: dict[str, Bound] = {
    "shannon": Bound(0, math.log(N_TAXA), f"natural-log Shannon index of at most {N_TAXA} modelled taxa"),
    "richness": Bound(0, N_TAXA, "number of modelled taxa"),
    "butyrate_mM": Bound(0, 300, _SCFA),
    "propionate_mM": Bound(0, 300, _SCFA),
    "acetate_mM": Bound(0, 300, _SCFA),
    "gaba": Bound(0, 1000, "ug/g stool; 3x the highest fecal GABA reported (0-330 ug/g, GABA-01)"),
    "gut_serotonin": Bound(0, 40000, "ug; 5x the ~8 mg the gut holds (SER-01): EC cells cannot store more"),
    "gut_serotonin_share": Bound(0, 1, "a share"),
    "brain_serotonin": Bound(0, 750, "ug; 5x the ~150 ug of a human brain: synthesis is capped by TPH2 capacity"),
    "melatonin_peak_pg_ml": Bound(0, 500, "pg/mL; endogenous night peaks are 10-150 pg/mL (no oral doses here)"),
    "dlmo_clock_h": Bound(0, 24, "a local clock hour", nan_allowed=True),
    "vagal_signal": Bound(0, 10, "relative to a baseline person; afferent firing saturates (assumption: 10x)"),
    "permeability_index": Bound(0, 1, "lactulose/mannitol ratio: severe enteropathy reaches ~0.1-0.5"),
    "lps_fold": Bound(0, 100, "plasma LPS relative to healthy fasting; sepsis reaches ~10-50 fold"),
    "lbp_ug_ml": Bound(0, 200, "ug/mL; healthy 5-15, sepsis up to ~100-200"),
    "il6_pg_ml": Bound(0, 5000, "pg/mL; septic shock reaches thousands, low-grade inflammation 2-10"),
    "crp_mg_l": Bound(0, 500, "mg/L; the highest values in sepsis are ~300-500"),
    "cortisol_morning_nmol_l": Bound(0, 2000, "nmol/L; Cushing's syndrome rarely exceeds ~1,500-2,000 (empty on "
                                     "a local day cut short by an eastward jet lag before the window)",
                                     nan_allowed=True),
    "cortisol_evening_nmol_l": Bound(0, 2000, "nmol/L; Cushing's syndrome rarely exceeds ~1,500-2,000 (empty on "
                                     "a local day cut short by an eastward jet lag before the window)",
                                     nan_allowed=True),
    "microbial_rhythm_amplitude": Bound(0, 1, "relative amplitude"),
    "nap_sleep_min": Bound(0, 16 * 60, "min; at most 4 naps of at most 4 h a day"),
    "richness_resident": Bound(0, N_TAXA, "number of modelled taxa"),
    "richness_observed": Bound(0, N_TAXA, "expected number of modelled taxa seen"),
    "transit_h": Bound(5, 200, "h; whole-gut transit of healthy adults ~10-70 h, severe slow-transit constipation "
                       "up to ~5-7 days"),
    "stool_bristol": Bound(1, 7, "the Bristol stool form scale runs from 1 to 7"),
    "glucose_iauc_mmol_min_l": Bound(0, 15000, "mmol/L x min over a day; healthy adults a few hundred per meal, "
                                     "untreated diabetes several thousand a day"),
    "ogtt_iauc_mmol_min_l": Bound(0, 1500, "mmol/L x min; healthy ~150-300, diabetes ~600-900"),
    "insulin_sensitivity": Bound(0, 1.5, "relative to the baseline person; insulin resistance lowers it several-fold"),
}
"""Bounds of the numeric daily columns (``guild_*`` shares are bounded 0-1 by :func:`bound_of`)."""


def bound_of(table: str, column: str) -> Bound | None:
    """The bound of ``column`` in the ``nightly`` or ``daily`` table (None for keys and clock strings)."""
    if table == "daily" and column.startswith("guild_"):
        return Bound(0, 1, "share of the community")
    return (NIGHTLY_BOUNDS if table == "nightly" else DAILY_BOUNDS).get(column)
