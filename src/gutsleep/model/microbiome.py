r"""Gut microbial community: 45 taxa in six functional guilds.

Each taxon follows a logistic competition model (a generalised Lotka-Volterra form with
negative self-interaction, Stein et al. 2013 PLoS Comput Biol 9:e1003388):

    dx_i/dt = x_i [ mu_g S_i rho_i (1 - C_i) - m_g - s_g - kill_i - allee_i ] + lambda_i

x_i is abundance relative to a reference colonic load (the community sums to about 1). Competition
C_i = o_i + c_w sum_j cos(n_i, n_j) o_j + c_b (other guilds' occupancy), o = x / K, where the within-guild sum
runs over the other residents and cos(n_i, n_j) is the overlap of the two taxa's substrate niches (MacArthur's
consumer-resource origin of Lotka-Volterra competition): taxa on different substrates compete less, so
coexistence grows with the number of substrates supplied. The overlaps form a Gram matrix, so with
c_b x (largest guild size) < 1 - c_w the interaction matrix is symmetric positive definite in occupancy: the
community cannot blow up and has a unique stable equilibrium for fixed inputs (Lotka-Volterra competition theory).
S_i is the supply of the taxon's own niche: the shares of its growth drawn from plant fiber (as the taxon's own mix
of the fiber classes arabinoxylan, cellulose, pectin and beta-glucan, FIBER_PREFERENCE), resistant starch, fructans,
products cross-fed by the primary fermenters, mucus, sugar/protein and host-derived resources (NICHES; bile from
dietary fat for the bile-tolerant taxa), each 1 for the typical-US-diet baseline, plus a trace that keeps every
niche open. Capacities K_i are a geometric share of the guild's capacity by rank (assumption: gut rank-abundance
curves are close to geometric/log-normal), scaled by S_i and by the person's niche quality of the taxon. rho_i is
the diurnal rhythm of oscillating taxa; m_g the guild's loss, whose washout part follows the day's transit speed;
s_g the net harm of stressors (alcohol, sweeteners, emulsifiers, sugar, cortisol, sleep loss, circadian
misalignment; negative = favoured); kill_i antibiotics by class.

Below a demographic floor (separate from any assay's detection limit) an Allee-type loss takes over, so taxa can
be lost (richness falls) and return only through immigration lambda_i from a regional pool, in proportion to their
niche supply (a diet-conditioned pool), lower for 'specialists' of industrialised-diet-depleted niches (which is why
some taxa stay lost months after antibiotics, ABX-02/03), raised by fermented foods (Wastyk 2021); food and
probiotic strains arrive only with the food or supplement and grow in the colon too slowly to stay without it.
A person carries only part of the regional pool: a resident taxon the person never acquired (parameter
``<taxon>_carried`` 0; cohorts draw it with the taxon's prevalence, PREVALENCE, except each guild's core member,
``guild_cores``) neither grows nor immigrates and only leaves (washout and death).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from gutsleep.model.inputs import ADDED_FIBERS
from gutsleep.model.spec import ModelBuilder, pos, saturating


@dataclass(frozen=True)
class Taxon:
    """One modelled taxon: its guild, rank within the guild and ecological traits."""

    name: str
    guild: str
    rank: int
    oscillates: bool = False
    gaba: bool = False
    fermented_food: bool = False
    probiotic: bool = False
    specialist: bool = False
    transient: bool = False

    @property
    def prevalence(self) -> float:
        """Share of healthy Western adults whose gut carries the taxon (:data:`PREVALENCE`; 1 if not listed)."""
        return PREVALENCE.get(self.name, 1.0)


GUILDS: tuple[str, ...] = (
    "butyrate_producers",
    "saccharolytic",
    "lactic_acid",
    "spore_formers",
    "pathobionts",
    "mucin_degraders",
)

# Oscillating taxa: the abundant Bacteroidales and Clostridiales (Lachnospiraceae, Ruminococcaceae) that cycle with
# feeding (Thaiss 2014 Cell 159:514; Zarrinpar 2014 Cell Metab 20:1006), ~15 % of taxa holding most abundance
TAXA: tuple[Taxon, ...] = (
    Taxon("faecalibacterium_prausnitzii", "butyrate_producers", 0, oscillates=True),
    Taxon("eubacterium_rectale", "butyrate_producers", 1, oscillates=True),
    Taxon("roseburia_intestinalis", "butyrate_producers", 2, oscillates=True),
    Taxon("anaerostipes_hadrus", "butyrate_producers", 3),
    Taxon("eubacterium_hallii", "butyrate_producers", 4),
    Taxon("coprococcus_eutactus", "butyrate_producers", 5),
    Taxon("lachnospira_pectinoschiza", "butyrate_producers", 6, specialist=True),
    Taxon("butyricicoccus_pullicaecorum", "butyrate_producers", 7, specialist=True),
    Taxon("bacteroides_thetaiotaomicron", "saccharolytic", 0, oscillates=True),
    Taxon("bacteroides_uniformis", "saccharolytic", 1, oscillates=True),
    Taxon("bacteroides_ovatus", "saccharolytic", 2, oscillates=True),
    Taxon("parabacteroides_distasonis", "saccharolytic", 3, oscillates=True),
    Taxon("alistipes_putredinis", "saccharolytic", 4),
    Taxon("ruminococcus_bromii", "saccharolytic", 5, oscillates=True),
    Taxon("veillonella_parvula", "saccharolytic", 6),
    Taxon("prevotella_copri", "saccharolytic", 7, specialist=True),
    Taxon("bifidobacterium_adolescentis", "lactic_acid", 0, gaba=True),
    Taxon("bifidobacterium_longum", "lactic_acid", 1, probiotic=True),
    Taxon("bifidobacterium_dentium", "lactic_acid", 2, gaba=True),
    Taxon("levilactobacillus_brevis", "lactic_acid", 3, gaba=True, fermented_food=True),
    Taxon("lactiplantibacillus_plantarum", "lactic_acid", 4, gaba=True, fermented_food=True),
    Taxon("lacticaseibacillus_rhamnosus", "lactic_acid", 5, probiotic=True, transient=True),
    Taxon("streptococcus_thermophilus", "lactic_acid", 6, fermented_food=True, transient=True),
    Taxon("lactococcus_lactis", "lactic_acid", 7, fermented_food=True, transient=True),
    Taxon("leuconostoc_mesenteroides", "lactic_acid", 8, fermented_food=True, transient=True),
    Taxon("turicibacter_sanguinis", "spore_formers", 0),
    Taxon("clostridium_sporogenes", "spore_formers", 1),
    Taxon("clostridium_scindens", "spore_formers", 2),
    Taxon("erysipelatoclostridium_ramosum", "spore_formers", 3),
    Taxon("escherichia_coli", "pathobionts", 0),
    Taxon("enterococcus_faecalis", "pathobionts", 1),
    Taxon("bilophila_wadsworthia", "pathobionts", 2),
    Taxon("klebsiella_pneumoniae", "pathobionts", 3),
    Taxon("desulfovibrio_piger", "pathobionts", 4),
    Taxon("fusobacterium_nucleatum", "pathobionts", 5),
    Taxon("akkermansia_muciniphila", "mucin_degraders", 0),
    Taxon("ruminococcus_gnavus", "mucin_degraders", 1),
    # the rarer fiber degraders that industrialised, low-fiber diets lose first (appended so the earlier taxa keep
    # their state order)
    Taxon("roseburia_inulinivorans", "butyrate_producers", 8),
    Taxon("coprococcus_comes", "butyrate_producers", 9),
    Taxon("subdoligranulum_variabile", "butyrate_producers", 10),
    Taxon("eubacterium_siraeum", "butyrate_producers", 11),
    Taxon("bacteroides_cellulosilyticus", "saccharolytic", 8),
    Taxon("bacteroides_intestinalis", "saccharolytic", 9),
    Taxon("ruminococcus_champanellensis", "saccharolytic", 10),
    Taxon("treponema_succinifaciens", "saccharolytic", 11, specialist=True),
)
N_TAXA = len(TAXA)

# Share of healthy Western adults in whom stool metagenomics detects the resident taxon (a person carries ~160 of the
# ~1,000 prevalent species of a population, Qin 2010 Nature 464:59). VERIFIED: Klebsiella pneumoniae 16.3 % (culture
# and WGS, 2,975 Norwegian adults; Raffelsberger 2021 Gut Microbes 13:1939599), Ruminococcus gnavus > 90 % (12,791
# metagenomes; Nooij 2025 Nat Commun 16:1182), Prevotella copri ~30-40 % in Westernised and near-universal in
# non-Westernised people (Tett 2019 Cell Host Microbe 26:666). The rest are RECALLED from shotgun surveys of Western
# cohorts (Qin 2010 core species; HMP 2012 Nature 486:207) and depend on depth and detection threshold: the core
# butyrate producers and Bacteroides 0.85-0.95, R. bromii ~0.7, B. adolescentis ~0.5, Akkermansia 0.5-0.75,
# Bilophila 0.5-0.8, Desulfovibrio piger 0.1-0.3, Fusobacterium nucleatum < 0.1 in healthy people, Treponema absent
# from industrialised guts (Smits 2017 Science 357:802). Taxa not listed (fermented-food and probiotic strains,
# which arrive with food or a supplement) are not drawn.
PREVALENCE: dict[str, float] = {
    "faecalibacterium_prausnitzii": 0.95, "eubacterium_rectale": 0.95, "roseburia_intestinalis": 0.8,
    "anaerostipes_hadrus": 0.9, "eubacterium_hallii": 0.9, "coprococcus_eutactus": 0.6,
    "lachnospira_pectinoschiza": 0.5, "butyricicoccus_pullicaecorum": 0.4,
    "bacteroides_thetaiotaomicron": 0.9, "bacteroides_uniformis": 0.95, "bacteroides_ovatus": 0.85,
    "parabacteroides_distasonis": 0.85, "alistipes_putredinis": 0.8, "ruminococcus_bromii": 0.7,
    "veillonella_parvula": 0.5, "prevotella_copri": 0.35,
    "bifidobacterium_adolescentis": 0.5, "bifidobacterium_dentium": 0.2,
    "turicibacter_sanguinis": 0.4, "clostridium_sporogenes": 0.3, "clostridium_scindens": 0.4,
    "erysipelatoclostridium_ramosum": 0.5,
    "escherichia_coli": 0.9, "enterococcus_faecalis": 0.6, "bilophila_wadsworthia": 0.65,
    "klebsiella_pneumoniae": 0.16, "desulfovibrio_piger": 0.2, "fusobacterium_nucleatum": 0.1,
    "akkermansia_muciniphila": 0.6, "ruminococcus_gnavus": 0.9,
    "roseburia_inulinivorans": 0.6, "coprococcus_comes": 0.8, "subdoligranulum_variabile": 0.8,
    "eubacterium_siraeum": 0.5, "bacteroides_cellulosilyticus": 0.4, "bacteroides_intestinalis": 0.4,
    "ruminococcus_champanellensis": 0.2, "treponema_succinifaciens": 0.05,
}

# Substrate niches of each taxon: shares of its growth drawn from each resource (each row sums to 1).
#   fiber      plant cell-wall polysaccharides of the diet (hemicellulose/arabinoxylan, pectin, beta-glucan)
#   starch     resistant starch and the other colonic carbohydrate (the colonic carbohydrate pool)
#   fructan    inulin/FOS and other oligosaccharides (the prebiotic class and fructans of the diet)
#   cross_fed  acetate, lactate and oligosaccharides released by the primary fiber degraders
#   mucus      host mucus glycans          sugar_protein  simple sugars and protein reaching the colon
#   host       host-derived resources present whatever the diet (epithelial debris, bile, nitrate, ethanolamine)
NICHE_RESOURCES: tuple[str, ...] = ("fiber", "starch", "fructan", "cross_fed", "mucus", "sugar_protein", "host")
NICHES: dict[str, dict[str, float]] = {
    # butyrate producers: acetate-consuming F. prausnitzii; lactate users E. hallii / A. hadrus (Duncan 2004 Br J
    # Nutr 91:915; Belenguer 2006 Appl Environ Microbiol 72:3593); xylan/starch degraders Roseburia, E. rectale
    # (Cockburn 2015 Mol Microbiol 95:209; Leth 2018 Environ Microbiol 20:2209); Lachnospira on pectin
    "faecalibacterium_prausnitzii": {"cross_fed": 0.5, "fiber": 0.3, "fructan": 0.2},
    "eubacterium_rectale": {"starch": 0.4, "fiber": 0.2, "cross_fed": 0.2, "fructan": 0.2},
    "roseburia_intestinalis": {"fiber": 0.8, "cross_fed": 0.2},
    "anaerostipes_hadrus": {"cross_fed": 0.8, "fructan": 0.2},
    "eubacterium_hallii": {"cross_fed": 0.9, "host": 0.1},
    "coprococcus_eutactus": {"fiber": 0.7, "cross_fed": 0.3},
    "lachnospira_pectinoschiza": {"fiber": 1.0},
    "butyricicoccus_pullicaecorum": {"fiber": 0.6, "cross_fed": 0.4},
    # Bacteroidetes: polysaccharide generalists that switch to host glycans when fiber is scarce (Sonnenburg 2005
    # Science 307:1955; Martens 2008 Cell Host Microbe 4:447); R. bromii the resistant-starch keystone (Ze 2012
    # ISME J 6:1535); P. copri on xylan, enriched in non-industrialised diets (De Filippo 2010 PNAS 107:14691);
    # Alistipes and Parabacteroides rise on animal-based diets (David 2014 Nature 505:559)
    "bacteroides_thetaiotaomicron": {"fiber": 0.2, "starch": 0.2, "mucus": 0.4, "host": 0.2},
    "bacteroides_uniformis": {"fiber": 0.3, "starch": 0.3, "fructan": 0.2, "mucus": 0.2},
    "bacteroides_ovatus": {"fiber": 0.7, "fructan": 0.2, "mucus": 0.1},
    "parabacteroides_distasonis": {"starch": 0.5, "mucus": 0.3, "sugar_protein": 0.2},
    "alistipes_putredinis": {"sugar_protein": 0.5, "host": 0.3, "starch": 0.2},
    "ruminococcus_bromii": {"starch": 1.0},
    "veillonella_parvula": {"cross_fed": 0.9, "host": 0.1},
    "prevotella_copri": {"fiber": 1.0},
    # lactic-acid bacteria: bifidobacteria on fructans, B. adolescentis also on resistant starch (Ze 2012),
    # B. dentium on mucin (Engevik 2019 mBio 10:e01087); lactobacilli on sugars and fructans
    "bifidobacterium_adolescentis": {"fructan": 0.5, "starch": 0.5},
    "bifidobacterium_longum": {"fructan": 0.6, "fiber": 0.3, "mucus": 0.1},
    "bifidobacterium_dentium": {"fructan": 0.4, "mucus": 0.3, "sugar_protein": 0.3},
    "levilactobacillus_brevis": {"fructan": 0.5, "sugar_protein": 0.5},
    "lactiplantibacillus_plantarum": {"fructan": 0.5, "sugar_protein": 0.5},
    "lacticaseibacillus_rhamnosus": {"fructan": 0.5, "sugar_protein": 0.5},
    "streptococcus_thermophilus": {"sugar_protein": 1.0},
    "lactococcus_lactis": {"sugar_protein": 1.0},
    "leuconostoc_mesenteroides": {"fructan": 0.5, "sugar_protein": 0.5},
    # spore formers: proteolytic and bile-acid-transforming Clostridia, sugar-favoured E. ramosum
    "turicibacter_sanguinis": {"starch": 0.5, "host": 0.5},
    "clostridium_sporogenes": {"sugar_protein": 0.6, "host": 0.4},
    "clostridium_scindens": {"host": 0.6, "starch": 0.4},
    "erysipelatoclostridium_ramosum": {"sugar_protein": 0.7, "starch": 0.3},
    # pathobionts persist on host-derived resources whatever the diet (nitrate, ethanolamine, mucus sugars: Winter
    # 2013 Science 339:708; Thiennimitr 2011 PNAS 108:17480) and bloom on sugar and protein
    "escherichia_coli": {"sugar_protein": 0.6, "host": 0.4},
    "enterococcus_faecalis": {"sugar_protein": 0.6, "host": 0.4},
    "bilophila_wadsworthia": {"sugar_protein": 0.5, "host": 0.5},
    "klebsiella_pneumoniae": {"sugar_protein": 0.6, "host": 0.4},
    "desulfovibrio_piger": {"sugar_protein": 0.4, "host": 0.4, "cross_fed": 0.2},
    "fusobacterium_nucleatum": {"sugar_protein": 0.6, "host": 0.4},
    # mucin degraders (Derrien 2004 IJSEM 54:1469; Crost 2013 PLoS One 8:e76341)
    "akkermansia_muciniphila": {"mucus": 0.9, "host": 0.1},
    "ruminococcus_gnavus": {"mucus": 0.7, "starch": 0.3},
    # rarer fiber degraders: R. inulinivorans on fructans and starch (Scott 2014 ISME J 8:1323), C. comes and
    # S. variabile on fiber and cross-fed lactate/acetate, E. siraeum and R. champanellensis on cellulose and
    # xylan (Chassard 2012 IJSEM 62:138), B. cellulosilyticus / B. intestinalis on cellulose and xylan (McNulty 2013
    # PLoS Biol 11:e1001637), Treponema succinifaciens found only in non-industrialised guts (Schnorr 2014 Nat
    # Commun 5:3654; Smits 2017)
    "roseburia_inulinivorans": {"fructan": 0.5, "starch": 0.3, "fiber": 0.2},
    "coprococcus_comes": {"fiber": 0.6, "cross_fed": 0.4},
    "subdoligranulum_variabile": {"fiber": 0.5, "cross_fed": 0.5},
    "eubacterium_siraeum": {"fiber": 1.0},
    "bacteroides_cellulosilyticus": {"fiber": 0.8, "starch": 0.2},
    "bacteroides_intestinalis": {"fiber": 0.9, "mucus": 0.1},
    "ruminococcus_champanellensis": {"fiber": 1.0},
    "treponema_succinifaciens": {"fiber": 1.0},
}

# Classes of plant fiber within the "fiber" niche, and their shares in the fiber of a typical mixed Western diet
# (assumption: cereal hemicellulose, mostly arabinoxylan, is the largest class, then cellulose, pectin from fruit and
# vegetables and cereal beta-glucan; Southgate/Englyst non-starch-polysaccharide analyses, RECALLED). ``fiber_g``
# follows this mix; the ``<class>_g`` scenario fields add isolated fiber of one class on top.
FIBER_CLASSES: tuple[str, ...] = ("arabinoxylan", "cellulose", "pectin", "beta_glucan")
TYPICAL_FIBER_MIX: dict[str, float] = {"arabinoxylan": 0.45, "cellulose": 0.25, "pectin": 0.2, "beta_glucan": 0.1}
ADDED_FIBER_CLASSES: tuple[str, ...] = tuple(name for name in ADDED_FIBERS if name in FIBER_CLASSES)
"""Fiber classes a scenario can add (resistant starch, also addable, feeds the starch niche instead)."""

# Preferences of the plant-fiber degraders among the fiber classes (each row sums to 1); taxa not listed use the
# typical mix (generalists). Pectin: F. prausnitzii (Lopez-Siles 2012 Appl Environ Microbiol 78:420), Lachnospira
# (Cornick 1994), B. thetaiotaomicron rhamnogalacturonans (Ndeh 2017 Nature 544:65); arabinoxylan: Roseburia (Leth
# 2018), P. copri (Fehlner-Peach 2019 Cell Host Microbe 26:680), B. intestinalis, B. longum (AXOS); mixed-linkage
# beta-glucan: B. ovatus, B. uniformis (Tamura 2017 Cell Rep 21:417); cellulose: R. champanellensis, E. siraeum
# (Chassard 2012), B. cellulosilyticus (McNulty 2013)
FIBER_PREFERENCE: dict[str, dict[str, float]] = {
    "faecalibacterium_prausnitzii": {"pectin": 0.7, "arabinoxylan": 0.3},
    "eubacterium_rectale": {"arabinoxylan": 0.6, "beta_glucan": 0.4},
    "roseburia_intestinalis": {"arabinoxylan": 0.8, "beta_glucan": 0.2},
    "lachnospira_pectinoschiza": {"pectin": 1.0},
    "bacteroides_thetaiotaomicron": {"pectin": 1.0},
    "bacteroides_uniformis": {"beta_glucan": 0.5, "pectin": 0.3, "arabinoxylan": 0.2},
    "bacteroides_ovatus": {"arabinoxylan": 0.5, "beta_glucan": 0.3, "pectin": 0.2},
    "prevotella_copri": {"arabinoxylan": 1.0},
    "bifidobacterium_longum": {"arabinoxylan": 1.0},
    "bacteroides_cellulosilyticus": {"cellulose": 0.5, "arabinoxylan": 0.5},
    "bacteroides_intestinalis": {"arabinoxylan": 1.0},
    "eubacterium_siraeum": {"cellulose": 0.7, "arabinoxylan": 0.3},
    "ruminococcus_champanellensis": {"cellulose": 0.8, "arabinoxylan": 0.2},
}

# Bile-tolerant taxa whose host-derived resources are mostly bile (taurine-conjugated bile acids for B. wadsworthia,
# Devkota 2012 Nature 487:104; 7-alpha-dehydroxylating C. scindens, Ridlon 2006 J Lipid Res 47:241): they bloom on
# a high-fat, animal-based diet (Alistipes, Bilophila; David 2014 Nature 505:559)
BILE_TOLERANT: frozenset[str] = frozenset({"bilophila_wadsworthia", "alistipes_putredinis", "clostridium_scindens"})


# Guild-level traits: (growth 1/h, capacity, stressor effects ...). Sources are given per column below.
# columns: growth, mortality, capacity
_GUILD_CORE = {
    "butyrate_producers": (0.05, 0.02, 1.0),
    "saccharolytic": (0.055, 0.02, 1.1),
    "lactic_acid": (0.06, 0.025, 0.16),
    "spore_formers": (0.045, 0.02, 0.185),
    "pathobionts": (0.06, 0.03, 0.3),
    "mucin_degraders": (0.045, 0.02, 0.17),
}
_GROWTH_SRC = ("Stein 2013 (C. difficile/clindamycin gLV fit): growth rates 0.23-0.83 /day; gut taxa in vivo "
               "double ~1-2 times a day (assumption) -> {mu} /h; range 0.01-0.15 /h: from the slowest gLV-fitted "
               "rate in mice (0.23 /day, Stein 2013) to ~3.5 divisions a day of fast-growing gut taxa in vivo "
               "(replication rates from peak-to-trough ratios, Korem 2015 Science 349:1101, RECALLED)")
_CAPACITY_SRC = ("assumption: typical Western adult stool is dominated by Bacteroidetes and butyrate-producing "
                 "Firmicutes, with lactic-acid bacteria, spore-formers and Proteobacteria at a few % each -> {ka} "
                 "(the guild holds {share:.0f} % of the baseline community); range: the guild's share between "
                 "healthy adults, {lo:g}-{hi:g} % of stool ({why}), scaled from the baseline share")
_LOSS_SRC = ("assumption: washout with ~36 h whole-gut transit (Hepatogastroenterology 2011) plus death; 0.02-0.03 "
             "/h; range 0.016-0.06 /h: washout over the normal whole-gut transit range, 62 h (upper normal, same "
             "study) to ~18 h, plus a little death")
# Between-person range of each guild's share of healthy adult stool (%) and the baseline share it is scaled from:
# Human Microbiome Project Consortium 2012 Nature 486:207 (phylum ranges), Arumugam 2011 Nature 473:174 (MetaHIT)
_GUILD_SHARE_RANGE = {
    "butyrate_producers": (5, 50, 29.0, "butyrate-producing Lachnospiraceae and Ruminococcaceae"),
    "saccharolytic": (10, 80, 41.3, "Bacteroidetes, HMP 2012"),
    "lactic_acid": (0.1, 10, 5.8, "Actinobacteria, mostly bifidobacteria, with lactobacilli"),
    "spore_formers": (1, 20, 8.8, "Erysipelotrichaceae and Clostridium clusters I and XI"),
    "pathobionts": (0.1, 10, 8.0, "Proteobacteria with Enterococcus and Fusobacterium, HMP 2012"),
    "mucin_degraders": (0.1, 10, 7.1, "Akkermansia (Verrucomicrobia) and R. gnavus"),
}

# Stressor effects (extra loss rate in 1/h per unit of exposure; negative = favoured).
# Each: (alcohol per g/L, sweetener per ADI, emulsifier per 10 g/day, sugar per 100 g/day,
#        cortisol per unit excess of daily mean, sleep loss per unit, misalignment per unit)
_STRESSORS = ("alcohol", "sweetener", "emulsifier", "sugar", "cortisol", "sleep_loss", "misalignment")
_STRESSOR_UNITS = ("L/g/h", "1/h", "1/h", "1/h", "1/h", "1/h", "1/h")
_STRESSOR_EXPOSURE_DOC = {
    "alcohol": "per g/L blood alcohol",
    "sweetener": "per ADI-equivalent per day",
    "emulsifier": "per 10 g/day emulsifier",
    "sugar": "per 100 g/day added sugar above 50 g",
    "cortisol": "at saturating excess of the daily-mean cortisol over baseline",
    "sleep_loss": "per unit lagged sleep-loss signal",
    "misalignment": "per unit circadian misalignment",
}
_STRESSOR_SRC = {
    "alcohol": "assumption: alcohol suppresses beneficial taxa and expands Proteobacteria (Bishehsari 2017 "
               "review, ALC-02); direction from the review, size chosen so 3 drinks/day shift guilds by ~10-20 %",
    "sweetener": "calibrated: NNS-COMPOSITION; "
                 "assumption: saccharin/sucralose shift composition within 1-2 weeks (Suez 2014, 2022; NNS-01/02); "
                 "size chosen for a modest diversity loss at the ADI",
    "emulsifier": "assumption: CMC 15 g/day lowered diversity and SCFA in 11 days (Chassaing 2022, EMU-02) and "
                  "favoured mucus encroachers (EMU-01)",
    "sugar": "assumption: added sugar feeds Proteobacteria and starves fiber fermenters (RECALLED Western-diet "
             "mouse studies)",
    "cortisol": "assumption: stress hormones suppress lactobacilli and bifidobacteria (RECALLED Bailey/Lyte "
                "stress studies); seed: stress reduces beneficial bacteria",
    "sleep_loss": "assumption: sleep disruption raises F:B and lowers Lactobacillus/Bifidobacterium with a 1-2 day "
                  "lag (Bowers 2020, SD-03; Benedict 2016, SD-01)",
    "misalignment": "assumption: jet lag and disrupted feeding rhythms cause dysbiosis favouring obesity-associated "
                    "taxa (Thaiss 2014, CIRC-01)",
}
_STRESSOR_RANGE_NOTE = ("; range from no effect to three times the default (+/-0.01 /h for a guild with no reported "
                        "effect): the studies give the direction and a rough size, not a per-guild rate")
_STRESS = {
    "butyrate_producers": (0.010, 0.006, 0.008, 0.004, 0.004, 0.010, 0.006),
    "saccharolytic": (0.004, -0.003, 0.004, 0.002, 0.002, -0.004, 0.002),
    "lactic_acid": (0.012, 0.008, 0.004, -0.004, 0.010, 0.020, 0.004),
    "spore_formers": (0.006, 0.004, 0.004, 0.002, 0.004, 0.006, 0.004),
    "pathobionts": (-0.010, -0.006, -0.006, -0.012, -0.004, -0.012, -0.008),
    "mucin_degraders": (0.0, 0.0, -0.010, 0.0, 0.0, 0.0, 0.0),
}
# Antibiotic kill rates at full gut activity (1/h; negative = favoured): (broad, anaerobe, quinolone)
_ABX = {
    "butyrate_producers": (0.07, 0.07, 0.03),
    "saccharolytic": (0.06, 0.06, 0.035),
    "lactic_acid": (0.06, 0.015, 0.025),
    "spore_formers": (0.06, 0.06, 0.02),
    "pathobionts": (-0.02, -0.02, 0.035),
    "mucin_degraders": (0.05, 0.04, 0.015),
}
_ABX_SRC = ("calibrated: ABX01-NADIR; "
            "assumption: killing rates set so a 4-5 day course collapses butyrate producers and bifidobacteria "
            "while Enterobacteriaceae/Enterococcus bloom (Palleja 2018, ABX-02); clindamycin spares "
            "lactic-acid bacteria less than anaerobes (Stein 2013 susceptibilities -3.3..+3.7 /day "
            "per unit drug, Jernberg 2007); nadir within 3-5 days (Dethlefsen 2011, ABX-01)")
_ABX_RANGE_NOTE = ("; range from no kill to twice the default: strains of one guild differ about two-fold in "
                   "susceptibility to a class (Stein 2013 fitted susceptibilities span -3.3 to +3.7 /day)")


def is_resident_only(taxon: Taxon) -> bool:
    """A taxon that reaches the gut only from the regional pool (not with fermented food or a supplement): whether a
    person carries it is a trait of that person."""
    return not (taxon.transient or taxon.fermented_food or taxon.probiotic)


def guild_cores() -> frozenset[str]:
    """Taxa every person carries: a guild is a function every human gut has (its representative taxa stand for many
    species), so where none of its residents is always present its most prevalent member is always carried."""
    cores = set()
    for g in GUILDS:
        residents = [t for t in TAXA if t.guild == g and not t.transient]
        if residents and all(is_resident_only(t) for t in residents):
            cores.add(max(residents, key=lambda t: (t.prevalence, -t.rank)).name)
    return frozenset(cores)


def initial_abundance(taxon: Taxon) -> float:
    """Starting guess near the taxon's share of its guild capacity (the burn-in settles the rest)."""
    n = sum(1 for t in TAXA if t.guild == taxon.guild)
    share = 0.6**taxon.rank * 0.4 / (1 - 0.6**n)
    low = taxon.specialist or taxon.transient
    return _GUILD_CORE[taxon.guild][2] * share * (0.01 if low else 0.2)


def build(m: ModelBuilder) -> None:
    m.module("microbiome", __doc__ or "")
    c_w = m.param("competition_within_guild", 0.4, "1", 0.1, 0.9,
                  "assumption: taxa of one guild with identical substrate niches compete strongly but below "
                  "self-limitation (keeps the interaction matrix positive definite; May 1972 stability rule); "
                  "scaled by the niche overlap of each pair, so taxa on different substrates coexist (0.4 makes "
                  "Shannon rise from 5 to 15 g/day fiber and a high-fiber diet more diverse than a Western one, "
                  "as across human populations, De Filippo 2010 PNAS 107:14691)",
                  "competition coefficient between taxa of one guild with identical niches")
    c_b = m.param("competition_between_guilds", 0.02, "1", 0.0, 0.1,
                  "assumption: guilds eat different substrates, so cross-guild competition is weak",
                  "competition coefficient between taxa of different guilds")
    x_det = m.param("detection_limit_abundance", 1e-5, "1", 1e-7, 1e-4,
                    "assumption: 16S sequencing at ~10^5 reads per sample detects taxa above ~1e-5",
                    "relative abundance below which a taxon counts as absent")
    x_floor = m.param("extinction_floor_abundance", 3e-6, "1", 1e-7, 1e-4,
                      "assumption: a colonic population below ~10^8 cells (3e-6 of ~4e13) loses its spatial "
                      "foothold (Allee-type demographic floor, separate from any assay's detection limit)",
                      "relative abundance below which a taxon's population declines on its own")
    spec_imm = m.param("specialist_immigration_fraction", 0.3, "1", 0.0, 1.0,
                       "calibrated: FERM01-DOSE; assumption: taxa of industrialised-diet-depleted niches (Prevotella "
                       "copri, Lachnospira) are rarer in the regional pool of industrialised populations (Smits 2017 "
                       "Science 357:802; Sonnenburg 2016 Nature 529:212 lost taxa over generations), from absent (0) "
                       "to as common as the others (1)",
                       "background immigration of specialist taxa relative to the others")
    k_allee = m.param("rare_taxon_loss_rate", 0.04, "1/h", 0.0, 0.2,
                      "assumption: rare taxa lose their niche foothold and wash out (Allee-type loss below "
                      "detection), enough to overcome growth of a taxon below detection",
                      "extra loss rate of a taxon far below the detection limit")
    lam_bg = m.param("background_immigration", 3e-8, "1/h", 0.0, 1e-6,
                     "assumption: low background seeding from the environment, below what can re-establish a "
                     "lost taxon on its own",
                     "immigration of each non-specialist taxon")
    lam_ferm = m.param("fermented_food_seeding_per_serving", 1.5, "1/serving", 0.0, 10.0,
                       "calibrated: FERM01-DOSE; FERM-01 (Wastyk 2021): diversity rises dose-dependently over "
                       "10 weeks at "
                       "+6 servings/day; relative rise of background immigration per daily serving",
                       "relative increase of background immigration per daily fermented serving")
    ferm_cfu = m.param("fermented_food_live_microbes_per_serving", 1e10, "CFU/serving", 1e7, 1e11,
                       "assumption: yogurt, kefir, kimchi carry ~1e6-1e9 CFU/g, so a 100-200 g serving holds "
                       "~1e8-1e11",
                       "live microbes per fermented-food serving")
    gut_load = m.param("colonic_bacterial_load_cfu", 4e13, "CFU", 1e13, 1e14,
                       "assumption: ~3.8e13 bacteria in a reference man (Sender, Fuchs & Milo 2016, RECALLED)",
                       "bacterial cells the relative abundance 1 stands for")
    survival = m.param("probiotic_survival_fraction", 0.3, "1", 0.01, 1.0,
                       "assumption: a minority of ingested lactic-acid bacteria survive gastric passage",
                       "fraction of ingested live microbes reaching the colon alive")
    rare_sens = m.param("rare_taxon_stress_sensitivity", 0.3, "1", 0.0, 1.0,
                        "assumption: low-abundance taxa are lost first under dietary stress (industrialised diets "
                        "deplete taxa, Sonnenburg 2016, RECALLED); +30 % per rank within the guild",
                        "relative increase of stressor effects per rank within a guild")
    ratio = m.param("within_guild_rank_ratio", 0.75, "1", 0.3, 0.9,
                    "assumption: geometric rank-abundance within a guild on the typical US diet (each rank 0.75 x "
                    "the previous); the niche supply then reorders the ranks with the diet",
                    "ratio of capacities between consecutive ranks in a guild")
    spec_cost = m.param("specialist_extra_mortality", 0.012, "1/h", 0.0, 0.05,
                        "assumption: specialists of industrialised-diet-depleted niches (Prevotella copri, "
                        "Lachnospira) barely persist on a typical US diet",
                        "extra loss rate of specialist taxa")
    trans_growth = m.param("transient_growth_fraction", 0.2, "1", 0.0, 0.5,
                           "assumption: food and probiotic strains are adapted to food and the small intestine, not to "
                           "the colon, and grow there at a fraction of the residents' rate, so they stay only while "
                           "eaten (at 0.2 their growth stays below washout on any diet; at the earlier 1 they settled "
                           "on sugar-rich diets without any intake)",
                           "growth rate of transient (food-borne/probiotic) taxa relative to residents of their guild")
    trans_cost = m.param("transient_extra_mortality", 0.01, "1/h", 0.0, 0.1,
                         "assumption: food and probiotic strains rarely colonise and wash out within days "
                         "after intake stops (RECALLED probiotic persistence studies)",
                         "extra loss rate of transient (food-borne/probiotic) taxa")

    washout_share = m.param("microbial_washout_share", 0.5, "1", 0.2, 0.9,
                            "assumption: about half of a colonic population's loss is washout with the stool, the "
                            "rest death (phage lysis, host defences), so faster transit raises it (Cremer 2017 "
                            "PNAS 114:6438: colonic flow and growth set microbiota density, RECALLED)",
                            "share of the guilds' loss rate that is washout with the stool")
    loss_speed = m.let("microbial_loss_transit_factor", 1 - washout_share + washout_share * m.ref("transit_speed"),
                       "1", "factor on the guilds' loss rates from the day's transit speed (1 on the typical diet)")

    # Guild-level parameters
    growth, mort, cap, stress_eff, abx_eff = {}, {}, {}, {}, {}
    for g in GUILDS:
        mu, mo, ka = _GUILD_CORE[g]
        growth[g] = m.param(f"{g}_max_growth", mu, "1/h", 0.01, 0.15, _GROWTH_SRC.format(mu=mu),
                            f"maximal growth rate of {g.replace('_', ' ')} at baseline resources")
        mort[g] = m.param(f"{g}_loss_rate", mo, "1/h", 0.016, 0.06, _LOSS_SRC,
                          f"washout and death rate of {g.replace('_', ' ')}")
        lo, hi, share, why = _GUILD_SHARE_RANGE[g]
        cap[g] = m.param(f"{g}_capacity", ka, "1", round(ka * lo / share, 4), round(ka * hi / share, 3),
                         _CAPACITY_SRC.format(ka=ka, share=share, lo=lo, hi=hi, why=why),
                         f"carrying capacity of the {g.replace('_', ' ')} guild (relative abundance units)")
        for k, st in enumerate(_STRESSORS):
            v = _STRESS[g][k]
            stress_eff[g, st] = m.param(
                f"{g}_{st}_effect", v, _STRESSOR_UNITS[k], min(v * 3, v / 3, 0.0) if v else -0.01,
                max(v * 3, v / 3, 0.0) if v else 0.01, _STRESSOR_SRC[st] + _STRESSOR_RANGE_NOTE,
                f"extra loss of {g.replace('_', ' ')} {_STRESSOR_EXPOSURE_DOC[st]} (negative = favoured)")
        for k, klass in enumerate(("broad", "anaerobe", "quinolone")):
            v = _ABX[g][k]
            abx_eff[g, klass] = m.param(
                f"{g}_antibiotic_{klass}_kill", v, "1/h", min(v * 2, v / 2, 0.0) if v else -0.05,
                max(v * 2, v / 2, 0.0) if v else 0.05, _ABX_SRC + _ABX_RANGE_NOTE,
                f"kill rate of {g.replace('_', ' ')} at full {klass} antibiotic activity (negative = favoured)")

    # Exposures shared by the guilds
    exposure = {
        "alcohol": m.ref("blood_alcohol_g_l"),
        "sweetener": m.ref("sweetener_exposure_adi"),
        "emulsifier": m.ref("emulsifier_exposure_g_per_day") / 10,
        "sugar": pos(m.ref("sugar_load_g_per_day") - 50) / 100,
        "cortisol": saturating(m.ref("cortisol_daily_load") - 1),
        "sleep_loss": m.ref("sleep_loss_signal"),
        "misalignment": m.ref("circadian_misalignment"),
    }
    abx_level = {k: m.ref(f"antibiotic_{k}_level") for k in ("broad", "anaerobe", "quinolone")}

    # Niche resources (each 1 for the baseline person, 0-2 saturating): see NICHES
    x_ref = m.param("cross_feeding_reference_g_per_h", 0.85, "g/h", 0.3, 2.0,
                    "assumption: reference scale, the baseline person's colonic fermentation rate (fiber plus "
                    "prebiotic), whose products (acetate, lactate, oligosaccharides) feed secondary degraders",
                    "fermentation rate at which cross-fed taxa grow at their baseline rate")
    ferm_flux = m.ref("fiber_fermentation_g_per_h") + m.ref("prebiotic_fermentation_g_per_h")
    m.let("fermentation_relative", ferm_flux / x_ref, "1",
          "colonic fermentation rate (fiber plus prebiotic) relative to the typical diet's")
    h_fib = m.param("plant_fiber_niche_half_saturation", 3.0, "1", 1.0, 10.0,
                    "assumption: fiber degraders keep responding well above typical US intake (resistant starch "
                    "raised R. bromii up to ~4-fold, Walker 2011 ISME J 5:220; 40-50 g/day diets of "
                    "non-industrialised populations carry fiber-degrading taxa absent in the West, De Filippo 2010) "
                    "and saturate a few-fold above it",
                    "intake of a niche substrate relative to the typical diet (plant fiber and each fiber class, "
                    "resistant starch, fat for bile) at which its niche supply is half its ceiling")
    fib_rel = m.ref("fiber_load_g_per_day") / 15

    def niche_curve(rel: sp.Expr) -> sp.Expr:
        """Saturating niche supply of a substrate at ``rel`` times its typical intake (1 at 1, ceiling 1 + h)."""
        return (1 + h_fib) * rel / (rel + h_fib)

    fiber_class = {
        c: m.let(f"{c}_resource",
                 niche_curve(fib_rel + (m.ref(f"{c}_added_g_per_day") / (15 * TYPICAL_FIBER_MIX[c])
                                        if c in ADDED_FIBER_CLASSES else 0)), "1",
                 f"{c.replace('_', '-')} niche relative to the typical US diet (food fiber plus any added)")
        for c in FIBER_CLASSES
    }
    rs_typical = m.param("typical_resistant_starch_g_per_day", 5.0, "g/day", 3.0, 8.0,
                         "Murphy, Douglass & Birkett 2008 J Am Diet Assoc 108:67: US resistant-starch intake ~4.9 "
                         "g/day (RECALLED); 3-8 g/day across Western diets",
                         "resistant starch of the typical diet (added resistant starch is counted relative to it)")
    rs_factor = niche_curve(1 + m.ref("resistant_starch_added_g_per_day") / rs_typical)
    b0 = m.param("bile_basal_share", 0.5, "1", 0.2, 0.8,
                 "assumption: enterohepatic cycling keeps delivering bile acids to the colon on a fat-free diet, "
                 "about half of what a typical 80 g/day fat diet sends (fat drives gallbladder emptying)",
                 "colonic bile supply without dietary fat, relative to the typical diet")
    fat_rel = m.u("fat_g_per_day") / 80
    bile = m.let("bile_resource", b0 + (1 - b0) * niche_curve(fat_rel), "1",
                 "bile acids reaching the colon relative to a typical 80 g/day fat diet (feeds bile-tolerant taxa)")
    niche_resource = {
        "fiber": m.let("plant_fiber_resource", (1 + h_fib) * fib_rel / (fib_rel + h_fib), "1",
                       "plant cell-wall polysaccharide niche relative to the typical US diet (15 g/day fiber)"),
        "starch": m.ref("fiber_resource") * rs_factor,
        "fructan": m.ref("lactic_resource"),
        "cross_fed": m.let("cross_fed_resource", 2 * ferm_flux / (ferm_flux + x_ref), "1",
                           "products of primary fermentation available to cross-feeders, relative to baseline",
                           observe=True),
        "mucus": m.ref("mucin_resource"),
        "sugar_protein": m.ref("pathobiont_resource"),
        "host": sp.Integer(1),
    }
    quality = {
        t.name: m.param(f"{t.name}_niche_quality", 1.0, "1", 0.01, 10.0,
                        "Human Microbiome Project Consortium 2012 Nature 486:207: the abundance of a common gut "
                        "species differs by two to three orders of magnitude between healthy adults; the person's "
                        "strain, niche and host fit scale its capacity (1 = typical)",
                        f"person-specific niche quality of {t.name.replace('_', ' ')} (scales its capacity)")
        for t in TAXA
    }
    carried = {
        t.name: m.param(f"{t.name}_carried", 1.0, "1", 0.0, 1.0,
                        "Qin et al. 2010 Nature 464:59: each adult carries at least 160 of the 1,000-1,150 prevalent "
                        "species of a population; 1 for the typical person (every modelled resident present), 0 for a "
                        "person who never acquired the taxon: it neither grows nor immigrates from the regional pool "
                        "(cohorts draw it with the taxon's prevalence, PREVALENCE in gutsleep.model.microbiome; "
                        "each guild's core member, guild_cores, is always carried)",
                        f"whether the person's gut holds {t.name.replace('_', ' ')} (1) or not (0)")
        for t in TAXA if is_resident_only(t)
    }

    symbols = {
        t.name: m.state(f"taxon_{t.name}", initial_abundance(t), "1",
                        f"relative abundance units of {t.name.replace('_', ' ')}", scale=1e-3, timescale="slow")
        for t in TAXA
    }
    trace = m.param("niche_trace_supply", 0.1, "1", 0.05, 0.3,
                    "assumption: no niche is ever empty: other foods, sloughed cells and neighbouring taxa leave a "
                    "trace of every substrate (about a tenth of the typical supply), so capacities stay positive "
                    "and the competition stays integrable on a diet without fiber (0.02 let a fiber-free, "
                    "sweetener-saturated diet blow up)",
                    "share of the baseline niche supply left when the diet supplies none of a taxon's substrates")

    def taxon_resource(name: str, resource: str) -> sp.Expr:
        """Supply of ``resource`` as taxon ``name`` sees it: its own mix of fiber classes, bile for bile-tolerant
        taxa's host-derived share (the niche overlap keeps the coarse resources, so the typical diet is unchanged)."""
        if resource == "fiber":
            prefs = FIBER_PREFERENCE.get(name, TYPICAL_FIBER_MIX)
            return sp.Add(*(w * fiber_class[c] for c, w in prefs.items()))
        if resource == "host" and name in BILE_TOLERANT:
            return bile
        return niche_resource[resource]

    capacity, supply = {}, {}
    for t in TAXA:
        n_g = sum(1 for o in TAXA if o.guild == t.guild)
        supply[t.name] = m.let(f"niche_supply_{t.name}",
                               trace + (1 - trace) * sp.Add(*(w * taxon_resource(t.name, r)
                                                            for r, w in NICHES[t.name].items())), "1",
                               f"resource supply of the niche of {t.name.replace('_', ' ')} (1 at baseline)")
        capacity[t.name] = m.let(f"capacity_{t.name}",
                                 cap[t.guild] * ratio**t.rank * (1 - ratio) / (1 - ratio**n_g)
                                 * quality[t.name] * supply[t.name], "1",
                                 f"carrying capacity of {t.name.replace('_', ' ')} (geometric share of its guild, "
                                 "scaled by its niche supply and the person's niche quality)")
    guild_total, guild_occ, resource_occ = {}, {}, {}
    unit = niche_unit_vectors()
    for g in GUILDS:
        members = [t for t in TAXA if t.guild == g]
        guild_total[g] = m.let(f"guild_{g}", sp.Add(*(symbols[t.name] for t in members)), "1",
                               f"total abundance of {g.replace('_', ' ')}", observe=True)
        residents = [t for t in members if not t.transient]  # passers-through occupy no niche
        guild_occ[g] = m.let(f"occupancy_{g}", sp.Add(*(symbols[t.name] / capacity[t.name] for t in residents)),
                             "1", f"summed niche occupancy (abundance / capacity) of resident {g.replace('_', ' ')}")
        # occupancy of each resource by the guild, weighted by the residents' unit niche vectors: the within-guild
        # competition a taxon feels is then the niche overlap (cosine) with each competitor times its occupancy
        for r in NICHE_RESOURCES:
            users = [t for t in residents if unit[t.name].get(r)]
            if users:
                resource_occ[g, r] = m.let(
                    f"resource_occupancy_{g}_{r}",
                    sp.Add(*(unit[t.name][r] * symbols[t.name] / capacity[t.name] for t in users)), "1",
                    f"occupancy of the {r.replace('_', ' ')} niche by resident {g.replace('_', ' ')} "
                    "(niche-vector weighted)")
    m.let("community_total", sp.Add(*guild_total.values()), "1", "total community abundance")
    occ_total = m.let("occupancy_total", sp.Add(*guild_occ.values()), "1", "summed niche occupancy")

    rhythm_amp = m.sym("microbial_rhythm_amplitude")
    theta = m.sym("gut_clock_phase_theta")
    theta_meal = m.sym("gut_clock_meal_phase")
    seeding = m.let("immigration_boost", 1 + lam_ferm * m.ref("fermented_load_servings_per_day"), "1",
                    "fold increase of background immigration from fermented foods")
    food_lam = m.let("fermented_food_immigration", m.u("fermented_servings_per_h") * ferm_cfu * survival / gut_load,
                     "1/h", "live food microbes reaching the colon (relative units per hour)")
    probiotic_lam = m.let("probiotic_immigration", m.u("probiotic_cfu_per_h") * survival / gut_load, "1/h",
                          "probiotic microbes reaching the colon (relative units per hour)")
    n_food = sum(1 for t in TAXA if t.fermented_food)
    n_pro = sum(1 for t in TAXA if t.probiotic)

    for t in TAXA:
        g = t.guild
        x = symbols[t.name]
        occ = x / capacity[t.name]
        own = 0 if t.transient else occ
        overlap = sp.Add(*(w * resource_occ[g, r] for r, w in unit[t.name].items() if (g, r) in resource_occ))
        comp = occ + c_w * (overlap - own) + c_b * (occ_total - guild_occ[g])
        rho = 1 + rhythm_amp * sp.cos(theta - theta_meal) if t.oscillates else 1
        stress = sp.Add(*(stress_eff[g, s] * exposure[s] for s in _STRESSORS)) * (1 + rare_sens * t.rank)
        kill = sp.Add(*(abx_eff[g, k] * abx_level[k] for k in abx_level))
        extra = (spec_cost if t.specialist else 0) + (trans_cost if t.transient else 0)
        allee = k_allee * x_floor**2 / (x**2 + x_floor**2)
        # every resident taxon immigrates from a regional pool conditioned on the diet (people eating what feeds a
        # taxon shed more of it); specialists of industrialised-diet-depleted niches are rare in that pool, and food
        # and probiotic strains arrive only with the food or supplement
        lam = 0 if t.transient else lam_bg * seeding * supply[t.name] * (spec_imm if t.specialist else 1)
        if t.fermented_food:
            lam = lam + food_lam / n_food
        if t.probiotic:
            lam = lam + probiotic_lam / n_pro
        mu = growth[g] * trans_growth if t.transient else growth[g]
        loss = mort[g] * loss_speed
        rate = x * (mu * supply[t.name] * rho * (1 - comp) - loss - extra - stress - kill - allee) + lam
        if t.name in carried:  # a taxon the person never acquired neither grows nor arrives: it only leaves
            rate = carried[t.name] * rate - (1 - carried[t.name]) * loss * x
        m.rate(x, rate)

    # Diversity of the detectable community (natural-log Shannon index)
    det = [pos(symbols[t.name]) * x_det_weight(symbols[t.name], x_det) for t in TAXA]
    det_total = m.let("detected_total", sp.Add(*det) + 1e-30, "1",
                      "abundance of taxa above the detection limit (never exactly zero, even germ-free)")
    terms = [d / det_total * sp.log(d / det_total + 1e-300) for d in det]
    m.let("shannon", -sp.Add(*terms), "1", "Shannon diversity (natural log) of the detected community",
          observe=True)


def niche_unit_vectors() -> dict[str, dict[str, float]]:
    """Each taxon's niche as a unit vector over NICHE_RESOURCES: the dot product of two is their niche overlap.

    The overlap (cosine similarity of resource-use profiles, as in MacArthur's consumer-resource derivation of
    Lotka-Volterra competition) is 1 for identical niches and 0 for disjoint ones.
    """
    out = {}
    for name, row in NICHES.items():
        norm = sum(w * w for w in row.values()) ** 0.5
        out[name] = {r: w / norm for r, w in row.items()}
    return out


def x_det_weight(x: sp.Expr, x_det: sp.Expr) -> sp.Expr:
    """Smooth detection weight: ~0 well below the detection limit, ~1 above it (steep Hill)."""
    return x**4 / (x**4 + x_det**4)
