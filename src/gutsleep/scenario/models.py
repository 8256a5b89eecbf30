"""Pydantic models of a scenario: who the person is, their daily habits and what changes when.

The field names are the public YAML contract (see ``docs/scenarios.md``). All models are frozen
(immutable, hashable) and forbid unknown fields, so a typo in a scenario file is an error rather
than a silently ignored setting.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from gutsleep.scenario.fields import ClockTime, Name, Number, Ranged, Text, Whole, clock_hours, fmt_number

MAX_DAYS = 3650
MIN_SLEEP_WINDOW_H = 1.0
MAX_SLEEP_WINDOW_H = 16.0

AntibioticClass = Literal["broad_spectrum", "anaerobe", "quinolone"]
Condition = Literal["ibs"]
ANTIBIOTIC_CLASSES: tuple[str, ...] = ("broad_spectrum", "anaerobe", "quinolone")

Days = Whole(1, MAX_DAYS, "days")
DayIndex = Whole(0, MAX_DAYS - 1, "")
Age = Ranged(18, 100, "years")
Bmi = Ranged(15, 60, "kg/m^2")
FiberG = Ranged(0, 150, "g/day")
PrebioticG = Ranged(0, 50, "g/day")
IsolatedFiberG = Ranged(0, 100, "g/day")
FatG = Ranged(0, 400, "g/day")
FermentedServings = Ranged(0, 20, "servings/day")
ProbioticCfu = Ranged(0, 1e13, "CFU/day")
AddedSugarG = Ranged(0, 500, "g/day")
Share = Ranged(0, 1, "")
EmulsifierG = Ranged(0, 30, "g/day")
AlcoholDrinks = Ranged(0, 20, "drinks/day")
SweetenerMg = Ranged(0, 5000, "mg/day")
WaterL = Ranged(0, 10, "L/day")
ProteinG = Ranged(0, 400, "g/day")
Stress = Ranged(0, 1, "")
Lux = Ranged(0, 150000, "lux")
CaffeineMg = Ranged(0, 1000, "mg")
MelatoninMg = Ranged(0, 20, "mg")
MAX_EPISODES = 16
MAX_DOSES = 12
MAX_NAPS = 4
MAX_NAP_H = 4.0

LightSource = Literal["daylight", "fluorescent", "warm_led", "incandescent", "cool_led", "screen"]
MELANOPIC_DER: dict[str, float] = {
    "daylight": 1.0,
    "cool_led": 0.85,
    "screen": 0.85,
    "fluorescent": 0.60,
    "incandescent": 0.54,
    "warm_led": 0.45,
}
"""Melanopic daylight (D65) efficacy ratio of each light source: melanopic EDI (lux) per photopic lux (CIE S 026/E:2018;
typical values as tabulated by Brown et al. 2022 PLoS Biol 20:e3001571). daylight = D65 by definition (1.0);
incandescent = CIE illuminant A (~0.54); cool-white fluorescent ~0.6; warm-white LED 2700-3000 K ~0.45 (a 3000 K LED
data sheet: 0.468); cool LED 5000-6500 K and white phone/tablet screens ~0.8-0.9 (a 4000 K LED: 0.632). Status: D65
by definition; the others RECALLED typical values (a real source can differ by +/-0.1; give its lux accordingly)."""
REFERENCE_SOURCE = "fluorescent"
"""Spectrum the shorthand levels (``day_lux``, ``evening_lux``, ``night_lux``) are read as: the cool-white fluorescent
light of the laboratory protocols to which the clock's light response was fitted (Hannay 2019), so the shorthand
keeps its meaning."""
ShiftHours = Ranged(-12, 12, "h")
Seed = Whole(0, 2**63 - 1, "")


def _rule(message: str, field: str | None = None, value: Any = None) -> PydanticCustomError:
    """A cross-field rule violation; ``field`` (if any) is appended to the error location."""
    return PydanticCustomError(
        "scenario_rule", "{message}", {"message": message, "field": field, "value": value}
    )


def sleep_window_problem(bedtime: str, wake_time: str) -> str | None:
    """Why a bed/wake pair is not allowed (None if fine): equal times or a window outside 1-16 h."""
    if bedtime == wake_time:
        return f"wake_time must differ from bedtime ({bedtime})"
    window = (clock_hours(wake_time) - clock_hours(bedtime)) % 24.0
    if not MIN_SLEEP_WINDOW_H <= window <= MAX_SLEEP_WINDOW_H:
        return (
            f"sleep opportunity {bedtime} to {wake_time} lasts {fmt_number(round(window, 2))} h; "
            f"allowed range {fmt_number(MIN_SLEEP_WINDOW_H)} to {fmt_number(MAX_SLEEP_WINDOW_H)} h"
        )
    return None


def check_meals(meals: tuple[str, ...]) -> tuple[str, ...]:
    """Meals: at most 8, all distinct clock times."""
    if len(meals) > 8:
        raise PydanticCustomError("meals", "at most 8 meals per day are allowed (got {n})", {"n": len(meals)})
    if len(set(meals)) != len(meals):
        raise PydanticCustomError("meals", "meal times must be distinct (allowed: 0 to 8 distinct HH:MM)", {})
    return meals


class _Strict(BaseModel):
    """Common config: immutable and no unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Person(_Strict):
    """The simulated person: fixed traits that set physiology, not behaviour."""

    age: Age = 35.0
    """Age (years), 18-100."""
    sex: Literal["female", "male"] = "female"
    bmi: Bmi = 23.0
    """Body-mass index (kg/m^2), 15-60."""
    vagotomy: bool = False
    """True if the vagus nerve has been cut (truncal vagotomy): gut-to-brain vagal signalling is absent."""
    conditions: tuple[Condition, ...] = ()
    """Diagnosed conditions that change the model's physiology: ``ibs`` (irritable bowel syndrome: visceral
    hypersensitivity, a leakier barrier and stress-accelerated transit)."""

    @field_validator("conditions")
    @classmethod
    def _conditions(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise PydanticCustomError("conditions", "each condition may be listed once", {})
        return v


class Sweeteners(_Strict):
    """Non-nutritive sweeteners (mg/day each, 0-5000)."""

    saccharin_mg: SweetenerMg = 0.0
    sucralose_mg: SweetenerMg = 0.0
    aspartame_mg: SweetenerMg = 0.0


def _clock_window_problem(start: str, end: str) -> str | None:
    if start == end:
        return f"end must differ from start ({start}); an episode lasts 15 min to 23 h 45 min"
    return None


class LightEpisode(_Strict):
    """Light at the eye from ``start`` to ``end`` every day the habits are in force (local clock; an episode whose
    end is earlier than its start runs past midnight). ``lux`` is photopic illuminance at the eye from this source;
    episodes add to the shorthand background (``day_lux``/``evening_lux``/``night_lux``) and to each other."""

    start: ClockTime
    end: ClockTime
    lux: Lux
    source: LightSource = "fluorescent"
    """Spectrum: daylight, fluorescent, warm_led, incandescent, cool_led or screen (sets the melanopic weight)."""
    eyes_closed: bool = False
    """True if the eyes are closed during the episode (light then passes the eyelids only); during sleep the eyes
    are closed anyway."""

    @field_validator("end")
    @classmethod
    def _not_empty(cls, v: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        problem = None if start is None else _clock_window_problem(start, v)
        if problem:
            raise _rule(problem, value=v)
        return v


def check_episodes(v: tuple[LightEpisode, ...]) -> tuple[LightEpisode, ...]:
    if len(v) > MAX_EPISODES:
        raise PydanticCustomError("episodes", "at most {n} light episodes per day are allowed (got {got})",
                                  {"n": MAX_EPISODES, "got": len(v)})
    return v


class CaffeineDose(_Strict):
    """One caffeine intake: ``mg`` (0-1000 mg; a cup of brewed coffee ~95 mg, espresso ~65 mg) at clock ``time``."""

    time: ClockTime
    mg: CaffeineMg


class MelatoninDose(_Strict):
    """One oral melatonin tablet: ``mg`` (0-20 mg; common doses 0.3-5 mg) at clock ``time``."""

    time: ClockTime
    mg: MelatoninMg


def check_doses(v: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(v) > MAX_DOSES:
        raise PydanticCustomError("doses", "at most {n} doses per day are allowed (got {got})",
                                  {"n": MAX_DOSES, "got": len(v)})
    return v


class Nap(_Strict):
    """A daytime sleep opportunity from ``start`` to ``end`` (local clock, within one day: ``end`` later than
    ``start``, 15 min to 4 h), every day the habits are in force; ``lux`` is the light at the eye while napping."""

    start: ClockTime
    end: ClockTime
    lux: Lux = 0.0
    """Photopic lux at the eye in the nap room (fluorescent-equivalent); 0 = a darkened room."""

    @field_validator("end")
    @classmethod
    def _within_day(cls, v: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is None:
            return v
        length = clock_hours(v) - clock_hours(start)
        if not 0.25 <= length <= MAX_NAP_H:
            raise _rule(f"a nap lies within one day and lasts 15 min to {fmt_number(MAX_NAP_H)} h: {start} to {v} "
                        f"{'ends before it starts' if length <= 0 else f'lasts {fmt_number(round(length, 2))} h'}",
                        value=v)
        return v


def check_naps(v: tuple[Nap, ...]) -> tuple[Nap, ...]:
    """Naps: at most 4 a day, not overlapping each other."""
    if len(v) > MAX_NAPS:
        raise PydanticCustomError("naps", "at most {n} naps per day are allowed (got {got})",
                                  {"n": MAX_NAPS, "got": len(v)})
    spans = sorted((clock_hours(n.start), clock_hours(n.end)) for n in v)
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise PydanticCustomError("naps", "naps must not overlap each other", {})
    return v


def nap_night_problem(naps: tuple[Nap, ...], bedtime: str, wake_time: str) -> str | None:
    """Why naps clash with the night's sleep opportunity (None if they do not): a nap lies outside bed-to-wake."""
    bed, wake = clock_hours(bedtime), clock_hours(wake_time)
    for n in naps:
        a, b = clock_hours(n.start), clock_hours(n.end)
        for lo, hi in ((bed, bed + (wake - bed) % 24.0), (bed - 24.0, bed - 24.0 + (wake - bed) % 24.0)):
            if a < hi and lo < b:
                return (f"nap {n.start}-{n.end} overlaps the night's sleep opportunity {bedtime}-{wake_time}; "
                        "move the nap or the bed/wake times")
    return None


class Light(_Strict):
    """Ambient light at the eye (lux): daytime, evening (from ``evening_from`` to bed) and in bed, plus optional
    ``episodes`` of a given source (screen, lamp, outdoors) on top."""

    day_lux: Lux = 1000.0
    evening_lux: Lux = 100.0
    night_lux: Lux = 0.0
    evening_from: ClockTime = "21:00"
    """Local clock time at which evening (indoor) light starts."""
    episodes: tuple[LightEpisode, ...] = ()
    """Light episodes of the day (at most 16)."""

    @field_validator("episodes")
    @classmethod
    def _episodes(cls, v: tuple[LightEpisode, ...]) -> tuple[LightEpisode, ...]:
        return check_episodes(v)


class Habits(_Strict):
    """Daily habits in force on a day. Defaults: a typical US diet and schedule."""

    fiber_g: FiberG = 15.0
    prebiotic_g: PrebioticG = 0.0
    resistant_starch_g: IsolatedFiberG = 0.0
    """Resistant starch added to the diet (g/day, 0-100; e.g. raw potato or high-amylose maize starch), on top of
    ``fiber_g``, whose classes follow the typical mixed-diet mix."""
    arabinoxylan_g: IsolatedFiberG = 0.0
    """Cereal arabinoxylan (hemicellulose) added to the diet (g/day, 0-100; e.g. wheat-bran extract, psyllium)."""
    pectin_g: IsolatedFiberG = 0.0
    """Pectin added to the diet (g/day, 0-100; e.g. apple or citrus pectin)."""
    beta_glucan_g: IsolatedFiberG = 0.0
    """Cereal beta-glucan added to the diet (g/day, 0-100; e.g. oat or barley beta-glucan)."""
    fat_g: FatG = 80.0
    """Total dietary fat (g/day, 0-400); more fat means more bile reaching the colon, which feeds bile-tolerant
    taxa."""
    fermented_servings: FermentedServings = 0.0
    probiotic_cfu: ProbioticCfu = 0.0
    added_sugar_g: AddedSugarG = 70.0
    ultra_processed_share: Share = 0.55
    emulsifier_g: EmulsifierG = 0.0
    alcohol_drinks: AlcoholDrinks = 0.0
    alcohol_time: ClockTime = "20:00"
    sweeteners: Sweeteners = Field(default_factory=Sweeteners)
    water_l: WaterL = 2.0
    protein_g: ProteinG = 80.0
    meals: tuple[ClockTime, ...] = ("08:00", "13:00", "19:00")
    bedtime: ClockTime = "23:00"
    wake_time: ClockTime = "07:00"
    stress: Stress = 0.2
    light: Light = Field(default_factory=Light)
    caffeine_mg: CaffeineMg = 0.0
    """Habitual caffeine taken once a day at ``caffeine_time`` (mg, 0-1000); added to ``caffeine_doses``."""
    caffeine_time: ClockTime = "08:00"
    caffeine_doses: tuple[CaffeineDose, ...] = ()
    """Caffeine intakes of the day: list of {time, mg} (at most 12)."""
    melatonin_mg: MelatoninMg = 0.0
    """Oral melatonin taken once a day at ``melatonin_time`` (mg, 0-20); added to ``melatonin_doses``."""
    melatonin_time: ClockTime = "22:00"
    melatonin_doses: tuple[MelatoninDose, ...] = ()
    """Melatonin tablets of the day: list of {time, mg} (at most 12)."""
    alarm: bool = True
    """True: the night's sleep opportunity ends at ``wake_time``. False (no alarm): the person gets up when the
    night's sleep ends (set by the model), at the latest 16 h after bedtime or at the day's first nap; ``wake_time``
    is then not used."""
    naps: tuple[Nap, ...] = ()
    """Daytime sleep opportunities of the day: list of {start, end, lux} (at most 4, outside bed-to-wake)."""

    @field_validator("meals")
    @classmethod
    def _meals(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return check_meals(v)

    @field_validator("naps")
    @classmethod
    def _naps(cls, v: tuple[Nap, ...]) -> tuple[Nap, ...]:
        return check_naps(v)

    @field_validator("wake_time")
    @classmethod
    def _window(cls, v: str, info: ValidationInfo) -> str:
        bed = info.data.get("bedtime")
        if bed is not None:
            problem = sleep_window_problem(bed, v)
            if problem:
                raise _rule(problem, value=v)
        return v

    @model_validator(mode="after")
    def _naps_outside_night(self) -> Habits:
        problem = nap_night_problem(self.naps, self.bedtime, self.wake_time)
        if problem:
            raise _rule(problem, field="naps")
        return self

    @field_validator("caffeine_doses", "melatonin_doses")
    @classmethod
    def _doses(cls, v: tuple[Any, ...]) -> tuple[Any, ...]:
        return check_doses(v)

    def caffeine_intakes(self) -> tuple[tuple[str, float], ...]:
        """(clock time, mg) of every caffeine intake of the day (shorthand first)."""
        out = [(self.caffeine_time, self.caffeine_mg)] if self.caffeine_mg > 0 else []
        return tuple(out + [(d.time, d.mg) for d in self.caffeine_doses if d.mg > 0])

    def melatonin_intakes(self) -> tuple[tuple[str, float], ...]:
        """(clock time, mg) of every melatonin tablet of the day (shorthand first)."""
        out = [(self.melatonin_time, self.melatonin_mg)] if self.melatonin_mg > 0 else []
        return tuple(out + [(d.time, d.mg) for d in self.melatonin_doses if d.mg > 0])


    def apply(self, patch: HabitsPatch) -> Habits:
        """These habits with the fields given in ``patch`` replaced (nested groups merged)."""
        update: dict[str, Any] = {}
        for name in patch.model_fields_set:
            value = getattr(patch, name)
            if value is None:
                continue
            if name in ("sweeteners", "light"):
                nested = {k: getattr(value, k) for k in value.model_fields_set}
                update[name] = getattr(self, name).model_copy(update=nested)
            else:
                update[name] = value
        return self.model_copy(update=update)


class _Patch(_Strict):
    """Base of partial models: an explicit ``null`` is an error (omit the field instead)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, v: Any) -> Any:
        if v is None:
            raise PydanticCustomError(
                "null", "null is not allowed here; leave the field out to keep it unchanged", {}
            )
        return v


class SweetenersPatch(_Patch):
    """Partial :class:`Sweeteners` used in an intervention's ``set``."""

    saccharin_mg: SweetenerMg | None = None
    sucralose_mg: SweetenerMg | None = None
    aspartame_mg: SweetenerMg | None = None


class LightPatch(_Patch):
    """Partial :class:`Light` used in an intervention's ``set``."""

    day_lux: Lux | None = None
    evening_lux: Lux | None = None
    night_lux: Lux | None = None
    evening_from: ClockTime | None = None
    episodes: tuple[LightEpisode, ...] | None = None
    """Replaces the whole list of episodes (``[]`` removes them)."""

    @field_validator("episodes")
    @classmethod
    def _episodes(cls, v: tuple[LightEpisode, ...] | None) -> tuple[LightEpisode, ...] | None:
        return None if v is None else check_episodes(v)


class HabitsPatch(_Patch):
    """Partial :class:`Habits`: only the given fields change; same ranges as :class:`Habits`."""

    fiber_g: FiberG | None = None
    prebiotic_g: PrebioticG | None = None
    resistant_starch_g: IsolatedFiberG | None = None
    arabinoxylan_g: IsolatedFiberG | None = None
    pectin_g: IsolatedFiberG | None = None
    beta_glucan_g: IsolatedFiberG | None = None
    fat_g: FatG | None = None
    fermented_servings: FermentedServings | None = None
    probiotic_cfu: ProbioticCfu | None = None
    added_sugar_g: AddedSugarG | None = None
    ultra_processed_share: Share | None = None
    emulsifier_g: EmulsifierG | None = None
    alcohol_drinks: AlcoholDrinks | None = None
    alcohol_time: ClockTime | None = None
    sweeteners: SweetenersPatch | None = None
    water_l: WaterL | None = None
    protein_g: ProteinG | None = None
    meals: tuple[ClockTime, ...] | None = None
    bedtime: ClockTime | None = None
    wake_time: ClockTime | None = None
    stress: Stress | None = None
    light: LightPatch | None = None
    caffeine_mg: CaffeineMg | None = None
    caffeine_time: ClockTime | None = None
    caffeine_doses: tuple[CaffeineDose, ...] | None = None
    melatonin_mg: MelatoninMg | None = None
    melatonin_time: ClockTime | None = None
    melatonin_doses: tuple[MelatoninDose, ...] | None = None
    alarm: bool | None = None
    naps: tuple[Nap, ...] | None = None

    @field_validator("meals")
    @classmethod
    def _meals(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if v is None else check_meals(v)

    @field_validator("naps")
    @classmethod
    def _naps(cls, v: tuple[Nap, ...] | None) -> tuple[Nap, ...] | None:
        return None if v is None else check_naps(v)

    @field_validator("caffeine_doses", "melatonin_doses")
    @classmethod
    def _doses(cls, v: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
        return None if v is None else check_doses(v)

    @model_validator(mode="after")
    def _not_empty(self) -> HabitsPatch:
        if not self.model_fields_set:
            raise _rule("set must change at least one habit")
        return self


class Intervention(_Strict):
    """A time-bounded change on local days ``start_day..end_day`` (inclusive; no end = to the end).

    Exactly one of ``set`` (new habit values) or ``antibiotics`` (a course of that class; needs
    ``end_day``) is given.
    """

    start_day: DayIndex
    end_day: DayIndex | None = None
    set: HabitsPatch | None = None
    antibiotics: AntibioticClass | None = None

    @field_validator("end_day")
    @classmethod
    def _end_after_start(cls, v: int | None, info: ValidationInfo) -> int | None:
        start = info.data.get("start_day")
        if v is not None and start is not None and v < start:
            raise PydanticCustomError(
                "end_before_start",
                "end_day must be >= start_day ({start}); end_day is inclusive",
                {"start": start},
            )
        return v

    @model_validator(mode="after")
    def _one_kind(self) -> Intervention:
        if self.set is not None and self.antibiotics is not None:
            raise _rule(
                "give either set or antibiotics in one intervention, not both",
                "antibiotics",
                self.antibiotics,
            )
        if self.set is None and self.antibiotics is None:
            raise _rule(
                "an intervention needs either set (habit changes) or antibiotics "
                "(one of: broad_spectrum, anaerobe, quinolone)"
            )
        if self.antibiotics is not None and self.end_day is None:
            raise _rule(
                "end_day is required for an antibiotics course (allowed: start_day to days-1)", "end_day"
            )
        return self

    def covers(self, day: int) -> bool:
        """True if local day ``day`` lies within [start_day, end_day]."""
        return self.start_day <= day and (self.end_day is None or day <= self.end_day)


class Event(_Strict):
    """A one-off event on a local day: ``sleep_deprivation`` (night ``day`` is spent awake) or
    ``jet_lag`` (local time moves by ``shift_hours`` at local noon; positive = eastward)."""

    day: DayIndex
    type: Literal["sleep_deprivation", "jet_lag"]
    shift_hours: ShiftHours | None = None

    @field_validator("shift_hours")
    @classmethod
    def _shift(cls, v: float | None) -> float | None:
        if v is not None and (v == 0 or (v * 4) != round(v * 4)):
            raise PydanticCustomError(
                "shift",
                "shift_hours must be non-zero and a multiple of 0.25 h (allowed range -12 to 12 h)",
                {},
            )
        return v

    @model_validator(mode="after")
    def _fields_for_type(self) -> Event:
        if self.type == "jet_lag" and self.shift_hours is None:
            raise _rule("jet_lag needs shift_hours (allowed range -12 to 12 h, not 0)", "shift_hours")
        if self.type == "sleep_deprivation" and self.shift_hours is not None:
            raise _rule("shift_hours is only allowed for jet_lag events", "shift_hours", self.shift_hours)
        return self


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
VARIABILITY_MAX_SD = 3.0
"""Day-to-day deviations are normal draws truncated at this many SDs (no 5-SD nights from a Gaussian tail)."""


class Variability(_Strict):
    """Day-to-day variation of one person's life: bed and wake times that scatter from night to night, later nights
    before the weekend, days that are brighter or duller, calmer or more stressful, meals that move, and nights that
    are more or less restless than the habits alone would make them.

    Every field left out takes its ``typical`` value (``variability: typical`` is the same as ``variability: {}``);
    0 switches a component off. Draws come from ``numpy.random.default_rng`` keyed on the scenario's ``seed`` and the
    local day, so a person's days do not depend on how a cohort is chunked or distributed.
    """

    bedtime_sd_min: Ranged(0, 180, "min") = 65.0  # type: ignore[valid-type]
    """Night-to-night SD of bedtime around the habitual one (min, 0-180). Typical 65 min, set with
    ``wake_time_sd_min`` (independent draws) and the weekend shifts so that the night-to-night SD of time in bed is
    that of the CARDIA actigraphy study, 1.31 h = 79 min within persons (Knutson et al. 2007 Sleep 30:793; finding
    VAR-01, experiment VAR01-TIB); MESA Sleep reports a mean within-person SD of sleep-onset timing of 82 min (VAR-03).
    Above 3 h a schedule is shift work, not day-to-day scatter."""
    wake_time_sd_min: Ranged(0, 180, "min") = 50.0  # type: ignore[valid-type]
    """Night-to-night SD of the wake time (min, 0-180). Typical 50 min, smaller than the bedtime's: alarms fix the
    wake time on work days (assumption; the split of the CARDIA time-in-bed SD between bed and wake times is not
    reported)."""
    weekend_bedtime_shift_min: Ranged(-120, 240, "min") = 30.0  # type: ignore[valid-type]
    """How much later (min; negative: earlier) the person goes to bed on the two nights before free days (Friday
    and Saturday nights). Typical 30 min (assumption: sleep onset moves less than sleep offset on free days, so free
    nights are longer; NHANES 2003-2006 accelerometry: the in-bed midpoint of young adults is 57-69 min later on
    Friday and Saturday nights, Urbanek et al. 2018 Chronobiol Int 35:416)."""
    weekend_wake_shift_min: Ranged(-120, 240, "min") = 36.0  # type: ignore[valid-type]
    """How much later (min) the person gets up after the two nights before free days (Saturday and Sunday mornings;
    meals of those days move with it). Typical 36 min: UK Biobank actigraphy (79,161 adults, one week) found sleep
    offset on average 36 min later on weekends than on weekdays (Kelly et al. 2022 Clocks Sleep 4:658; VAR-02)."""
    meal_time_sd_min: Ranged(0, 120, "min") = 30.0  # type: ignore[valid-type]
    """Day-to-day SD of the timing of the day's meals (min, 0-120; all meals of a day move together and stay within
    the day). Typical 30 min (assumption: app-based food logging finds eating times that vary by about an hour from
    day to day, Gill & Panda 2015 Cell Metab 22:789, RECALLED)."""
    day_lux_cv: Ranged(0, 2, "") = 0.5  # type: ignore[valid-type]
    """Day-to-day coefficient of variation of the daytime background light (``day_lux``; log-normal factor with mean
    1; evening and night light and light episodes are not scaled). Typical 0.5 (assumption: weather and time
    outdoors change a day's light dose by about a factor of 2 between days in wearable light-logger studies,
    RECALLED)."""
    stress_sd: Ranged(0, 0.5, "") = 0.1  # type: ignore[valid-type]
    """Day-to-day SD of psychological stress (0-1 scale, added to the habit's stress and clipped to 0-1). Typical
    0.1 (assumption: in daily-diary studies about half of the variance of daily perceived stress lies within
    persons (RECALLED); the default population's between-person SD of stress is 0.15)."""
    arousal_noise_sd: Ranged(0, 1.5, "") = 0.5  # type: ignore[valid-type]
    """Night-to-night SD of the log of a multiplicative factor on night-time arousal (mean factor 1; 0.5 gives
    factors of ~0.6-1.6 on most nights): nights that are restless or calm for reasons the habits do not record
    (model parameter ``arousal_noise_gain`` scales it). Typical 0.5 (assumption, checked against the CARDIA
    night-to-night SD of sleep efficiency, VAR01-SE)."""
    onset_noise_sd: Ranged(0, 3, "") = 1.1  # type: ignore[valid-type]
    """Night-to-night SD of an offset of the log hazard of falling asleep (0-3; 1.1 makes the hazard ~0.3-3 x its
    usual value on most nights): evenings that are more or less settled for reasons the habits do not record (model
    parameter ``onset_noise_gain`` scales it). Typical 1.1, set so that the geometric SD of latencies is that of the
    lognormal spread between nights and people (DIST01-SOL, a calibration experiment); the CARDIA night-to-night
    SD of sleep latency (VAR01-SOL) tests it."""
    start_weekday: Weekday = "monday"
    """Weekday of day 0 (sets which nights are weekend nights)."""

    @classmethod
    def typical(cls) -> Variability:
        """The typical day-to-day variation of an adult (the field defaults)."""
        return cls()

    def is_off(self) -> bool:
        """True when every component is 0: the run is the deterministic one."""
        return all(getattr(self, n) == 0 for n in type(self).model_fields if n != "start_weekday")


def parse_variability(v: Any) -> Any:
    """``none`` (or null) -> None; ``typical`` -> the typical block; a mapping is validated as a block."""
    if v is None or (isinstance(v, str) and v.strip().lower() == "none"):
        return None
    if isinstance(v, str):
        if v.strip().lower() == "typical":
            return Variability.typical()
        raise PydanticCustomError("variability", "expected none, typical or a block of variability fields", {})
    return v


PERSON_PARAMETER_FIELDS: dict[str, str] = {
    "age_years": "person.age",
    "is_female": "person.sex",
    "bmi_kg_m2": "person.bmi",
    "vagotomy": "person.vagotomy",
    "ibs": "person.conditions",
}
"""Model parameters set from the scenario's ``person`` (not allowed in ``parameters``)."""


class ParameterValues(dict[str, float]):
    """Model parameter values of a scenario (name -> value): a read-only, hashable dict."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))

    def _read_only(self, *_args: Any, **_kwargs: Any) -> None:
        raise TypeError("scenario parameters are read-only; use scenario.model_copy(update=...)")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _read_only  # type: ignore[assignment]


def parameter_problems(values: dict[str, float]) -> list[tuple[tuple[str | int, ...], str, Any]]:
    """Why each entry of a ``parameters:`` block is not allowed: unknown name, set by ``person``, or a value
    outside the parameter's plausible range (the model is built only when the block is not empty)."""
    if not values:
        return []
    import difflib

    from gutsleep.model import build_model

    model = build_model()
    known = {p.name: p for p in model.parameters}
    out: list[tuple[tuple[str | int, ...], str, Any]] = []
    for name, value in values.items():
        loc = ("parameters", name)
        if name in PERSON_PARAMETER_FIELDS:
            out.append((loc, f"{name} is set by {PERSON_PARAMETER_FIELDS[name]}; set it there", value))
        elif name not in known:
            close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            out.append((loc, f"unknown model parameter {name!r}{hint} (list them with `gutsleep params --search "
                             f"WORD`)", value))
        else:
            p = known[name]
            if not p.low <= value <= p.high:
                unit = "" if p.unit in ("", "1") else f" {p.unit}"
                out.append((loc, f"out of range (plausible range {fmt_number(p.low)} to {fmt_number(p.high)}{unit}; "
                                 f"default {fmt_number(p.default)})", value))
    return out


class Scenario(_Strict):
    """A complete simulation scenario: person, baseline habits, interventions and events.

    Time conventions:

    * Days count from 0 (the first simulated day); ``end_day`` is inclusive.
    * Clock times are local "HH:MM". Simulation starts at local midnight of day 0.
    * A habit set on day d applies from the start (local midnight) of local day d.
    * A night belongs to the day on which it starts: a bedtime of 12:00 or later is on day d; a
      bedtime before 12:00 is the early morning of day d+1 (bedtime "03:00" set for day 14 means
      the sleep starting at 03:00 on day 15 is night 14). The bed/wake times of night d are those
      in force on day d.
    * ``jet_lag`` on day d moves local time by ``shift_hours`` at local 12:00 of day d (a midday
      flight): meals, light and bedtime follow local time, the body's clocks must re-entrain.
      Eastward (+) shortens local day d, westward (-) lengthens it.
    * ``sleep_deprivation`` on day d removes the whole sleep opportunity of night d; the person
      stays awake under evening light.
    """

    name: Name = Field("scenario", min_length=1, max_length=200)
    description: Text | None = None
    days: Days = 28
    seed: Seed = 0
    """Random seed for any stochastic parts of the simulation (the day-to-day ``variability``)."""
    person: Person = Field(default_factory=Person)
    habits: Habits = Field(default_factory=Habits)
    interventions: tuple[Intervention, ...] = ()
    events: tuple[Event, ...] = ()
    variability: Annotated[Variability | None, BeforeValidator(parse_variability)] = None
    """Day-to-day variability (``none``, ``typical`` or a block; see :class:`Variability`). Absent or ``none``: every
    day follows the habits exactly (a deterministic run)."""
    parameters: dict[str, Number] = Field(default_factory=ParameterValues)  # type: ignore[valid-type]
    """Model parameter values for this person (name -> value in the parameter's unit, within its plausible range;
    see ``gutsleep params``). They replace the model's defaults for this subject: a hypothesis to test."""

    @field_validator("parameters", mode="after")
    @classmethod
    def _frozen_parameters(cls, v: dict[str, float]) -> ParameterValues:
        return ParameterValues(v)

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        problems = self.problems()
        if problems:
            detail = "; ".join(f"{_dotted(loc)}: {msg}" for loc, msg, _ in problems)
            raise PydanticCustomError("scenario_rules", "{detail}", {"detail": detail, "problems": problems})
        return self

    def problems(self) -> list[tuple[tuple[str | int, ...], str, Any]]:
        """Rules that span several fields: days bounds, distinct jet-lag days, valid sleep windows, known
        parameters within their plausible ranges."""
        out: list[tuple[tuple[str | int, ...], str, Any]] = parameter_problems(self.parameters)
        last = self.days - 1
        for i, iv in enumerate(self.interventions):
            if iv.start_day > last:
                out.append(
                    (
                        ("interventions", i, "start_day"),
                        f"start_day must be before days={self.days} (allowed range 0 to {last})",
                        iv.start_day,
                    )
                )
            if iv.end_day is not None and iv.end_day > last:
                out.append(
                    (
                        ("interventions", i, "end_day"),
                        f"end_day must be before days={self.days} (allowed range start_day to {last})",
                        iv.end_day,
                    )
                )
        seen_jet: dict[int, int] = {}
        for i, ev in enumerate(self.events):
            if ev.day > last:
                out.append(
                    (
                        ("events", i, "day"),
                        f"day must be before days={self.days} (allowed range 0 to {last})",
                        ev.day,
                    )
                )
            if ev.type == "jet_lag":
                if ev.day in seen_jet:
                    out.append(
                        (
                            ("events", i, "day"),
                            f"only one jet_lag per day (events[{seen_jet[ev.day]}] is on the same day)",
                            ev.day,
                        )
                    )
                seen_jet[ev.day] = i
        # Sleep windows after merging bed/wake changes from overlapping interventions (one sweep over the
        # change days: linear in the number of interventions up to a log factor).
        reported: set[int] = set()
        days = self.change_days()
        for day, h, setters in self._habits_sweep(days):
            problem = sleep_window_problem(h.bedtime, h.wake_time)
            keys: tuple[tuple[str, ...], ...] = (("bedtime",), ("wake_time",))
            if problem is None:
                problem = nap_night_problem(h.naps, h.bedtime, h.wake_time)
                keys = (*keys, ("naps",))
            if problem is None:
                continue
            culprit = max(setters.get(k, -1) for k in keys)
            if culprit >= 0 and culprit not in reported:
                reported.add(culprit)
                patch = self.interventions[culprit].set
                assert patch is not None
                order = ("naps", "wake_time", "bedtime") if len(keys) == 3 else ("wake_time", "bedtime")
                field = next((f for f in order if f in patch.model_fields_set), order[-1])
                out.append(
                    (
                        ("interventions", culprit, "set", field),
                        f"on day {day}: {problem}",
                        getattr(patch, field),
                    )
                )
        return out

    def change_days(self) -> list[int]:
        """Sorted local days (within 0..days-1) on which the habits in force may change."""
        days = {0}
        for iv in self.interventions:
            if iv.set is None:
                continue
            days.add(iv.start_day)
            if iv.end_day is not None:
                days.add(iv.end_day + 1)
        return sorted(d for d in days if 0 <= d < self.days)

    def habits_on(self, day: int) -> Habits:
        """Habits in force on local day ``day``: base habits with every ``set`` intervention covering
        the day applied in list order. Days before 0 get the base habits."""
        h = self.habits
        for iv in self.interventions:
            if iv.set is not None and iv.covers(day):
                h = h.apply(iv.set)
        return h

    def habits_on_days(self, days: Sequence[int]) -> list[Habits]:
        """``[habits_on(d) for d in days]`` computed in one sweep (O((interventions + days) log interventions)
        instead of interventions x days)."""
        order = sorted(range(len(days)), key=lambda i: days[i])
        found = dict(zip(order, (h for _, h, _ in self._habits_sweep([days[i] for i in order])), strict=True))
        return [found[i] for i in range(len(days))]

    def _habits_sweep(
        self, days: Sequence[int]
    ) -> Iterator[tuple[int, Habits, dict[tuple[str, ...], int]]]:
        """For ascending ``days``: (day, habits in force, index of the intervention that sets each changed habit
        field). The last covering intervention in list order wins per field (nested groups per sub-field), as in
        :meth:`habits_on`."""
        changes: list[tuple[int, int, int, dict[tuple[str, ...], Any]]] = []  # start, end, index, leaf values
        for i, iv in enumerate(self.interventions):
            if iv.set is None:
                continue
            leaves: dict[tuple[str, ...], Any] = {}
            for name in iv.set.model_fields_set:
                value = getattr(iv.set, name)
                if value is None:
                    continue
                if name in ("sweeteners", "light"):
                    leaves.update({(name, sub): getattr(value, sub) for sub in value.model_fields_set})
                else:
                    leaves[(name,)] = value
            end = iv.end_day if iv.end_day is not None else MAX_DAYS + 1
            changes.append((iv.start_day, end, i, leaves))
        changes.sort(key=lambda c: c[0])
        heaps: dict[tuple[str, ...], list[tuple[int, int, Any]]] = {}  # leaf -> max-heap of (-index, end, value)
        nxt = 0
        for day in days:
            while nxt < len(changes) and changes[nxt][0] <= day:
                _, end, i, leaves = changes[nxt]
                for leaf, value in leaves.items():
                    heapq.heappush(heaps.setdefault(leaf, []), (-i, end, value))
                nxt += 1
            setters: dict[tuple[str, ...], int] = {}
            top: dict[tuple[str, ...], Any] = {}
            for leaf, heap in heaps.items():
                while heap and heap[0][1] < day:
                    heapq.heappop(heap)
                if heap:
                    setters[leaf] = -heap[0][0]
                    top[leaf] = heap[0][2]
            yield day, self._with_leaves(top), setters

    def _with_leaves(self, leaves: dict[tuple[str, ...], Any]) -> Habits:
        """Base habits with the given fields (``(name,)`` or ``(group, sub)``) replaced."""
        if not leaves:
            return self.habits
        update: dict[str, Any] = {}
        nested: dict[str, dict[str, Any]] = {}
        for leaf, value in leaves.items():
            if len(leaf) == 1:
                update[leaf[0]] = value
            else:
                nested.setdefault(leaf[0], {})[leaf[1]] = value
        for group, values in nested.items():
            update[group] = getattr(self.habits, group).model_copy(update=values)
        return self.habits.model_copy(update=update)

    def antibiotics_on(self, day: int) -> tuple[str, ...]:
        """Antibiotic classes taken on local day ``day`` (courses may overlap), in list order."""
        return tuple(
            iv.antibiotics for iv in self.interventions if iv.antibiotics is not None and iv.covers(day)
        )

    def antibiotic_on(self, day: int) -> str | None:
        """The antibiotic class taken on local day ``day`` (first listed if courses overlap), or None."""
        taken = self.antibiotics_on(day)
        return taken[0] if taken else None

    def sleep_deprivation_nights(self) -> frozenset[int]:
        """Nights (local days) whose sleep opportunity is removed."""
        return frozenset(ev.day for ev in self.events if ev.type == "sleep_deprivation")

    def jet_lags(self) -> list[tuple[int, float]]:
        """(local day, shift in hours) of each jet-lag event, sorted by day."""
        return sorted(
            (ev.day, float(ev.shift_hours))
            for ev in self.events
            if ev.type == "jet_lag" and ev.shift_hours is not None
        )


def _dotted(loc: tuple[str | int, ...]) -> str:
    """``('interventions', 1, 'end_day')`` -> ``interventions[1].end_day``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out
