"""Pathway attribution: why did sleep change between two scenarios?"""

from gutsleep.explain.attribution import PATHWAY_LABELS, Attribution, explain

__all__ = ["PATHWAY_LABELS", "Attribution", "explain"]
