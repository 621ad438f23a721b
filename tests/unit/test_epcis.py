"""Our event types as GS1 EPCIS 2.0 ObjectEvents (CBV 2.0 bare-word vocabulary)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.hashing.v1 import canonical_bytes
from service.records.epcis import (
    EventType,
    LotQuantity,
    format_offset,
    format_utc_ms,
    object_event,
)

CST = timezone(timedelta(hours=8))
GTIN = "09506000134352"
LOT = "L2026-0001"

# (action, bizStep, disposition) each event type must produce.
EXPECTED = {
    EventType.production: ("ADD", "commissioning", "active"),
    EventType.packing: ("OBSERVE", "packing", "in_progress"),
    EventType.inspection: ("OBSERVE", "inspecting", "in_progress"),
    EventType.shipping: ("OBSERVE", "shipping", "in_transit"),
    EventType.receiving: ("OBSERVE", "receiving", "in_progress"),
    EventType.storage: ("OBSERVE", "storing", "in_progress"),
    EventType.temperature: ("OBSERVE", "sensor_reporting", "in_progress"),
    EventType.release: ("OBSERVE", "inspecting", "active"),
}


def make_event(event_type: EventType, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "event_type": event_type,
        "event_time": datetime(2026, 11, 2, 8, 0, tzinfo=CST),
        "lot": LotQuantity(GTIN, LOT, 1200, "KGM"),
        "location": "Hangzhou plant 2",
        "details": {},
    }
    arguments.update(overrides)
    return object_event(**arguments)


class TestFormatUtcMs:
    def test_converts_to_utc(self) -> None:
        assert format_utc_ms(datetime(2026, 11, 2, 8, 0, tzinfo=CST)) == "2026-11-02T00:00:00.000Z"

    def test_keeps_milliseconds(self) -> None:
        moment = datetime(2026, 11, 2, 8, 0, 1, 123000, tzinfo=CST)
        assert format_utc_ms(moment) == "2026-11-02T00:00:01.123Z"

    def test_truncates_below_a_millisecond(self) -> None:
        assert (
            format_utc_ms(datetime(2026, 11, 2, 0, 0, 1, 999999, tzinfo=UTC))
            == "2026-11-02T00:00:01.999Z"
        )
        assert (
            format_utc_ms(datetime(2026, 11, 2, 0, 0, 1, 5, tzinfo=UTC))
            == "2026-11-02T00:00:01.000Z"
        )

    def test_crosses_the_date_line(self) -> None:
        ist = timezone(timedelta(hours=5, minutes=30))
        assert format_utc_ms(datetime(2026, 1, 1, 2, 0, tzinfo=ist)) == "2025-12-31T20:30:00.000Z"
        est = timezone(timedelta(hours=-5))
        assert (
            format_utc_ms(datetime(2026, 12, 31, 22, 0, 0, 42000, tzinfo=est))
            == "2027-01-01T03:00:00.042Z"
        )

    @given(
        st.datetimes(
            min_value=datetime(1970, 1, 2),
            max_value=datetime(9998, 12, 30),
            timezones=st.sampled_from(
                [UTC, CST, timezone(timedelta(hours=-9, minutes=-30)), timezone(timedelta(0))]
            ),
        )
    )
    def test_shape_and_value(self, moment: datetime) -> None:
        text = format_utc_ms(moment)
        assert len(text) == len("2026-11-02T00:00:00.000Z")
        assert text.endswith("Z")
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        assert parsed == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class TestFormatOffset:
    @pytest.mark.parametrize(
        ("tz", "expected"),
        [
            (CST, "+08:00"),
            (timezone(timedelta(hours=-5, minutes=-30)), "-05:30"),
            (UTC, "+00:00"),
            (timezone(timedelta(0)), "+00:00"),
            (timezone(timedelta(hours=5, minutes=45)), "+05:45"),
            (timezone(timedelta(hours=-9, minutes=-30)), "-09:30"),
            (timezone(timedelta(hours=14)), "+14:00"),
            (timezone(timedelta(hours=-12)), "-12:00"),
            (timezone(timedelta(minutes=-30)), "-00:30"),
        ],
    )
    def test_offsets(self, tz: timezone, expected: str) -> None:
        assert format_offset(datetime(2026, 11, 2, 8, 0, tzinfo=tz)) == expected


class TestObjectEvent:
    @pytest.mark.parametrize("event_type", list(EventType))
    def test_vocabulary(self, event_type: EventType) -> None:
        action, biz_step, disposition = EXPECTED[event_type]
        event = make_event(event_type)
        assert event == {
            "type": "ObjectEvent",
            "eventTime": "2026-11-02T00:00:00.000Z",
            "eventTimeZoneOffset": "+08:00",
            "action": action,
            "bizStep": biz_step,
            "disposition": disposition,
            "quantityList": [
                {
                    "epcClass": f"https://id.gs1.org/01/{GTIN}/10/{LOT}",
                    "quantity": 1200,
                    "uom": "KGM",
                }
            ],
            "lp:location": "Hangzhou plant 2",
        }

    def test_every_type_is_covered(self) -> None:
        assert set(EventType) == set(EXPECTED)

    @pytest.mark.parametrize("event_type", list(EventType))
    def test_details_only_when_not_empty(self, event_type: EventType) -> None:
        assert "lp:details" not in make_event(event_type, details={})
        details = {"moisture": 6.2, "passed": True, "notes": "香气清高"}
        event = make_event(event_type, details=details)
        assert event["lp:details"] == details

    def test_epc_class_percent_encodes_the_lot(self) -> None:
        event = make_event(EventType.shipping, lot=LotQuantity(GTIN, "A/B", 1200, "KGM"))
        assert event["quantityList"][0]["epcClass"] == f"https://id.gs1.org/01/{GTIN}/10/A%2FB"

    def test_quantity_unit_and_location_pass_through(self) -> None:
        event = make_event(
            EventType.packing, lot=LotQuantity(GTIN, LOT, 0.5, "LTR"), location="仓库 B"
        )
        assert event["quantityList"][0]["quantity"] == 0.5
        assert event["quantityList"][0]["uom"] == "LTR"
        assert event["lp:location"] == "仓库 B"

    def test_time_and_offset_come_from_the_same_moment(self) -> None:
        moment = datetime(2026, 11, 2, 8, 0, 1, 123456, tzinfo=timezone(timedelta(hours=-5)))
        event = make_event(EventType.receiving, event_time=moment)
        assert event["eventTime"] == "2026-11-02T13:00:01.123Z"
        assert event["eventTimeZoneOffset"] == "-05:00"

    def test_event_is_canonicalisable_json(self) -> None:
        # It goes into a v1 record, so RFC 8785 must accept it as is.
        event = make_event(EventType.inspection, details={"b": 1, "a": [0.1, None]})
        assert canonical_bytes(event).startswith(b'{"action":"OBSERVE","bizStep":"inspecting"')


class TestCustodyAndSensors:
    def test_handover_parties_and_reading(self) -> None:
        event = make_event(
            EventType.temperature, source="acme", destination="swift", temperature_c=-18.5
        )
        assert event["sourceList"] == [
            {"type": "possessing_party", "source": "urn:lotproof:org:acme"}
        ]
        assert event["destinationList"] == [
            {"type": "possessing_party", "destination": "urn:lotproof:org:swift"}
        ]
        assert event["sensorElementList"] == [
            {"sensorReport": [{"type": "Temperature", "value": -18.5, "uom": "CEL"}]}
        ]


# A day away from datetime's ends, where converting to UTC would overflow.
@given(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
    )
)
def test_utc_ms_text_is_the_strftime_form_for_every_moment(moment: datetime) -> None:
    """The isoformat fast path writes what record timestamps were always written as."""
    utc = moment.astimezone(UTC)
    expected = utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    assert format_utc_ms(moment) == expected
