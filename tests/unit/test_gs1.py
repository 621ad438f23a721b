"""GS1 identifiers (docs/design.md §8): GTIN check digits, AI 10/21 values, Digital Link URIs."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.gs1 import digital_link, gtin_check_digit, normalize_gtin, validate_ai_value

# GS1 character set 82 (GS1 General Specifications, figure 7.11-1), written out by hand.
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
BASE = "https://trace.example.com"


class TestCheckDigit:
    @pytest.mark.parametrize(
        ("body", "digit"),
        [
            ("950600013435", 2),  # GTIN-13 9506000134352 (docs/design.md §8)
            ("400638133393", 1),  # GTIN-13 4006381333931
            ("9638507", 4),  # GTIN-8 96385074
            ("03600029145", 2),  # GTIN-12 (UPC-A) 036000291452
            ("1950600013435", 9),  # GTIN-14 19506000134359, indicator digit 1
            ("1234567", 0),  # GTIN-8 12345670: weighted sum 60, check digit 0
            ("000000000000", 0),
        ],
    )
    def test_known_values(self, body: str, digit: int) -> None:
        assert gtin_check_digit(body) == digit

    @given(st.text(alphabet="0123456789", min_size=7, max_size=13))
    def test_leading_zeros_do_not_change_the_digit(self, body: str) -> None:
        # Weights run from the right, which is what makes zero-padding to 14 digits safe.
        assert gtin_check_digit(body) == gtin_check_digit(body.zfill(13))
        assert 0 <= gtin_check_digit(body) <= 9


class TestNormalizeGtin:
    @pytest.mark.parametrize(
        ("gtin", "expected"),
        [
            ("9506000134352", "09506000134352"),  # GTIN-13
            ("4006381333931", "04006381333931"),  # GTIN-13
            ("96385074", "00000096385074"),  # GTIN-8
            ("12345670", "00000012345670"),  # GTIN-8, check digit 0
            ("036000291452", "00036000291452"),  # GTIN-12
            ("09506000134352", "09506000134352"),  # GTIN-14 already
            ("19506000134359", "19506000134359"),  # GTIN-14 with indicator digit
        ],
    )
    def test_valid(self, gtin: str, expected: str) -> None:
        assert normalize_gtin(gtin) == expected
        assert normalize_gtin(expected) == expected  # idempotent

    @pytest.mark.parametrize(
        ("gtin", "expected_digit"),
        [
            ("9506000134353", 2),
            ("4006381333930", 1),
            ("96385075", 4),
            ("036000291453", 2),
            ("19506000134352", 9),
            ("12345671", 0),
        ],
    )
    def test_wrong_check_digit(self, gtin: str, expected_digit: int) -> None:
        with pytest.raises(
            ValueError, match=rf"check digit is wrong \(expected {expected_digit}\)"
        ):
            normalize_gtin(gtin)

    @given(st.text(alphabet="0123456789", min_size=13, max_size=13), st.integers(1, 9))
    def test_every_wrong_digit_is_caught(self, body: str, delta: int) -> None:
        right = body + str(gtin_check_digit(body))
        wrong = body + str((gtin_check_digit(body) + delta) % 10)
        assert normalize_gtin(right) == right
        with pytest.raises(ValueError, match="check digit"):
            normalize_gtin(wrong)

    @pytest.mark.parametrize(
        "gtin",
        [
            pytest.param("950600013435A", id="letter"),
            pytest.param("95060001343S2", id="letter-inside"),
            pytest.param("0x950600013435", id="hex-prefix"),
            pytest.param("9506000 134352", id="space"),
            pytest.param(" 9506000134352", id="leading-space"),
            pytest.param("9506000134352\n", id="trailing-newline"),
            pytest.param("+9506000134352", id="sign"),
            pytest.param("9506-000134352", id="dash"),
            pytest.param(
                "".join(chr(0xFF10 + int(d)) for d in "9506000134352"), id="fullwidth-digits"
            ),
            pytest.param("٩٥٠٦٠٠٠١٣٤٣٥٢", id="arabic-indic-digits"),
            pytest.param("", id="empty"),
            pytest.param("9638507", id="7-digits"),
            pytest.param("950600013", id="9-digits"),
            pytest.param("9506000134", id="10-digits"),
            pytest.param("95060001343", id="11-digits"),
            pytest.param("009506000134352", id="15-digits"),
            pytest.param("000000000009506000134352", id="24-digits"),
        ],
    )
    def test_malformed(self, gtin: str) -> None:
        with pytest.raises(ValueError, match="GTIN must be 8, 12, 13 or 14 digits"):
            normalize_gtin(gtin)


class TestAiValue:
    @pytest.mark.parametrize(
        "value",
        [
            "L2026-0001",
            "A",
            "0",
            "x" * 20,
            "A/B",
            "lot_7.3",
            "!\"%&'()*+,-./:;<=>?",
            "ABCDEFGHIJKLMNOPQRST",
            "abcdefghijklmnopqrst",
        ],
    )
    def test_valid(self, value: str) -> None:
        assert validate_ai_value(value) == value

    @given(st.text(alphabet=CSET82, min_size=1, max_size=20))
    def test_any_cset82_value_is_valid(self, value: str) -> None:
        assert validate_ai_value(value) == value

    @pytest.mark.parametrize(
        "value",
        [
            pytest.param("", id="empty"),
            pytest.param(" ", id="space-only"),
            pytest.param("L 1", id="space"),
            pytest.param("L1 ", id="trailing-space"),
            pytest.param("#1", id="hash"),
            pytest.param("x" * 21, id="21-chars"),
            pytest.param("L\t1", id="tab"),
            pytest.param("L\n1", id="newline-inside"),
            pytest.param("批次1", id="chinese"),
            pytest.param("Lé", id="accent"),
            pytest.param("\uff2c1", id="fullwidth"),
            *(pytest.param(f"L{c}1", id=f"char-{ord(c):02x}") for c in "$@[\\]^`{|}~"),
        ],
    )
    def test_rejected(self, value: str) -> None:
        with pytest.raises(ValueError, match="1-20 characters of GS1 character set 82"):
            validate_ai_value(value)

    @given(st.characters(codec="utf-8").filter(lambda c: c not in CSET82))
    def test_any_other_character_is_rejected(self, char: str) -> None:
        with pytest.raises(ValueError):
            validate_ai_value(f"L{char}1")

    def test_message_names_the_field(self) -> None:
        with pytest.raises(ValueError, match=r"^serial must be"):
            validate_ai_value("S 1", what="serial")
        with pytest.raises(ValueError, match=r"^lot must be"):
            validate_ai_value("L 1")

    def test_trailing_newline_is_rejected(self) -> None:
        with pytest.raises(ValueError):
            validate_ai_value("L2026-0001\n")


class TestDigitalLink:
    def test_batch(self) -> None:
        assert (
            digital_link(BASE, "09506000134352", "L2026-0001")
            == "https://trace.example.com/01/09506000134352/10/L2026-0001"
        )

    def test_unit(self) -> None:
        assert (
            digital_link(BASE, "09506000134352", "L2026-0001", "SN-42")
            == "https://trace.example.com/01/09506000134352/10/L2026-0001/21/SN-42"
        )

    def test_slash_is_percent_encoded(self) -> None:
        assert (
            digital_link(BASE, "09506000134352", "A/B", "S/1")
            == "https://trace.example.com/01/09506000134352/10/A%2FB/21/S%2F1"
        )

    @pytest.mark.parametrize(
        ("lot", "encoded"),
        [
            ("50%", "50%25"),
            ("a?b", "a%3Fb"),
            ("a&b", "a%26b"),
            ('q"', "q%22"),
            ("a<b>", "a%3Cb%3E"),
        ],
    )
    def test_reserved_characters_are_percent_encoded(self, lot: str, encoded: str) -> None:
        assert digital_link(BASE, "09506000134352", lot).endswith(f"/10/{encoded}")

    def test_no_serial_means_no_ai21(self) -> None:
        assert "/21/" not in digital_link(BASE, "09506000134352", "L1", None)

    @given(
        st.text(alphabet=CSET82, min_size=1, max_size=20),
        st.text(alphabet=CSET82, min_size=1, max_size=20),
    )
    def test_path_segments_round_trip(self, lot: str, serial: str) -> None:
        uri = digital_link(BASE, "09506000134352", lot, serial)
        path = uri.removeprefix(BASE)
        segments = path.split("/")
        assert segments[:4] == ["", "01", "09506000134352", "10"]
        assert segments[5] == "21"
        assert len(segments) == 7  # no character of the lot/serial splits the path
        assert unquote(segments[4]) == lot
        assert unquote(segments[6]) == serial
        assert "?" not in path and "#" not in path
