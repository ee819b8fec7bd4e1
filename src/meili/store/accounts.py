"""The account tables (schema v4): users and their grants. The rules live in :mod:`meili.app.accounts` and
:mod:`meili.app.policy`; this module only holds the tables and the SQL that reads and writes them (inside the
caller's transaction, beside its :func:`meili.store.audit.append`).

``users``   name (primary key), password_hash (argon2id, PHC string), admin, active, totp_secret (base32; NULL:
            no second factor), failed_logins (since the last success), locked_until (UTC; NULL: not locked),
            created_at (UTC)
``grants``  name, role, unit ('' for a role that is not granted per unit); primary key (name, role, unit)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

__all__ = ["DDL", "delete_grants", "grants_of", "insert_grants", "insert_user", "update_user", "user_count",
           "user_row", "users"]

DDL = """
CREATE TABLE users (
    name VARCHAR PRIMARY KEY, password_hash VARCHAR NOT NULL, admin BOOLEAN NOT NULL DEFAULT false,
    active BOOLEAN NOT NULL DEFAULT true, totp_secret VARCHAR, failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP, created_at TIMESTAMP NOT NULL
);
CREATE TABLE grants (
    name VARCHAR NOT NULL, role VARCHAR NOT NULL, unit VARCHAR NOT NULL DEFAULT '',
    PRIMARY KEY (name, role, unit)
);
"""

USER_COLUMNS = ("name", "password_hash", "admin", "active", "totp_secret", "failed_logins", "locked_until",
                "created_at")


def user_count(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM users").fetchone()[0]


def user_row(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Any] | None:
    row = con.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM users WHERE name = ?", [name]).fetchone()
    return dict(zip(USER_COLUMNS, row, strict=True)) if row else None


def users(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM users ORDER BY name").fetchall()
    return [dict(zip(USER_COLUMNS, r, strict=True)) for r in rows]


def grants_of(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[str, str | None]]:
    """(role, unit) pairs of ``name``, unit None for a role not granted per unit; sorted."""
    rows = con.execute("SELECT role, unit FROM grants WHERE name = ? ORDER BY role, unit", [name]).fetchall()
    return [(r, u or None) for r, u in rows]


def insert_user(con: duckdb.DuckDBPyConnection, *, name: str, password_hash: str, admin: bool,
                created_at: datetime) -> None:
    con.execute("INSERT INTO users (name, password_hash, admin, active, created_at) VALUES (?, ?, ?, true, ?)",
                [name, password_hash, admin, created_at])


def update_user(con: duckdb.DuckDBPyConnection, name: str, **values: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in values)
    con.execute(f"UPDATE users SET {sets} WHERE name = ?", [*values.values(), name])


def insert_grants(con: duckdb.DuckDBPyConnection, name: str, grants: list[tuple[str, str | None]]) -> None:
    for role, unit in grants:
        con.execute("INSERT OR IGNORE INTO grants VALUES (?, ?, ?)", [name, str(role), unit or ""])


def delete_grants(con: duckdb.DuckDBPyConnection, name: str, grants: list[tuple[str, str | None]]) -> None:
    for role, unit in grants:
        con.execute("DELETE FROM grants WHERE name = ? AND role = ? AND unit = ?", [name, str(role), unit or ""])
