"""The ``meili`` command line: thin wrappers that parse, call :class:`meili.app.Meili` and print.

Each command group lives in its own module of this package and is registered here. Errors are handled once, by
the root group (:class:`meili.cli._common.MeiliGroup`): a user's mistake prints in Chinese and English with exit
code 1; a defect prints as an internal error (exit 70), never as a traceback.
"""

from __future__ import annotations

import typer

from meili.cli._common import MeiliGroup

app = typer.Typer(
    name="meili",
    cls=MeiliGroup,
    help="美丽 Meili — 美丽建设规划监测评估系统 / monitoring and evaluation of Beautiful China plans.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: typer's rich panels print "<bool>" after every flag
)


@app.callback()
def _root() -> None:
    """美丽 Meili — 美丽建设规划监测评估系统 / monitoring and evaluation of Beautiful China plans."""


@app.command()
def version() -> None:
    """版本 / Print Meili's version."""
    from meili import __version__

    typer.echo(__version__)


# Command groups, one module each (one line per group keeps merges trivial).


def main() -> None:
    app()
from meili.cli import plan as _plan; app.add_typer(_plan.app, name="plan")  # noqa: E402, E702, I001
from meili.cli import regions as _regions; app.add_typer(_regions.app, name="regions")  # noqa: E402, E702, I001
from meili.cli import demo as _demo; app.command("demo")(_demo.demo)  # noqa: E402, E702, I001
from meili.cli import water as _water; app.add_typer(_water.app, name="water")  # noqa: E402, E702, I001
from meili.cli import air as _air; app.add_typer(_air.app, name="air")  # noqa: E402, E702, I001
from meili.cli import data as _data; app.add_typer(_data.app, name="data"); app.command("init")(_data.init)  # noqa: E402, E702, I001
from meili.cli import evaluate as _ev; app.command("evaluate")(_ev.evaluate); app.command("rank")(_ev.rank)  # noqa: E402, E702, I001
from meili.cli import portal as _portal; app.add_typer(_portal.app, name="portal"); app.command("serve")(_portal.serve)  # noqa: E402, E702, I001
from meili.cli import publish as _publish; app.command("publish")(_publish.publish)  # noqa: E402, E702, I001
from meili.cli import report as _report; app.add_typer(_report.app, name="report")  # noqa: E402, E702, I001
from meili.cli import users as _users; app.add_typer(_users.app, name="users")  # noqa: E402, E702, I001
from meili.cli import audit as _audit; app.add_typer(_audit.app, name="audit")  # noqa: E402, E702, I001
from meili.cli import periods as _periods; app.add_typer(_periods.app, name="periods")  # noqa: E402, E702, I001
from meili.cli import submissions as _submissions; app.add_typer(_submissions.app, name="submissions")  # noqa: E402, E702, I001
