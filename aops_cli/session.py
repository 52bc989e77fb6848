"""Where the CLIs find the services and keep login tokens (one per manager URL, file mode 0600)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aops_cli.client import MANAGER
from aops_cli.client import CliError
from aops_cli.client import Service

SESSIONS_FILE = "sessions.json"


def cli_home() -> Path:
    """`$AOPS_CLI_HOME`, else `$XDG_CONFIG_HOME/aops`, else `~/.config/aops`."""
    explicit = os.environ.get("AOPS_CLI_HOME")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "aops"


def normalise_url(url: str) -> str:
    url = url.strip().rstrip("/")
    return url if "://" in url else f"http://{url}"


def url_from_settings(service: Service = MANAGER) -> str:
    """The service's section of `system.ini` (`[manager]`, ...) in `$AOPS_CONF_DIR` (default /etc/aops)."""
    # Imported here: pydantic-backed settings cost start-up time that `--manager` users can skip.
    from aops_utils.conf import Endpoint
    from aops_utils.conf import load_system
    from aops_utils.errors import ConfigError

    try:
        endpoint: Endpoint = getattr(load_system(), service.section)
    except ConfigError as exc:
        hint = f"(or pass {service.option} URL)"
        raise CliError(f"cannot tell where the {service.name} is: {exc} {hint}") from None
    return endpoint.url


@dataclass(frozen=True, slots=True)
class Session:
    manager: str
    username: str
    access_token: str


class TokenStore:
    """Tokens from `aops login`, keyed by manager URL so a token never goes to another server."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home or cli_home()

    @property
    def path(self) -> Path:
        return self.home / SESSIONS_FILE

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # A missing, unreadable or damaged file means "not logged in"; the next login rewrites it.
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, Any]) -> None:
        try:
            self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not data:
                self.path.unlink(missing_ok=True)
                return
            temp = self.path.with_name(f".{SESSIONS_FILE}.{os.getpid()}")
            # Created 0600 from the start: the token is never readable by others, even briefly.
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2)
                handle.write("\n")
            os.chmod(temp, 0o600)
            os.replace(temp, self.path)
        except OSError as exc:
            raise CliError(f"cannot write the token file {self.path}: {exc.strerror or exc}") from None

    def get(self, manager: str) -> Session | None:
        entry = self._read().get(manager)
        if not isinstance(entry, dict) or not isinstance(entry.get("access_token"), str):
            return None
        return Session(manager, str(entry.get("username", "")), entry["access_token"])

    def save(self, manager: str, username: str, token: str) -> Path:
        data = self._read()
        data[manager] = {"username": username, "access_token": token, "logged_in_at": int(time.time())}
        self._write(data)
        return self.path

    def remove(self, manager: str, token: str | None = None) -> bool:
        """Forget the manager's token (only if it is `token`, when given); True if one was removed."""
        data = self._read()
        entry = data.get(manager)
        if entry is None:
            return False
        if token is not None and isinstance(entry, dict) and entry.get("access_token") != token:
            return False
        del data[manager]
        self._write(data)
        return True
