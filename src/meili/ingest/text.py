"""What every ingest reader shares about text: decoding a CSV file's bytes and the plain-number grammar.

One definition each, so that a report (:mod:`meili.ingest.templates`), a water file (:mod:`meili.ingest.water`) and
an air file (:mod:`meili.ingest.air`) accept the same encodings and read the same texts as numbers.
"""

from __future__ import annotations

from meili.errors import Text

#: An unsigned plain decimal number in ASCII digits (``12``, ``12.``, ``12.5``, ``.5``): no sign, exponent, digit
#: separators (``1_000``, ``1,000``), full-width or other Unicode digits, ``nan``/``inf`` or hex. Non-capturing,
#: for both Python's ``re`` and DuckDB's RE2.
UNSIGNED_DECIMAL = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
#: A decimal exponent (Excel shows 0.00001 as ``1E-05``).
EXPONENT = r"(?:[eE][+-]?[0-9]+)"

#: The encodings a CSV may be in, for the messages that name them.
ENCODINGS = Text("UTF-8、GB18030 或带 BOM 的 UTF-16", "UTF-8, GB18030 or UTF-16 with a BOM")

#: Bytes looked at for a NUL (a binary file, or UTF-16 without a BOM).
_PROBE = 65536


class UndecodableText(ValueError):
    """Bytes that are not CSV text in one of :data:`ENCODINGS`; ``why`` says what they are (zh / en)."""

    def __init__(self, why: Text):
        super().__init__(why.en)
        self.why = why


def decode_csv(data: bytes) -> tuple[bytes, str]:
    """A CSV file's bytes as ``(UTF-8 bytes without BOM, text)``: UTF-8 (with or without BOM), UTF-16 with a BOM,
    or GB18030 (what Excel on Chinese Windows saves). UTF-8 input is returned as it is (no copy re-encoded), so a
    vectorised parser can read the bytes while the text serves the header. Anything else raises
    :class:`UndecodableText`."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise UndecodableText(Text(f"UTF-16 文本无法解码（第 {e.start} 字节）",
                                       f"UTF-16 text that cannot be decoded (byte {e.start})")) from None
        return text.encode("utf-8"), text
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:_PROBE]:
        raise UndecodableText(Text("二进制文件，不是 CSV 文本", "a binary file, not CSV text"))
    try:
        return data, data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise UndecodableText(Text(f"编码既不是 UTF-8 也不是 GB18030（第 {e.start} 字节：{e.reason}）",
                                   f"encoding is neither UTF-8 nor GB18030 ({e.reason} at byte {e.start})")) from None
    return text.encode("utf-8"), text
