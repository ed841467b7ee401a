"""Synonym-spin detection and repair (issue #4 builds the real detector and repairer).

Until then the pipeline stage calls :func:`despin_document`, which leaves text
untouched and says so in provenance, so the flow already has the stage's slot.
"""

from __future__ import annotations


def spin_score(text: str) -> float:
    """How likely ``text`` is machine-spun, in [0, 1]. Not implemented yet: always 0."""
    return 0.0


def despin(text: str) -> str:
    """Restore spun wording. Not implemented yet: returns ``text`` unchanged."""
    return text
