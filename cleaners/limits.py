"""Bounded work per document: a cleaner gives up on a document it cannot clean in bounded time.

Some inputs make a library step super-linear (libxml2 checks each attribute of a tag against
all the others before it; its XPath node sets grow quadratically with the text nodes of a
page; Unicode normalisation sorts a run of combining marks). No cleaner may hang a run on
such a document. Each bound is a *measure of the input* checked before the costly step,
with its limit in ``cleaners/data/settings.toml`` (so a decision does not depend on machine
load, and the same document is treated the same way every time), and each cleaner does one of:

* repair the input so the step is linear, and say so in its explained fixes (textfix cuts a
  run of combining marks: ``limit:combining-marks``);
* give up on the document: raise :class:`WorkLimitExceeded`, which names the stage, the
  measure, its value and the setting. The pipeline's per-document stages turn any exception
  into a rejection of that document only (``flows.stages.clean_document``), so the reason
  reaches ``rejected.jsonl`` and the report and the run goes on.

Where a bound can cut work without changing a decision on ordinary input (dedup's per-bucket
bounds, see ``cleaners.dedup.core``), it does that instead.

>>> check("extract", "start tags", 120, "extract", "max_html_tags")
>>> try:
...     check("extract", "attributes on one tag", 200_000, "extract", "max_tag_attributes")
... except WorkLimitExceeded as exc:
...     print(exc)
extract: 200,000 attributes on one tag, over [extract] max_tag_attributes = 256; the document is not cleaned
"""

from __future__ import annotations

from cleaners.settings import section


class WorkLimitExceeded(ValueError):
    """A cleaner declined a document whose cost would grow out of bounds (see the module)."""

    def __init__(self, stage: str, measure: str, value: int, setting: str, limit: int) -> None:
        self.stage, self.measure, self.value, self.setting, self.limit = stage, measure, value, setting, limit
        super().__init__(f"{stage}: {value:,} {measure}, over {setting} = {limit:,}; the document is not cleaned")


def check(stage: str, measure: str, value: int, settings_section: str, key: str, limit: int | None = None) -> None:
    """Raise :class:`WorkLimitExceeded` when ``value`` is over the setting ``[settings_section] key``
    (or over ``limit``, given by a caller that read the setting already)."""
    bound = section(settings_section)[key] if limit is None else limit
    if value > bound:
        raise WorkLimitExceeded(stage, measure, value, f"[{settings_section}] {key}", bound)
