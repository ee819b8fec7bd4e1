"""The decoding and number grammar every ingest reader shares (meili.ingest.text)."""

from __future__ import annotations

import re

import pytest

from meili.ingest.text import EXPONENT, UNSIGNED_DECIMAL, UndecodableText, decode_csv

TEXT = "区域,年份\n360702,2023\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-be"])
def test_every_accepted_encoding_gives_the_text_and_its_utf8_bytes(encoding):
    raw = TEXT.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    data, text = decode_csv(raw)
    assert text == TEXT and data == TEXT.encode("utf-8")


@pytest.mark.parametrize(("raw", "why"), [
    (b"\x00\x01\x02garbage", "a binary file"),
    ("plan,region".encode("utf-16-le"), "a binary file"),  # UTF-16 without a BOM
    (b"\xff\xfe\x00\xd8", "UTF-16 text that cannot be decoded"),
    (b"a,b\n\x81\xff", "neither UTF-8 nor GB18030"),
])
def test_other_bytes_say_what_they_are(raw, why):
    with pytest.raises(UndecodableText) as err:
        decode_csv(raw)
    assert why in err.value.why.en and err.value.why.zh


@pytest.mark.parametrize(("text", "plain"), [
    ("12", True), ("12.", True), ("12.5", True), (".5", True), ("1E-05", False), ("-1", False), ("+5", False),
    ("1_000", False), ("1,000", False), ("１２", False), ("٣", False), ("nan", False), ("0x1f", False), (".", False),
])
def test_unsigned_decimal_takes_plain_ascii_numbers_only(text, plain):
    assert bool(re.fullmatch(UNSIGNED_DECIMAL, text)) is plain
    assert bool(re.fullmatch(UNSIGNED_DECIMAL + EXPONENT + "?", text)) is (plain or text == "1E-05")
