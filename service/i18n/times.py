"""Times as people read them: where the event happened, in the offset it was recorded with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone


def local_time(moment: datetime, offset: str | None) -> str:
    """The event's time where it happened (its EPCIS eventTimeZoneOffset), with that offset:
    ``2026-11-02 16:00 (UTC+08:00)``. An unreadable offset shows UTC; a naive ``moment`` is
    UTC (what SQLite hands back for a stored UTC time)."""
    try:
        sign = -1 if offset and offset[0] == "-" else 1
        hours, minutes = (offset or "+00:00")[1:].split(":")
        zone = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    except (ValueError, IndexError):
        zone = UTC
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone)
    stamp = local.strftime("%z")
    return local.strftime("%Y-%m-%d %H:%M") + f" (UTC{stamp[:3]}:{stamp[3:]})"
