"""The audit log: security events of one service as JSON lines in `<log_dir>/<service>-audit.log`.

Logins, failures, lock-outs, logouts, password and key changes and refused tokens, each with
the user and the client address. One JSON object per line: a name holding a newline or a quote
is escaped by the encoding, so no value can forge or split a record. The file is private (0600)
and rotates by `system.ini [log] max_bytes` and `backup_count` like the service's log.
"""

from __future__ import annotations

import logging
import threading
import time
from enum import StrEnum
from typing import Any

import orjson

from aops_utils import private
from aops_utils.conf import LogSection
from aops_utils.errors import ConfigError
from aops_utils.log import PrivateRotatingFileHandler

_SEPARATORS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


class Event(StrEnum):
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"  # a password was checked and was wrong (or the user is unknown)
    LOGIN_REFUSED = "login_refused"  # refused unchecked: lock-out delay or too many checks at once
    LOCKED_OUT = "locked_out"  # this failure starts or lengthens a delay
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name
    PASSWORD_CHANGE_REFUSED = "password_change_refused"  # noqa: S105 - an event name
    USER_ADDED = "user_added"
    KEY_ACCEPTED = "key_accepted"
    KEY_REFUSED = "key_refused"
    KEY_DROPPED = "key_dropped"
    TOKEN_REFUSED = "token_refused"  # noqa: S105 - an event name


class AuditLog:
    def __init__(self, service: str, settings: LogSection) -> None:
        self.service = service
        self.path = settings.log_dir / f"{service}-audit.log"
        try:
            private.make_dir(settings.log_dir)
        except OSError as exc:
            raise ConfigError(f"system.ini [log] log_dir: cannot write {settings.log_dir}: {exc}") from exc
        # Opened for each record and closed at once: events are rare next to requests, and no
        # file stays open per app (tests build hundreds) or across another process's rotation.
        self._handler = PrivateRotatingFileHandler(
            self.path,
            maxBytes=settings.max_bytes,
            backupCount=settings.backup_count,
            encoding="utf-8",
            delay=True,
        )
        self._handler.setFormatter(logging.Formatter("%(message)s"))
        # Not a registered logger: records never reach the service log, the root handlers or
        # another app's audit file.
        self._logger = logging.Logger(f"aops.audit.{service}", logging.INFO)
        self._logger.addHandler(self._handler)
        self._lock = threading.Lock()

    def record(self, event: Event, *, user: str | None, address: str, **fields: Any) -> None:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "service": self.service,
            "event": event.value,
            "user": user,
            "address": address,
            **fields,
        }
        # JSON leaves these unescaped, yet many readers split lines on them.
        line = orjson.dumps(entry, default=str).decode("utf-8").translate(_SEPARATORS)
        with self._lock:
            self._logger.info(line)
            self._handler.close_stream()
