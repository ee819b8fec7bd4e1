"""The open-data zip of a release: every table, dictionary, datapackage.json with hashes, SHA-256 sums."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

from meili.app.releases import RELEASE_TABLES


def test_zip_contents_verify(client, release):
    n = release.info.number
    body = client.get(f"/downloads/meili-release-{n}.zip").content
    assert body == client.get(f"/downloads/meili-release-{n}.zip").content  # the same bytes every time
    z = zipfile.ZipFile(io.BytesIO(body))
    files = {name.split("/", 1)[1]: z.read(name) for name in z.namelist()}
    assert {f"data/{t}.csv" for t in RELEASE_TABLES} <= set(files)
    sums = dict(line.split("  ")[::-1] for line in files["SHA256SUMS"].decode().splitlines())
    for path, digest in sums.items():
        assert hashlib.sha256(files[path]).hexdigest() == digest
    package = json.loads(files["datapackage.json"])
    for resource in package["resources"]:
        data = files[resource["path"]]
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        header = next(csv.reader(io.StringIO(data.decode("utf-8"))), [])
        assert header == [f["name"] for f in resource["schema"]["fields"]] or not data.strip()
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        assert len(rows) - 1 == release.table(resource["name"]).num_rows
    assert b"CC BY 4.0" in files["LICENSE.txt"] and str(n).encode() in files["CITATION.txt"]
