"""``meili serve`` and ``meili portal build``: parse, call :mod:`meili.web`, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from meili.cli._common import WorkspaceOption, meili_app

app = typer.Typer(help="门户 / The public portal as static files.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址 / address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="端口 / port.")] = 8000,
    release: Annotated[int | None, typer.Option("--release", min=1,
                                                help="只发布此版本 / serve this release only.")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64,
                                         help="进程数 / worker processes (each keeps its own page cache).")] = 1,
    desk: Annotated[bool, typer.Option("--desk", help="同时提供报送工作台（登录、填报、审核、写接口；单进程）/ also "
                                                      "serve the reporting desk: sign-in, entry, review and the "
                                                      "write API (one worker: sessions live in its memory).")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """门户网站 / Serve the public portal and open API of the workspace's releases (read-only without --desk)."""
    import uvicorn

    from meili.web.server import create_app

    app = meili_app(workspace)
    info = app.release(release).info  # a clear error now, not at the first request, when there is no release
    typer.echo(f"门户 / portal: http://{host}:{port}/zh/  (第 {info.number} 版 / release {info.number}; "
               "Ctrl+C 停止 / to stop)", err=True)
    if desk and workers != 1:
        from meili.errors import Problem, RequestError, Text

        raise RequestError(Problem("invalid_request", column="workers", value=str(workers), detail=Text(
            "工作台只能单进程运行（会话保存在进程内存中）", "the desk runs as one worker (sessions live in its memory)")))
    if desk:
        typer.echo(f"工作台 / desk: http://{host}:{port}/desk/login  (会话 Cookie 需 HTTPS 或本机地址 / the "
                   "session cookie needs https or a loopback address)", err=True)
    if workers == 1:
        uvicorn.run(create_app(app=app, release=release, desk=desk), host=host, port=port, log_level="warning",
                    server_header=False)
    else:
        import os

        os.environ["MEILI_PORTAL_WORKSPACE"] = str(app.workspace_path)
        if release is not None:
            os.environ["MEILI_PORTAL_RELEASE"] = str(release)
        uvicorn.run("meili.web.server:app_from_environment", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", server_header=False)


@app.command("build")
def build(
    directory: Annotated[Path, typer.Argument(help="输出目录 / folder to write the site into.")],
    release: Annotated[int | None, typer.Option("--release", min=1, help="版本 / release (default: latest).")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """静态门户 / Write the portal of a release as static files (the same pages the server sends)."""
    from meili.web.build import build as build_site

    result = build_site(meili_app(workspace), directory, release=release)
    typer.echo(f"第 {result.release} 版 / release {result.release}: {result.files} 个文件 / files, "
               f"{result.bytes / 1e6:.1f} MB → {result.directory}")
