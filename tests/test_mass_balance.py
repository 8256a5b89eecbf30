"""Mass balance of colonic substrates and their products, checked on the model's own equations (exactly, in sympy):
what is eaten is fermented, washed out with the stool or (the unfermentable part) never enters the pools, and every
gram fermented becomes short-chain fatty acids that are absorbed or excreted. A missing or doubled term in any of the
pools fails here, whatever the parameter values."""

from __future__ import annotations

import sympy as sp

from gutsleep.model import build_model

CARBOHYDRATE_POOLS = ("fiber_small_intestine_g", "prebiotic_small_intestine_g", "colon_fermentable_carbohydrate_g",
                      "colon_prebiotic_g")
SCFA_POOLS = ("acetate_mM", "propionate_mM", "butyrate_mM")
ADDED_FIBER = ("resistant_starch", "arabinoxylan", "pectin", "beta_glucan")


def s(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def expand_lets(expr: sp.Expr, names: tuple[str, ...], model) -> sp.Expr:
    """Replace the named intermediates by their definitions (only those, so the rest stays symbolic)."""
    return expr.subs({s(n): model.intermediate(n).expr for n in names})


def test_substrate_eaten_is_fermented_or_excreted() -> None:
    model = build_model()
    inflow = (s("fiber_fermentable_fraction") * s("fiber_g_per_h")
              + s("isolated_fiber_fermentable_fraction") * sp.Add(*(s(f"{c}_g_per_h") for c in ADDED_FIBER))
              + s("prebiotic_g_per_h") + s("other_fermentable_substrate_g_per_day") / 24)
    fermented = s("fiber_fermentation_g_per_h") + s("prebiotic_fermentation_g_per_h")
    excreted = s("colonic_washout_rate") * (s("colon_fermentable_carbohydrate_g") + s("colon_prebiotic_g"))
    change = sp.Add(*(model.rates[p] for p in CARBOHYDRATE_POOLS))
    assert sp.simplify(change - (inflow - fermented - excreted)) == 0


def test_every_gram_fermented_becomes_scfa_that_is_absorbed_or_excreted() -> None:
    """In millimoles of the fermenting volume (taken as quasi-static: it grows only near isotonic overload)."""
    model = build_model()
    volume = s("fermenting_volume_l")
    change_mmol = volume * sp.Add(*(model.rates[p] for p in SCFA_POOLS))
    change_mmol = expand_lets(change_mmol, ("acetate_production_mmol_h",), model)
    produced = s("scfa_yield_mmol_per_g") * (s("fiber_fermentation_g_per_h") + s("prebiotic_fermentation_g_per_h"))
    infused = s("colonic_butyrate_infusion_mmol_per_h")
    total = sp.Add(*(s(p) for p in SCFA_POOLS))
    absorbed = s("scfa_absorption_rate") * volume * total
    excreted = s("colonic_washout_rate") * volume * total
    assert sp.simplify(change_mmol - (produced + infused - absorbed - excreted)) == 0


def test_fermentation_uses_only_what_the_colon_holds() -> None:
    """Fermentation is first order in each pool (it stops when the pool is empty), so no pool can go negative."""
    model = build_model()
    for let, pool in (("fiber_fermentation_g_per_h", "colon_fermentable_carbohydrate_g"),
                      ("prebiotic_fermentation_g_per_h", "colon_prebiotic_g")):
        assert sp.simplify(model.intermediate(let).expr.subs(s(pool), 0)) == 0
