"""Input channels that drive the model: the only way time enters the equations.

The model is autonomous given these channels. Each channel is a piecewise-constant
signal on the solver grid (one value per step of ``STEP_H`` hours), produced by
:mod:`gutsleep.inputs` from a scenario. Rates are per hour of simulation time.
"""

from __future__ import annotations

from dataclasses import dataclass

STEP_H: float = 0.25
"""Solver step and input resolution (h): 15 minutes, fine enough for meals, light and sleep."""

STEPS_PER_DAY: int = round(24 / STEP_H)

GRAMS_ETHANOL_PER_DRINK: float = 14.0
"""US standard drink (g ethanol); NIAAA definition."""

ADDED_FIBERS: dict[str, str] = {
    "resistant_starch": "resistant starch",
    "arabinoxylan": "cereal arabinoxylan",
    "pectin": "pectin",
    "beta_glucan": "cereal beta-glucan",
}
"""Isolated fibers a scenario can add on top of ``fiber_g`` (habit ``<name>_g``, channel ``<name>_g_per_h``)."""


@dataclass(frozen=True)
class InputChannel:
    """One exogenous signal: its symbol name, unit and meaning."""

    name: str
    unit: str
    description: str


INPUTS: tuple[InputChannel, ...] = (
    InputChannel("light_lux", "lux", "light at the eye with the eyes open, in lux of cool-white fluorescent light of "
                 "the same melanopic effect (melanopic EDI / 0.6; the shorthand levels count as fluorescent light); "
                 "the model gates it by sleep and closed eyes"),
    InputChannel("in_bed", "1", "1 inside the sleep opportunity (bed to wake time), else 0"),
    InputChannel("meal", "1", "1 during a step in which a meal is eaten, else 0 (entrains the gut clock)"),
    InputChannel("fiber_g_per_h", "g/h", "total dietary fiber intake rate, delivered with meals"),
    InputChannel("prebiotic_g_per_h", "g/h", "inulin/FOS prebiotic fiber intake rate, delivered with meals"),
    InputChannel("fermented_servings_per_h", "servings/h", "fermented-food servings, delivered with meals"),
    InputChannel("probiotic_cfu_per_h", "CFU/h", "probiotic supplement, taken with the first meal"),
    InputChannel("added_sugar_g_per_h", "g/h", "added sugar intake rate, delivered with meals"),
    InputChannel("protein_g_per_h", "g/h", "protein intake rate, delivered with meals"),
    InputChannel("ultra_processed_share", "1", "share of energy from ultra-processed food (daily level)"),
    InputChannel("emulsifier_g_per_day", "g/day", "added emulsifier (CMC, P80) beyond the processed-food share"),
    InputChannel("alcohol_g_per_h", "g/h", "ethanol intake rate (14 g per standard drink)"),
    InputChannel("saccharin_mg_per_day", "mg/day", "saccharin intake (daily level)"),
    InputChannel("sucralose_mg_per_day", "mg/day", "sucralose intake (daily level)"),
    InputChannel("aspartame_mg_per_day", "mg/day", "aspartame intake (daily level)"),
    InputChannel("water_l_per_day", "L/day", "drinking water (daily level)"),
    InputChannel("antibiotic_broad", "1", "1 while a broad-spectrum course is taken"),
    InputChannel("antibiotic_anaerobe", "1", "1 while an anti-anaerobe course (e.g. clindamycin) is taken"),
    InputChannel("antibiotic_quinolone", "1", "1 while a fluoroquinolone course (e.g. ciprofloxacin) is taken"),
    InputChannel("stress", "1", "psychological stress, 0 (none) to 1 (severe)"),
    InputChannel("eyes_closed", "1",
                 "1 during a light episode with the eyes closed, else 0 (asleep closes them anyway)"),
    InputChannel("caffeine_mg_per_h", "mg/h", "oral caffeine intake rate (each dose delivered within one step)"),
    InputChannel("melatonin_mg_per_h", "mg/h", "oral melatonin intake rate (each tablet delivered within one step)"),
    InputChannel("arousal_noise", "1", "log of the night's multiplicative factor on night-time arousal, one value per "
                 "night during its sleep opportunity (scenario variability; 0 = none)"),
    InputChannel("onset_noise", "1", "offset of the log hazard of sleep onset, one value per night during its sleep "
                 "opportunity (scenario variability; 0 = none)"),
    *(InputChannel(f"{name}_g_per_h", "g/h", f"added {label} intake rate, delivered with meals")
      for name, label in ADDED_FIBERS.items()),
    InputChannel("fat_g_per_day", "g/day", "total dietary fat (daily level)"),
    InputChannel("alarm_free", "1", "1 inside a sleep opportunity without an alarm (the person gets up when the "
                 "night's sleep ends), else 0"),
    InputChannel("light_lux_risen", "lux", "light at the eye out of bed during an alarm-free opportunity (the day's "
                 "awake light; same units as light_lux), else 0"),
    InputChannel("nap", "1", "1 inside a daytime nap (a sleep opportunity that is not a night), else 0"),
)

EXPERIMENT_INPUTS: tuple[InputChannel, ...] = (
    InputChannel("endotoxin_ng_per_kg_per_h", "ng/kg/h", "intravenous endotoxin (experimental protocols only)"),
    InputChannel("colonic_butyrate_infusion_mmol_per_h", "mmol/h",
                 "butyrate delivered to the colon and portal route (tributyrin-like protocols only)"),
    InputChannel("oral_acetate_mmol_per_h", "mmol/h", "oral acetate absorbed in the upper gut (protocols only)"),
)
"""Channels that scenarios never set; the evidence experiments use them to reproduce published protocols."""

PATHWAY_SIGNALS: dict[str, tuple[tuple[str, str], ...]] = {
    "serotonin_melatonin": (("melatonin_plasma_pmol_l", "pmol/L"), ("brain_serotonin_ug", "ug")),
    "gaba_vagus": (("vagal_tone", "1"),),
    "scfa_butyrate": (("portal_butyrate_rel", "1"),),
    "inflammation": (("il6_fold", "1"), ("il6_chronic_fold", "1")),
    "cortisol_hpa": (("cortisol_nmol_l", "nmol/L"),),
    "circadian": (("process_C", "1"), ("circadian_misalignment", "1")),
    "direct": (("blood_alcohol_g_l", "g/L"), ("alcohol_rebound_g_l", "g/L"), ("stress", "1"),
               ("chylomicron_lps_carrier", "1")),
}
"""The signals through which each pathway reaches the sleep module (its last link into sleep).

For pathway attribution a run can clamp a pathway: ``clamp_<pathway>`` = 1 makes the sleep module read
``clamp_value_<signal>`` (another run's trajectory) instead of the live signal, for all of its signals."""

CLAMP_INPUTS: tuple[InputChannel, ...] = tuple(
    InputChannel(f"clamp_{pathway}", "1", f"1 replaces the {pathway.replace('_', '/')} signals seen by sleep")
    for pathway in PATHWAY_SIGNALS
) + tuple(
    InputChannel(f"clamp_value_{signal}", unit, f"value of {signal} seen by sleep while its pathway is clamped")
    for signals in PATHWAY_SIGNALS.values()
    for signal, unit in signals
)

ALL_INPUTS: tuple[InputChannel, ...] = INPUTS + EXPERIMENT_INPUTS + CLAMP_INPUTS
"""Every channel the model reads, in kernel order: scenario channels first (their indices never change)."""

SCENARIO_INPUT_NAMES: tuple[str, ...] = tuple(c.name for c in INPUTS)
INPUT_NAMES: tuple[str, ...] = tuple(c.name for c in ALL_INPUTS)
INPUT_INDEX: dict[str, int] = {name: i for i, name in enumerate(INPUT_NAMES)}
