"""One place for tunable thresholds (``data/settings.toml``) and data files.

>>> settings()["dedup"]["num_perm"] > 0
True
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Iterator
from importlib import resources
from typing import Any


def data_path(name: str):
    """A path-like handle to a data file shipped in ``cleaners/data``."""
    return resources.files("cleaners").joinpath("data", name)


def read_data_text(name: str) -> str:
    return data_path(name).read_text(encoding="utf-8")


def data_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of a data file's text, blank lines and ``#`` comments left out.

    >>> list(data_lines("# header\\n\\na\\tb\\n  \\nc\\n"))
    [(3, 'a\\tb'), (5, 'c')]
    """
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            yield n, line


#: A TOML file whose values override the defaults for this process (and the workers it starts):
#: ``wirewash clean --config FILE`` sets it.
SETTINGS_ENV = "WIREWASH_SETTINGS"


@functools.cache
def settings() -> dict[str, Any]:
    """The settings: ``cleaners/data/settings.toml``, with the file named by ``WIREWASH_SETTINGS``
    (if any) laid over it, read once."""
    base = tomllib.loads(read_data_text("settings.toml"))
    path = os.environ.get(SETTINGS_ENV, "").strip()
    if path:
        try:
            with open(path, "rb") as fh:
                override = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"{path}: {exc}") from None
        apply_overrides(base, override, path)
    return base


class SettingsError(ValueError):
    """A settings file that does not fit the defaults (unknown key, wrong type)."""


def apply_overrides(base: dict[str, Any], override: dict[str, Any], where: str) -> None:
    """Lay ``override`` over ``base`` in place; a section or key the defaults do not have, or a
    value of another type, is a :class:`SettingsError` naming it.

    >>> b = {"dedup": {"num_perm": 128}}
    >>> apply_overrides(b, {"dedup": {"num_perm": 64}}, "x.toml"); b
    {'dedup': {'num_perm': 64}}
    >>> apply_overrides(b, {"dedup": {"num_prem": 64}}, "x.toml")
    Traceback (most recent call last):
    ...
    cleaners.settings.SettingsError: x.toml: unknown setting dedup.num_prem
    """
    for name, values in override.items():
        if name not in base or not isinstance(values, dict):
            raise SettingsError(f"{where}: unknown settings section [{name}]")
        for key, value in values.items():
            if key not in base[name]:
                raise SettingsError(f"{where}: unknown setting {name}.{key}")
            have = base[name][key]
            ok = isinstance(value, type(have)) or (isinstance(have, float) and isinstance(value, int) and not isinstance(value, bool))
            if not ok or (isinstance(have, bool) != isinstance(value, bool)):
                raise SettingsError(f"{where}: {name}.{key} must be {type(have).__name__}, not {type(value).__name__}")
            base[name][key] = float(value) if isinstance(have, float) else value


def section(name: str, **overrides: Any) -> dict[str, Any]:
    """One settings section with per-call overrides applied (unknown keys refused)."""
    base = dict(settings()[name])
    unknown = set(overrides) - set(base)
    if unknown:
        raise KeyError(f"unknown {name} setting(s): {sorted(unknown)}")
    base.update(overrides)
    return base
