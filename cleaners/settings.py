"""One place for tunable thresholds (``data/settings.toml``) and data files.

>>> settings()["dedup"]["num_perm"] > 0
True
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any


def data_path(name: str):
    """A path-like handle to a data file shipped in ``cleaners/data``."""
    return resources.files("cleaners").joinpath("data", name)


def read_data_text(name: str) -> str:
    return data_path(name).read_text(encoding="utf-8")


@functools.cache
def settings() -> dict[str, Any]:
    """The default settings, read once from ``cleaners/data/settings.toml``."""
    return tomllib.loads(read_data_text("settings.toml"))


def section(name: str, **overrides: Any) -> dict[str, Any]:
    """One settings section with per-call overrides applied (unknown keys refused)."""
    base = dict(settings()[name])
    unknown = set(overrides) - set(base)
    if unknown:
        raise KeyError(f"unknown {name} setting(s): {sorted(unknown)}")
    base.update(overrides)
    return base
