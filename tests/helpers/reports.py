"""Damaging reporting workbooks for the tests of the readers (issue 15 #5) and the fuzz harness."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

#: The first worksheet's part in a workbook written by openpyxl.
SHEET = "xl/worksheets/sheet1.xml"


def body(xml: bytes) -> bytes:
    """An XML part without its declaration (to put a DTD before it)."""
    return xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml


def rezip(src: Path, dst: Path, change) -> Path:
    """Copy a workbook, changing its parts' bytes (``change(name, data) -> data``)."""
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info)))
    dst.write_bytes(out.getvalue())
    return dst
