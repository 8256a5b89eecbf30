"""gutsleep: a mechanistic, batched simulator of the gut-brain-sleep axis."""

from __future__ import annotations

__version__ = "0.1.0"
