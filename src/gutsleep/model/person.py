"""Person covariates (age, sex, BMI, vagotomy, irritable bowel syndrome) and the body quantities derived from them.

Covariates are parameters set per subject from the scenario's ``person`` block. Other modules read the
derived quantities below where the literature gives a dependence on age, sex or body size.
"""

from __future__ import annotations

from gutsleep.model.spec import ModelBuilder


def build(m: ModelBuilder) -> None:
    m.module("person", __doc__ or "")
    age = m.param("age_years", 35, "year", 18, 100, "assumption: adult reference age of the shipped baseline",
                  "age of the person")
    female = m.param("is_female", 1, "1", 0, 1, "assumption: covariate switch, 1 = female, 0 = male",
                     "sex covariate (1 female, 0 male)")
    bmi = m.param("bmi_kg_m2", 23, "kg/m^2", 15, 60, "assumption: a normal-weight adult is the reference person",
                  "body-mass index")
    m.param("vagotomy", 0, "1", 0, 1, "assumption: switch; 1 cuts vagal afferent transmission entirely",
            "1 if the subdiaphragmatic vagus is cut, else 0")
    m.param("ibs", 0, "1", 0, 1, "assumption: switch; 1 for a person with irritable bowel syndrome (Rome IV)",
            "1 if the person has irritable bowel syndrome, else 0")
    h_f = m.param("height_female_m", 1.63, "m", 1.45, 1.85,
                  "assumption: mean adult female height in the US (~1.63 m, NHANES order of magnitude)",
                  "height used to turn BMI into body mass (women)")
    h_m = m.param("height_male_m", 1.76, "m", 1.55, 2.0,
                  "assumption: mean adult male height in the US (~1.76 m, NHANES order of magnitude)",
                  "height used to turn BMI into body mass (men)")
    height = m.let("height_m", female * h_f + (1 - female) * h_m, "m", "height from sex")
    m.let("body_mass_kg", bmi * height**2, "kg", "body mass from BMI and height")
    m.let("age_above_reference", age - 35, "year", "years above the 35-year reference age")
