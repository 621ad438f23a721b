"""When an event may say it happened: a window from a fixed earliest day to a little past now.

An event's time is the recorder's claim, hashed into the record for good. Outside the window
it is a mistake (a device clock at its epoch, a local time sent as UTC, a typing slip) or an
attempt to push a record to the top or bottom of every timeline; either way it is refused
with a 422 naming the field, before anything is written. The bounds are settings
(``LOTPROOF_EVENT_TIME_EARLIEST``, ``LOTPROOF_EVENT_TIME_MAX_AHEAD_S``).

Nothing happens to a lot before it exists: an event on a lot (a transformation on each lot it
uses or makes) may not be dated before the lot's ``produced_at`` by more than the clock skew
``LOTPROOF_EVENT_TIME_BEFORE_PRODUCTION_S`` allows (``check_after_production``). Nor is
a lot received before it was shipped (``check_received_after_shipment``): both sides record
their own times, but a receipt dated before its shipment is a wrong clock or a wrong lot.
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
    before_production: timedelta = timedelta(hours=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> EventTimeWindow:
        return cls(
            settings.event_time_earliest,
            timedelta(seconds=settings.event_time_max_ahead_s),
            timedelta(seconds=settings.event_time_before_production_s),
        )

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

    def check_after_production(
        self, moment: datetime, produced_at: datetime, lot: str, field: str = "event_time"
    ) -> None:
        """Raise ``InvalidInput`` naming ``field`` if ``moment`` is before ``lot`` was produced
        (``produced_at``), by more than the skew allowed between their clocks. ``moment`` is
        checked by ``check`` first, so adding to it cannot overflow (a lot stored before the
        window existed may have been produced in year 1)."""
        if moment + self.before_production >= produced_at:
            return
        raise InvalidInput(
            f"must not be before the production of lot {lot} ({_text(produced_at)}, "
            f"{_ahead_text(self.before_production)} allowed for clock differences); "
            f"got {moment.isoformat()}",
            field=field,
        )


def check_received_after_shipment(
    moment: datetime, shipped_at: datetime, field: str = "event_time"
) -> None:
    """Raise ``InvalidInput`` naming ``field`` if a receipt at ``moment`` is before the
    shipment (at ``shipped_at``) that put the lot in the receiver's hands."""
    if moment < shipped_at:
        raise InvalidInput(
            f"a receipt must not be before its shipment ({_text(shipped_at)}); "
            f"got {moment.isoformat()}",
            field=field,
        )


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _ahead_text(ahead: timedelta) -> str:
    seconds = int(ahead.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"
