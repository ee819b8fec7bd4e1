"""``meili users add|grant|revoke|list`` (and ``password``, ``unlock``, ``disable``, ``enable``, ``totp``): accounts.

Who is acting, on the command line: the Meili user named by ``--as NAME`` (or ``$MEILI_USER``; default: the
operating-system user's name), who signs in like on the web — the password is asked on the terminal (never echoed),
or read from ``$MEILI_PASSWORD`` when there is no terminal (scripts, tests); a TOTP code from ``--totp`` /
``$MEILI_TOTP`` or asked. Every sign-in goes through the same lockout and audit as the web's. The only command that
needs no sign-in is the very first ``meili users add NAME --admin --role user_admin``, on a workspace without
users. A new user's password comes from ``--password-file F`` (its first line) or is asked twice on the terminal;
there is no default password and no password on the command line (it would stay in the shell's history).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from meili.cli._common import OutputFormat, WorkspaceOption, console, meili_app, write_rows
from meili.errors import InputError, Problem, RequestError, Text

if TYPE_CHECKING:
    from meili.app import Meili
    from meili.app.accounts import Accounts
    from meili.app.policy import User

app = typer.Typer(rich_markup_mode=None, help="用户与角色 / users, roles and sign-in.", no_args_is_help=True)

#: ``--as NAME``: the Meili user this command acts as.
AsOption = Annotated[str | None, typer.Option(
    "--as", envvar="MEILI_USER", help="以该 Meili 用户身份操作 / act as this Meili user (default: $MEILI_USER, else "
                                      "the operating-system user); the password is asked, or read from "
                                      "$MEILI_PASSWORD without a terminal.")]
TotpOption = Annotated[str | None, typer.Option(
    "--totp", envvar="MEILI_TOTP", help="动态口令 / one-time code (TOTP), for an account that has one.")]
RoleOption = Annotated[list[str], typer.Option(
    "--role", help="角色（可重复）/ role (repeatable): reporter, unit_lead, reviewer, publisher, user_admin, auditor, "
                   "public.")]
UnitOption = Annotated[list[str] | None, typer.Option(
    "--unit", help="单位代码（可重复）/ unit code (repeatable), e.g. 360702 or dept-forestry (see units.yaml).")]
PasswordFileOption = Annotated[Path | None, typer.Option(
    "--password-file", help="从该文件第一行读取新密码 / read the new password from the first line of this file "
                            "(else it is asked twice).")]


def _interactive() -> bool:
    return sys.stdin.isatty()


def accounts(app_: Meili) -> Accounts:
    from meili.app.accounts import Accounts

    return Accounts(app_.workspace)


def signed_in(app_: Meili, name: str | None, totp: str | None = None) -> User:
    """Sign in as ``name`` (``--as``; default the OS user) with a password asked or taken from $MEILI_PASSWORD."""
    import getpass

    from meili.store.model import os_user

    acc = accounts(app_)
    name = name or os_user()
    password = os.environ.get("MEILI_PASSWORD")
    if password is None:
        if not _interactive():
            raise RequestError(Problem("login_failed", value=name, detail=Text(
                "需要登录：没有终端可询问密码；请设置 MEILI_PASSWORD（用 --as 或 MEILI_USER 指定用户）",
                "sign-in needed: no terminal to ask the password on; set MEILI_PASSWORD (and the user with --as or "
                "MEILI_USER)")))
        password = getpass.getpass(f"{name} 的密码 / password for {name}: ")
    if totp is None and _interactive() and acc.needs_second_factor(name):
        totp = typer.prompt("动态口令 / one-time code")
    return acc.verify_login(name, password, totp)


def _new_password(name: str, path: Path | None) -> str:
    import getpass

    if path is not None:
        try:
            with open(path, encoding="utf-8") as f:
                line = f.readline()
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(Problem("unreadable_file", file=str(path), detail=Text(
                f"无法读取密码文件：{e.__class__.__name__}", f"cannot read the password file: {e.__class__.__name__}"))) from None
        return line.rstrip("\r\n")
    if not _interactive():
        raise RequestError(Problem("account", column="password", value=name, detail=Text(
            "没有终端可询问新密码：请用 --password-file F 给出（文件第一行）",
            "no terminal to ask the new password on: give it with --password-file F (its first line)")))
    first = getpass.getpass(f"{name} 的新密码 / new password for {name}: ")
    if getpass.getpass("再输入一次 / again: ") != first:
        raise RequestError(Problem("account", column="password", value=name, detail=Text(
            "两次输入的密码不一致", "the two passwords differ")))
    return first


def _show(user: User, verb: str) -> None:
    grants = ", ".join(f"{r}:{u}" if u else str(r) for r, u in sorted(user.grants, key=str)) or "—"
    flags = " admin" if user.admin else ""
    console.print(f"{verb} {user.name}{flags}: {grants}", highlight=False)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="用户名 / user name (lower-case letters, digits, . _ -).")],
    role: RoleOption,
    unit: UnitOption = None,
    password_file: PasswordFileOption = None,
    admin: Annotated[bool, typer.Option("--admin", help="管理员账户 / an administrator account.")] = False,
    as_: AsOption = None,
    totp: TotpOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """添加用户 / Add a user. The first user of a workspace: --admin --role user_admin, with no sign-in."""
    app_ = meili_app(workspace)
    acc = accounts(app_)
    actor = signed_in(app_, as_, totp) if acc.has_users() else None
    password = _new_password(name, password_file)
    _show(acc.add_user(name, role, unit or [], password, admin=admin, actor=actor), "已添加 / added")


def _role_change(method: str, done: str):
    """``grant`` and ``revoke``: the same arguments, one method of :class:`~meili.app.accounts.Accounts` each."""
    def command(
        name: Annotated[str, typer.Argument(help="用户名 / user name.")],
        role: RoleOption,
        unit: UnitOption = None,
        as_: AsOption = None,
        totp: TotpOption = None,
        workspace: WorkspaceOption = None,
    ) -> None:
        app_ = meili_app(workspace)
        change = getattr(accounts(app_), method)
        _show(change(name, role, unit or [], actor=signed_in(app_, as_, totp)), done)
    return command


app.command("grant", help="授予角色 / Grant roles (per unit for reporter and unit_lead).")(
    _role_change("grant", "已授权 / granted"))
app.command("revoke", help="撤销角色 / Revoke roles (with --unit: only for those units).")(
    _role_change("revoke", "已撤销 / revoked"))


@app.command("list")
def list_users(
    as_: AsOption = None,
    totp: TotpOption = None,
    workspace: WorkspaceOption = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="输出格式 / output format: table, csv, json.")] = OutputFormat.table,
) -> None:
    """列出用户 / List users, their roles and units (never a password or secret)."""
    app_ = meili_app(workspace)
    write_rows(accounts(app_).list_users(signed_in(app_, as_, totp)), format, title="用户 / Users")


@app.command("password")
def password(
    name: Annotated[str, typer.Argument(help="用户名 / user name.")],
    password_file: PasswordFileOption = None,
    as_: AsOption = None,
    totp: TotpOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """修改密码 / Set a password (one's own, or as user_admin anyone's)."""
    app_ = meili_app(workspace)
    actor = signed_in(app_, as_, totp)
    accounts(app_).set_password(name, _new_password(name, password_file), actor=actor)
    console.print(f"已修改密码 / password changed: {name}", highlight=False)


def _simple(verb: str, done: str):
    def command(
        name: Annotated[str, typer.Argument(help="用户名 / user name.")],
        as_: AsOption = None,
        totp: TotpOption = None,
        workspace: WorkspaceOption = None,
    ) -> None:
        app_ = meili_app(workspace)
        acc, actor = accounts(app_), signed_in(app_, as_, totp)
        if verb == "unlock":
            acc.unlock(name, actor=actor)
        else:
            acc.set_active(name, verb == "enable", actor=actor)
        console.print(f"{done}: {name}", highlight=False)
    return command


app.command("unlock", help="解除锁定 / Lift a lockout.")(_simple("unlock", "已解锁 / unlocked"))
app.command("disable", help="停用账户 / Disable an account.")(_simple("disable", "已停用 / disabled"))
app.command("enable", help="启用账户 / Enable an account again.")(_simple("enable", "已启用 / enabled"))


@app.command("totp")
def totp_enable(
    name: Annotated[str, typer.Argument(help="用户名 / user name.")],
    as_: AsOption = None,
    totp: TotpOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """启用动态口令 / Give an account a TOTP second factor; prints the otpauth:// URI once, for the user's app."""
    app_ = meili_app(workspace)
    uri = accounts(app_).enable_totp(name, actor=signed_in(app_, as_, totp))
    typer.echo(uri)
