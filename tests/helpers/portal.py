"""One published demo workspace, one portal server and one browser per test session (see tests/web/conftest.py)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
#: Flags that keep Chromium from calling home (its background requests would be refused by a closed network).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-default-apps"]
ARTEFACTS = Path(os.environ.get("MEILI_TEST_ARTEFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))


def make_demo_workspace(folder: Path) -> Path:
    """The README's main job, run once: ``meili demo -w folder`` (imports, air and water results, release 1)."""
    from typer.testing import CliRunner

    from meili.cli import app

    if folder.exists():
        shutil.rmtree(folder)
    result = CliRunner().invoke(app, ["demo", "-w", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn in a thread of the test process, on loopback."""

    def __init__(self, asgi_app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(asgi_app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the portal server did not start in 30 s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
