"""Dates as ISO 8601: the many ways pages, feeds and archives write a date, normalised.

:func:`iso_date` returns ``YYYY-MM-DD`` for a date, ``YYYY-MM-DDTHH:MM:SS`` when a clock
time is given, with ``+HH:MM`` when the zone is known, and ``None`` for anything it cannot
read without guessing (a month without a day, ``05/03/2024`` where either number could be
the month, a year outside 1900-2100). Month names and zone abbreviations are data
(``data/date_names.toml``).

>>> iso_date("May 2, 2024"), iso_date("2024/05/03 10:00"), iso_date("3. März 2024")
('2024-05-02', '2024-05-03T10:00:00', '2024-03-03')
>>> iso_date("Fri, 03 May 2024 10:00:00 GMT"), iso_date("2024-05-03T10:00:00Z")
('2024-05-03T10:00:00+00:00', '2024-05-03T10:00:00+00:00')
>>> iso_date("05/03/2024"), iso_date("13/03/2024"), iso_date("May 2024")
(None, '2024-03-13', None)
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib

from .settings import read_data_text

_TIME = (r"(?:(?:,|\s)\s*(?:at|um|à|a las|alle|às|om|o|-|–|—)?\s*"
         r"(?P<h>\d{1,2})[:h.](?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?\s*(?P<ampm>[ap]\.?m\.?)?)?")
_ZONE = r"(?:\s*\(?(?P<zone>z|[a-z]{2,5}|(?:utc|gmt)?\s*[+-]\d{1,2}(?::?\d{2})?)\)?)?"
_ISO = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:t|\s+|(?=$))" + _TIME.replace(r"(?:,|\s)\s*", r"\s*", 1) + _ZONE)
_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:t?(?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})?(?P<zone>z)?)?")
_NUMERIC = re.compile(r"(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})" + _TIME + _ZONE)
_EPOCH = re.compile(r"(?P<n>\d{10}|\d{13})(?:\.\d+)?")
_WEEKDAY = r"(?:[^\W\d_]{2,12}\.?,?\s+)?"


@functools.cache
def _names() -> tuple[dict[str, int], dict[str, float], re.Pattern[str], re.Pattern[str]]:
    data = tomllib.loads(read_data_text("date_names.toml"))
    months = {name: int(num) for num, names in data["months"].items() for name in names}
    zones = {k: float(v) for k, v in data["zones"].items()}
    alt = "|".join(sorted((re.escape(n) for n in months), key=len, reverse=True))
    month = rf"(?P<mon>{alt})\.?"
    # anchored (\A): they are fullmatched; a search elsewhere fails at once instead of at every position
    month_first = re.compile(r"\A" + _WEEKDAY + month + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})" + _TIME + _ZONE)
    day_first = re.compile(r"\A" + _WEEKDAY + r"(?P<d>\d{1,2})(?:st|nd|rd|th|er|\.|º|°)?\s+(?:de\s+)?" + month
                           + r",?\s+(?:de\s+)?(?P<y>\d{4})" + _TIME + _ZONE)
    return months, zones, month_first, day_first


def iso_date(value: str | None) -> str | None:
    """``value`` as ISO 8601, or ``None`` when it is not a date that can be read without guessing.

    >>> [iso_date(s) for s in ("20240503", "1714730400", "3 de mayo de 2024", "2 mai 2024 à 14h30")]
    ['2024-05-03', '2024-05-03T10:00:00+00:00', '2024-05-03', '2024-05-02T14:30:00']
    >>> iso_date("March 3rd, 2024 4:05 pm EST"), iso_date("soon"), iso_date(None)
    ('2024-03-03T16:05:00-05:00', None, None)
    """
    if not value or not isinstance(value, str) or len(value) > 80:
        return None
    s = " ".join(value.strip().lower().split())
    months, zones, month_first, day_first = _names()
    m = _ISO.fullmatch(s) or _COMPACT.fullmatch(s)
    if m:
        return _build(int(m["y"]), int(m["m"]), int(m["d"]), m, zones)
    m = _EPOCH.fullmatch(s)
    if m:
        n = int(m["n"]) / (1000 if len(m["n"]) == 13 else 1)
        when = dt.datetime.fromtimestamp(n, dt.timezone.utc)
        return when.isoformat() if 1900 <= when.year <= 2100 else None
    m = _NUMERIC.fullmatch(s)
    if m:
        a, b = int(m["a"]), int(m["b"])
        if m["sep"] == ".":  # 03.05.2024: day first wherever dots are written
            day, month = a, b
        elif a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a:
            day, month = b, a
        else:
            return None  # 05/03/2024: the third of May or the fifth of March
        return _build(int(m["y"]), month, day, m, zones)
    m = month_first.fullmatch(s) or day_first.fullmatch(s)
    if m:
        return _build(int(m["y"]), months[m["mon"]], int(m["d"]), m, zones)
    return None


def _build(year: int, month: int, day: int, m: re.Match[str], zones: dict[str, float]) -> str | None:
    if not 1900 <= year <= 2100:
        return None
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    groups = m.groupdict()
    if groups.get("h") is None:
        return date.isoformat()
    hour, minute, second = int(groups["h"]), int(groups["mi"]), int(groups.get("s") or 0)
    ampm = (groups.get("ampm") or "").replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    tz = _zone(groups.get("zone"), zones)
    if tz is False:
        return None
    try:
        when = dt.datetime(year, month, day, hour, minute, second, tzinfo=tz or None)
    except ValueError:
        return None
    return when.isoformat()


def _zone(text: str | None, zones: dict[str, float]) -> dt.timezone | None | bool:
    """The zone after a clock time: a timezone, ``None`` when none is written or it is unknown
    (the clock time is kept without an offset), ``False`` when it is not a zone at all."""
    if not text:
        return None
    t = text.replace(" ", "")
    if t in zones:
        return dt.timezone(dt.timedelta(hours=zones[t]))
    m = re.fullmatch(r"(?:utc|gmt)?([+-])(\d{1,2}):?(\d{2})?", t)
    if m:
        hours, minutes = int(m[2]), int(m[3] or 0)
        if hours > 14 or minutes > 59:
            return False
        sign = 1 if m[1] == "+" else -1
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    return None if t.isalpha() else False
