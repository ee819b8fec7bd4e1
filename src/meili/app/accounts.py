"""Accounts: users, their roles per unit, passwords (argon2id), sign-in with lockout and optional TOTP.

Every change and every sign-in — success, failure, refusal — is written to the audit log
(:mod:`meili.store.audit`) in the same transaction as the change itself; a refusal is audited in a transaction of
its own, then raised. Passwords are never stored, printed or logged: only their argon2id hash (argon2-cffi's
:class:`~argon2.PasswordHasher` with its defaults, whose type is argon2id; a hash made with older parameters is
rehashed at the next sign-in).

>>> acc = Accounts(open_workspace("gz"))                                           # doctest: +SKIP
>>> acc.add_user("admin", ["user_admin"], password="…", admin=True, actor=None)   # the first user  # doctest: +SKIP
>>> me = acc.verify_login("admin", "…")                                            # doctest: +SKIP
>>> acc.add_user("li", ["reporter"], ["360702"], password="…", actor=me)          # doctest: +SKIP

The first account of a workspace may be created without signing in, and only as an administrator holding
``user_admin`` (never a default password); after that, managing accounts needs a signed-in ``user_admin``
(:data:`meili.app.policy.Action.manage_users`). A user may change its own password.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from meili.app.policy import (
    UNIT_ROLES,
    Action,
    ConflictingRoles,
    Forbidden,
    Role,
    User,
    authorize,
    check_roles,
)
from meili.errors import MeiliError, NotFoundError, Problem, RequestError, Text, invalid_choice

if TYPE_CHECKING:
    from meili.store import Workspace

__all__ = ["LOCKOUT", "MAX_FAILURES", "Accounts", "LoginFailed", "PasswordRejected"]

#: Failed sign-ins in a row before an account is locked, and for how long (ASVS 2.2.1).
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
#: Password length bounds (ASVS 2.1.1–2.1.2: at least 12 characters, at least 64 allowed).
MIN_PASSWORD, MAX_PASSWORD = 12, 128
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


class LoginFailed(MeiliError):
    """A sign-in that did not succeed (HTTP 401): wrong name or password, a locked or disabled account, a missing
    or wrong second factor. The message does not say whether the name exists."""

    kind = "login_failed"


class PasswordRejected(RequestError):
    """A new password that does not meet the rules (length, not the user's name)."""

    kind = "account"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def _os_actor() -> str:
    from meili.store.model import os_user

    return f"os:{os_user()}"


@dataclass
class Accounts:
    """The accounts of one workspace. ``max_failures`` and ``lockout``: the lockout rule; ``require_admin_totp``:
    refuse a password-only sign-in to an administrator (``admin`` or ``user_admin``) who has no second factor;
    ``clock``: UTC now, naive (tests move it)."""

    workspace: Workspace
    max_failures: int = MAX_FAILURES
    lockout: timedelta = LOCKOUT
    require_admin_totp: bool = False
    clock: Callable[[], datetime] = field(default=_now, repr=False)

    # --- transactions and audit --------------------------------------------------------------------------------
    def _tx(self):
        return self.workspace.store.transaction()

    def _refused(self, error: MeiliError, *, actor: str, action: str, target: str | None,
                 source_ip: str | None, after: Any = None) -> MeiliError:
        """Audit a refusal (its own transaction), and return the error for the caller to raise."""
        from meili.store import audit

        with self._tx() as con:
            audit.append(con, actor=actor, action=action, target=target, after=after, result="refused",
                         reason=error.render("en"), source_ip=source_ip, at=self.clock())
        return error

    def _authorize(self, actor: User | None, action: str, target: str | None, source_ip: str | None) -> None:
        try:
            authorize(actor, Action.manage_users)
        except Forbidden as e:
            raise self._refused(e, actor=actor.name if actor else _os_actor(), action=action, target=target,
                                source_ip=source_ip) from None

    # --- reading -----------------------------------------------------------------------------------------------
    def has_users(self) -> bool:
        from meili.store import accounts as tables

        with self.workspace.store.reading() as con:
            return tables.user_count(con) > 0

    def user(self, name: str) -> User:
        """The user ``name`` as the policy sees it (roles and grants as stored now)."""
        from meili.store import accounts as tables

        with self.workspace.store.reading() as con:
            row = tables.user_row(con, name)
            if row is None:
                raise _no_user(name)
            return _user(row, tables.grants_of(con, name))

    def needs_second_factor(self, name: str) -> bool:
        """Whether signing in as ``name`` asks for a TOTP code (False for an unknown name)."""
        from meili.store import accounts as tables

        with self.workspace.store.reading() as con:
            row = tables.user_row(con, name)
        return bool(row and row["totp_secret"])

    def list_users(self, actor: User | None, source_ip: str | None = None) -> list[dict]:
        """Every account: name, admin, active, roles, grants ("role:unit"), second factor, locked until, failed
        sign-ins, created at — never a password hash or a TOTP secret."""
        from meili.store import accounts as tables

        self._authorize(actor, "users.list", None, source_ip)
        now = self.clock()
        with self.workspace.store.reading() as con:
            out = []
            for row in tables.users(con):
                grants = tables.grants_of(con, row["name"])
                locked = row["locked_until"] if row["locked_until"] and row["locked_until"] > now else None
                out.append({"name": row["name"], "admin": row["admin"], "active": row["active"],
                            "roles": ", ".join(sorted({r for r, _ in grants})),
                            "units": ", ".join(sorted({u for _, u in grants if u})),
                            "totp": bool(row["totp_secret"]), "locked_until": locked,
                            "failed_logins": row["failed_logins"], "created_at": row["created_at"]})
        return out

    # --- changing ----------------------------------------------------------------------------------------------
    def add_user(self, name: str, roles: Iterable[Role | str], units: Iterable[str] = (), password: str = "", *,
                 admin: bool = False, actor: User | None, source_ip: str | None = None) -> User:
        """Create an account with ``roles`` (per unit for the unit roles) and ``password`` (hashed with argon2id).

        ``actor`` None is allowed only for the workspace's first account, which must be ``admin`` and hold
        ``user_admin``."""
        from meili.store import accounts as tables
        from meili.store import audit

        roles, units = _roles(roles), _units(units)
        who = actor.name if actor else _os_actor()
        target = _check_name(name)
        grants = _grants(roles, units)
        with self._tx() as con:
            first = tables.user_count(con) == 0
        if first and actor is None:
            if not (admin and Role.user_admin in roles):
                raise self._refused(RequestError(Problem("account", value=name, detail=Text(
                    "工作区还没有用户：第一个用户必须是管理员并担任用户管理员",
                    "the workspace has no users yet: the first one must be an administrator holding user_admin"))),
                    actor=who, action="users.add", target=target, source_ip=source_ip)
        else:
            self._authorize(actor, "users.add", target, source_ip)
        try:
            check_roles(roles, grants, user=name)
            _check_password(name, password)
        except (ConflictingRoles, PasswordRejected) as e:
            raise self._refused(e, actor=who, action="users.add", target=target, source_ip=source_ip,
                                after={"roles": sorted(roles), "units": sorted(units)}) from None
        digest = _hasher().hash(password)
        with self._tx() as con:
            if tables.user_row(con, name) is not None:
                raise RequestError(Problem("account", value=name, detail=Text("用户已存在", "the user already exists")))
            tables.insert_user(con, name=name, password_hash=digest, admin=admin, created_at=self.clock())
            tables.insert_grants(con, name, grants)
            audit.append(con, actor=who, action="users.add", target=target, source_ip=source_ip, at=self.clock(),
                         after={"admin": admin, "grants": _grant_list(grants)})
        return self.user(name)

    def grant(self, name: str, roles: Iterable[Role | str], units: Iterable[str] = (), *, actor: User | None,
              source_ip: str | None = None) -> User:
        """Give ``name`` more roles (per unit for the unit roles); refused if the result holds conflicting roles."""
        return self._change_grants("users.grant", name, roles, units, actor, source_ip)

    def revoke(self, name: str, roles: Iterable[Role | str], units: Iterable[str] = (), *, actor: User | None,
               source_ip: str | None = None) -> User:
        """Take roles from ``name`` (with ``units``: only those units' grants; without: the role for every unit)."""
        return self._change_grants("users.revoke", name, roles, units, actor, source_ip)

    def _change_grants(self, action: str, name: str, roles, units, actor: User | None,
                       source_ip: str | None) -> User:
        from meili.store import accounts as tables
        from meili.store import audit

        roles, units = _roles(roles), _units(units)
        target = f"user:{name}"
        self._authorize(actor, action, target, source_ip)
        with self._tx() as con:
            if tables.user_row(con, name) is None:
                raise _no_user(name)
            before = tables.grants_of(con, name)
        if action == "users.grant":
            change = _grants(roles, units)
            after = sorted(set(before) | set(change), key=str)
            try:
                check_roles({r for r, _ in after}, change, user=name)
            except ConflictingRoles as e:
                raise self._refused(e, actor=actor.name, action=action, target=target, source_ip=source_ip,
                                    after={"grants": _grant_list(change)}) from None
        else:
            change = [(r, u) for r, u in before if r in roles and (not units or u in units)]
            after = [g for g in before if g not in change]
        with self._tx() as con:
            (tables.insert_grants if action == "users.grant" else tables.delete_grants)(con, name, change)
            audit.append(con, actor=actor.name, action=action, target=target, source_ip=source_ip, at=self.clock(),
                         before={"grants": _grant_list(before)}, after={"grants": _grant_list(after)})
        return self.user(name)

    def set_password(self, name: str, password: str, *, actor: User | None, source_ip: str | None = None) -> None:
        """A new password for ``name``: by the user itself or a user administrator."""
        from meili.store import accounts as tables
        from meili.store import audit

        target = f"user:{name}"
        if actor is None or actor.name != name or not actor.active:
            self._authorize(actor, "users.password", target, source_ip)
        try:
            _check_password(name, password)
        except PasswordRejected as e:
            raise self._refused(e, actor=actor.name if actor else _os_actor(), action="users.password",
                                target=target, source_ip=source_ip) from None
        with self._tx() as con:
            if tables.user_row(con, name) is None:
                raise _no_user(name)
            tables.update_user(con, name, password_hash=_hasher().hash(password), failed_logins=0,
                               locked_until=None)
            audit.append(con, actor=actor.name, action="users.password", target=target, source_ip=source_ip,
                         at=self.clock())

    def set_active(self, name: str, active: bool, *, actor: User | None, source_ip: str | None = None) -> None:
        """Disable (or enable again) an account; a disabled account cannot sign in and may do nothing."""
        self._update(name, "users.enable" if active else "users.disable", actor, source_ip, active=active)

    def unlock(self, name: str, *, actor: User | None, source_ip: str | None = None) -> None:
        """Lift a lockout before it ends."""
        self._update(name, "users.unlock", actor, source_ip, failed_logins=0, locked_until=None)

    def enable_totp(self, name: str, *, actor: User | None, source_ip: str | None = None) -> str:
        """Give ``name`` a TOTP secret (RFC 6238; 30 s, 6 digits) and return its ``otpauth://`` URI for an
        authenticator app — shown once, to the user. From now on signing in needs the code."""
        import pyotp

        secret = pyotp.random_base32()
        self._update(name, "users.totp", actor, source_ip, totp_secret=secret)
        return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name="Meili")

    def _update(self, name: str, action: str, actor: User | None, source_ip: str | None, **values: Any) -> None:
        from meili.store import accounts as tables
        from meili.store import audit

        target = f"user:{name}"
        if not (action == "users.totp" and actor is not None and actor.name == name and actor.active):
            self._authorize(actor, action, target, source_ip)
        with self._tx() as con:
            if tables.user_row(con, name) is None:
                raise _no_user(name)
            tables.update_user(con, name, **values)
            shown = {k: v for k, v in values.items() if k != "totp_secret"}
            audit.append(con, actor=actor.name, action=action, target=target, source_ip=source_ip,
                         at=self.clock(), after=shown or None)

    # --- signing in --------------------------------------------------------------------------------------------
    def verify_login(self, name: str, password: str, totp: str | None = None,
                     source_ip: str | None = None) -> User:
        """The user ``name`` when ``password`` (and, for an account with a second factor, ``totp``) are right;
        else :class:`LoginFailed`. ``max_failures`` failures in a row lock the account for ``lockout``; a locked
        account is refused even the right password until then. Every attempt is audited."""
        from argon2.exceptions import InvalidHashError, VerificationError

        from meili.store import accounts as tables
        from meili.store import audit

        now, ph = self.clock(), _hasher()
        target = f"user:{name}"
        with self._tx() as con:
            row = tables.user_row(con, name)
            grants = tables.grants_of(con, name) if row else []
            error: LoginFailed | None = None
            if row is None:
                _spend(ph, password)  # the same time as a real check: no telling names apart by timing
                error = _login_failed(Text("用户名或密码错误", "wrong name or password"))
                audit.append(con, actor=name, action="login", target=target, result="failed",
                             reason="unknown user", source_ip=source_ip, at=now)
            elif row["locked_until"] is not None and row["locked_until"] > now:
                until = row["locked_until"].replace(tzinfo=UTC).astimezone().strftime("%H:%M")
                error = _login_failed(Text(f"连续失败次数过多，账户已锁定至 {until}",
                                           f"too many failures: the account is locked until {until}"))
                audit.append(con, actor=name, action="login", target=target, result="refused",
                             reason="locked", source_ip=source_ip, at=now)
            else:
                try:
                    ok = ph.verify(row["password_hash"], password)
                except (VerificationError, InvalidHashError):
                    ok = False
                why = None if ok else "wrong password"
                if ok and row["totp_secret"] and not _totp_ok(row["totp_secret"], totp):
                    why = "missing second factor" if not totp else "wrong second factor"
                if why is None and not row["active"]:
                    error = _login_failed(Text("账户已停用", "the account is disabled"))
                    audit.append(con, actor=name, action="login", target=target, result="refused",
                                 reason="disabled", source_ip=source_ip, at=now)
                elif why is None and self.require_admin_totp and not row["totp_secret"] and (
                        row["admin"] or any(r == Role.user_admin for r, _ in grants)):
                    error = _login_failed(Text("管理员账户必须先启用动态口令（TOTP）",
                                               "an administrator must enable a one-time code (TOTP) first"))
                    audit.append(con, actor=name, action="login", target=target, result="refused",
                                 reason="administrator without TOTP", source_ip=source_ip, at=now)
                elif why is not None:
                    failures = row["failed_logins"] + 1
                    locked = now + self.lockout if failures >= self.max_failures else None
                    tables.update_user(con, name, failed_logins=0 if locked else failures, locked_until=locked)
                    text = (Text("需要动态口令", "a one-time code (TOTP) is needed") if why.startswith("missing")
                            else Text("用户名、密码或动态口令错误", "wrong name, password or one-time code")
                            if row["totp_secret"] else Text("用户名或密码错误", "wrong name or password"))
                    if locked:
                        text = Text(text.zh + f"；连续失败 {failures} 次，账户锁定 {_minutes(self.lockout)} 分钟",
                                    text.en + f"; {failures} failures in a row: the account is locked for "
                                    f"{_minutes(self.lockout)} minutes")
                    error = _login_failed(text)
                    audit.append(con, actor=name, action="login", target=target, result="failed", reason=why,
                                 source_ip=source_ip, at=now, after={"failed_logins": failures,
                                                                     "locked_until": locked})
                else:
                    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
                    if ph.check_needs_rehash(row["password_hash"]):
                        values["password_hash"] = ph.hash(password)
                    tables.update_user(con, name, **values)
                    audit.append(con, actor=name, action="login", target=target, source_ip=source_ip, at=now)
        if error is not None:
            raise error
        return _user(row, grants)


# --- helpers -------------------------------------------------------------------------------------------------
def _user(row: dict, grants: list[tuple[str, str | None]]) -> User:
    g = frozenset((Role(r), u) for r, u in grants)
    return User(name=row["name"], roles=frozenset(r for r, _ in g), units=frozenset(u for _, u in g if u),
                admin=bool(row["admin"]), active=bool(row["active"]), totp_enabled=bool(row["totp_secret"]),
                grants=g)


def _roles(roles: Iterable[Role | str]) -> frozenset[Role]:
    out = set()
    for r in roles:
        try:
            out.add(Role(r))
        except ValueError:
            raise invalid_choice("role", r, [x.value for x in Role]) from None
    if not out:
        raise RequestError(Problem("account", column="role", detail=Text("至少指定一个角色", "name at least one role")))
    return frozenset(out)


def _units(units: Iterable[str]) -> frozenset[str]:
    from meili.app.units import unit

    out = frozenset(units)
    for u in out:
        unit(u)  # NotFoundError for a code units.yaml does not list
    return out


def _grants(roles: frozenset[Role], units: frozenset[str]) -> list[tuple[Role, str | None]]:
    """The (role, unit) pairs of ``roles`` × ``units``: a unit role once per unit, a reviewer once per unit named
    (its own units, never reviewed by it), any other role without a unit (given units, the pairs are kept so that
    :func:`check_roles` refuses them)."""
    out: list[tuple[Role, str | None]] = []
    for r in sorted(roles):
        if units:
            out += [(r, u) for u in sorted(units)]
        else:
            out.append((r, None))
    return out


def _grant_list(grants: Iterable[tuple[str, str | None]]) -> list[str]:
    return sorted(f"{r}:{u}" if u else str(r) for r, u in grants)


def _check_name(name: str) -> str:
    if not name or len(name) > 64 or not set(name) <= NAME_CHARS or name[0] in "._-":
        raise RequestError(Problem("account", column="name", value=name, detail=Text(
            "用户名只能用小写字母、数字和 . _ -（以字母或数字开头，最多 64 个）",
            "a user name is lower-case letters, digits and . _ - (starting with a letter or digit, at most 64)")))
    return f"user:{name}"


def _check_password(name: str, password: str) -> None:
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(Text(f"密码至少 {MIN_PASSWORD} 个字符", f"a password has at least {MIN_PASSWORD} characters"))
    if len(password) > MAX_PASSWORD:
        problems.append(Text(f"密码最多 {MAX_PASSWORD} 个字符", f"a password has at most {MAX_PASSWORD} characters"))
    if password.strip().lower() == name.lower():
        problems.append(Text("密码不能与用户名相同", "the password may not be the user name"))
    if problems:  # the password itself is never shown
        raise PasswordRejected(*(Problem("account", column="password", detail=t) for t in problems))


def _totp_ok(secret: str, code: str | None) -> bool:
    import pyotp

    return bool(code) and pyotp.TOTP(secret).verify(code.strip(), valid_window=1)


def _spend(ph, password: str) -> None:
    from argon2.exceptions import VerificationError

    try:
        ph.verify(_DUMMY.get("hash") or _DUMMY.setdefault("hash", ph.hash("meili-no-such-user")), password)
    except VerificationError:
        pass


_DUMMY: dict[str, str] = {}


def _login_failed(text: Text) -> LoginFailed:
    return LoginFailed(Problem("login_failed", detail=text))


def _minutes(d: timedelta) -> int:
    return int(d.total_seconds() // 60)


def _no_user(name: str) -> NotFoundError:
    return NotFoundError(Problem("not_found", column="user", value=name, detail=Text("没有该用户", "no such user")))


# Roles scoped to units, re-exported for the front doors' help texts.
UNIT_ROLE_NAMES = tuple(sorted(str(r) for r in UNIT_ROLES))
