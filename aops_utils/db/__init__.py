"""Relational store seam: MySQL (production) and SQLite (embedded) behind one small protocol."""

from aops_utils.db.store import (
    MySQLStore,
    RelationalStore,
    SQLiteStore,
    UniqueViolation,
    open_relational_store,
)

__all__ = ["MySQLStore", "RelationalStore", "SQLiteStore", "UniqueViolation", "open_relational_store"]
