"""Times as people read them: where the event happened, in the offset it was recorded with.

Pages and reports never mix an event's offset with UTC: an event's time is shown in its own
EPCIS ``eventTimeZoneOffset``, and a day that belongs to no event (a hold's start, a first
scan) in the lot's own offset, that of its first record.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone


def zone_of(offset: str | None) -> timezone:
    """The zone of an offset such as ``+08:00``; UTC when absent or unreadable."""
    try:
        sign = -1 if offset and offset[0] == "-" else 1
        hours, minutes = (offset or "+00:00")[1:].split(":")
        return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    except (ValueError, IndexError):
        return UTC


def _aware(moment: datetime) -> datetime:
    # SQLite hands back stored UTC times without their zone.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local_time(moment: datetime, offset: str | None) -> str:
    """``2026-11-02 16:00 (UTC+08:00)``; ``(UTC)`` for an event recorded in UTC."""
    local = _aware(moment).astimezone(zone_of(offset))
    stamp = local.strftime("%z")
    label = "UTC" if stamp == "+0000" else f"UTC{stamp[:3]}:{stamp[3:]}"
    return f"{local.strftime('%Y-%m-%d %H:%M')} ({label})"


def local_date(moment: datetime, offset: str | None) -> str:
    """The day of ``moment`` in the zone of ``offset``: ``2026-11-02``."""
    return _aware(moment).astimezone(zone_of(offset)).strftime("%Y-%m-%d")
