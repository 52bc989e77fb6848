"""Relational store seam: MySQL (production) and SQLite (embedded) behind one small protocol."""

from aops_utils.db.store import MySQLStore
from aops_utils.db.store import RelationalStore
from aops_utils.db.store import SQLiteStore
from aops_utils.db.store import UniqueViolation
from aops_utils.db.store import open_relational_store

__all__ = ["MySQLStore", "RelationalStore", "SQLiteStore", "UniqueViolation", "open_relational_store"]
