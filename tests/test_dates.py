"""ISO 8601 from the ways pages, feeds, archives and people write dates."""

from __future__ import annotations

import pytest

from cleaners.dates import iso_date


@pytest.mark.parametrize("raw, want", [
    ("2024-05-03", "2024-05-03"),                                    # already ISO (trafilatura's output)
    ("2024-05-03T10:00:00Z", "2024-05-03T10:00:00+00:00"),           # WARC-Date
    ("2024/05/03 10:00", "2024-05-03T10:00:00"),                     # no zone: clock time kept, no offset invented
    ("May 2, 2024", "2024-05-02"),
    ("Mon, March 3rd, 2024 4:05 pm EST", "2024-03-03T16:05:00-05:00"),
    ("Fri, 03 May 2024 10:00:00 GMT", "2024-05-03T10:00:00+00:00"),  # RFC 2822 (feeds, HTTP headers)
    ("Thu, 02 May 2024 08:00:00 +0000", "2024-05-02T08:00:00+00:00"),
    ("03.05.2024 14:30", "2024-05-03T14:30:00"),                     # German: day first where dots are written
    ("3. März 2024", "2024-03-03"),
    ("Freitag, 3. Mai 2024, 10:00 Uhr", "2024-05-03T10:00:00"),
    ("2 mai 2024 à 14h30", "2024-05-02T14:30:00"),
    ("3 de mayo de 2024", "2024-05-03"),
    ("20240503", "2024-05-03"),
    ("20240503100000", "2024-05-03T10:00:00"),                       # WARC/1.0 14-digit dates
    ("1714730400", "2024-05-03T10:00:00+00:00"),                     # Unix seconds
    ("1714730400000", "2024-05-03T10:00:00+00:00"),                  # Unix milliseconds
    ("2024-05-03T10:00:00.123+0200", "2024-05-03T10:00:00+02:00"),
    ("13/03/2024", "2024-03-13"),                                    # unambiguous either way round
    ("03/13/2024", "2024-03-13"),
])
def test_spellings(raw, want):
    assert iso_date(raw) == want


@pytest.mark.parametrize("raw", [
    "05/03/2024",        # the 5th of March or the 3rd of May: not guessed
    "May 2024",          # no day
    "31 February 2024",  # no such day
    "2024-13-01",
    "1850-01-01",        # outside 1900-2100
    "yesterday",
    "",
    None,
    "2024-05-03T25:00",
    "3 May 2024 10:00 +99:00",
])
def test_not_a_date_is_none(raw):
    assert iso_date(raw) is None
