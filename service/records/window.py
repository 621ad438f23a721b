"""When an event may say it happened: a window from a fixed earliest day to a little past now.

An event's time is the recorder's claim, hashed into the record for good. Outside the window
it is a mistake (a device clock at its epoch, a local time sent as UTC, a typing slip) or an
attempt to push a record to the top or bottom of every timeline; either way it is refused
with a 422 naming the field, before anything is written. The bounds are settings
(``LOTPROOF_EVENT_TIME_EARLIEST``, ``LOTPROOF_EVENT_TIME_MAX_AHEAD_S``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from service.config import Settings
from service.db.base import utcnow
from service.errors import InvalidInput


@dataclass(frozen=True)
class EventTimeWindow:
    earliest: datetime
    ahead: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> EventTimeWindow:
        return cls(settings.event_time_earliest, timedelta(seconds=settings.event_time_max_ahead_s))

    def check(self, moment: datetime, field: str = "event_time") -> None:
        """Raise ``InvalidInput`` naming ``field`` unless ``moment`` is inside the window now.

        Aware datetimes compare as instants without converting to UTC, so even the extremes
        of the calendar (year 1 at +14:00) compare rather than overflow."""
        latest = utcnow() + self.ahead
        if self.earliest <= moment <= latest:
            return
        raise InvalidInput(
            f"must be between {_text(self.earliest)} and {_text(latest)} "
            f"({_ahead_text(self.ahead)} from now); got {moment.isoformat()}",
            field=field,
        )


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _ahead_text(ahead: timedelta) -> str:
    seconds = int(ahead.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"
