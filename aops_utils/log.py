"""Rotating per-service log files sized by `system.ini [log]`, plus stderr, with secrets redacted."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
from logging.handlers import RotatingFileHandler

from aops_utils import private
from aops_utils.conf import LogSection
from aops_utils.errors import ConfigError

FORMAT = "%(asctime)s %(levelname)s %(name)s/%(funcName)s/%(lineno)d: %(message)s"

# A last line of defence: code never logs credentials on purpose, but a formatted request or
# exception text might carry one.
_SECRET = re.compile(
    r"""(?ix)(["']?(?:password|sudo_password|private_key|key|access_token|token|secret)["']?
    \s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,}]+)"""
)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET.sub(r"\1***", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str) -> str:
    """`\\n`, `\\r`, `\\t` or `\\xNN`/`\\uNNNN` for every control character: a value that
    reaches a log line (a rule name, a user name, a path) cannot start a line of its own."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), m.group().encode("unicode_escape").decode()), text)


class EscapingFormatter(logging.Formatter):
    """One record, one line: the message is escaped, and the lines of a traceback or stack that
    follow it are indented, so that no line after the first can pass for a record of its own."""

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        text = escape_controls(self.formatMessage(record))
        # Not the record's cached exc_text: another handler may have formatted it unindented.
        if record.exc_info:
            text += "\n" + _indented(self.formatException(record.exc_info))
        elif record.exc_text:
            text += "\n" + _indented(record.exc_text)
        if record.stack_info:
            text += "\n" + _indented(self.formatStack(record.stack_info))
        return text


def _indented(text: str) -> str:
    return "\n".join("    " + escape_controls(line) for line in text.splitlines())


class PrivateRotatingFileHandler(RotatingFileHandler):
    """Every log file, the first and each one after a rotation, is created 0600."""

    def _open(self) -> io.TextIOWrapper:
        # Not private.create_file: tightening an old file logs, and this runs inside the handler.
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, private.FILE_MODE)
        return open(fd, "a", encoding=self.encoding, errors=self.errors)

    def close_stream(self) -> None:
        """Close the file until the next record (which opens it again)."""
        with self.lock or contextlib.nullcontext():
            if self.stream is not None:
                self.stream.close()
                self.stream = None


def setup(service: str, settings: LogSection, *, to_stderr: bool = True) -> logging.Logger:
    """Configure the root logger once for a service process; returns the service's logger."""
    root = logging.getLogger()
    root.setLevel(settings.log_level)
    for handler in list(root.handlers):
        if getattr(handler, "_aops", False):
            root.removeHandler(handler)
    formatter = EscapingFormatter(FORMAT)
    handlers: list[logging.Handler] = []
    try:
        private.make_dir(settings.log_dir)
        file_handler = PrivateRotatingFileHandler(
            settings.log_dir / f"{service}.log",
            maxBytes=settings.max_bytes,
            backupCount=settings.backup_count,
            encoding="utf-8",
        )
        handlers.append(file_handler)
    except OSError as exc:
        raise ConfigError(f"system.ini [log] log_dir: cannot write {settings.log_dir}: {exc}") from exc
    if to_stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RedactSecrets())
        handler._aops = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    # Tightened once the handlers are in place, so that the warnings reach this very log.
    private.tighten(settings.log_dir, private.DIR_MODE)
    for old in settings.log_dir.glob(f"{service}.log*"):
        private.tighten(old, private.FILE_MODE)
    # Quiet libraries that log every request or connection at INFO.
    for noisy in ("werkzeug", "kafka", "elasticsearch", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # kafka-python 3 warns whenever its I/O task waited >100 ms for the GIL, which is what a
    # thread publishing thousands of messages does to it; nothing is lost or late.
    logging.getLogger("kafka.net.selector").setLevel(max(logging.ERROR, root.level))
    return logging.getLogger(service)
