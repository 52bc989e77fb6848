"""Per-invocation state shared by every command: service addresses, token, output mode."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import click

from aops_cli.client import DEFAULT_TIMEOUT
from aops_cli.client import MANAGER
from aops_cli.client import ApiError
from aops_cli.client import JsonBody
from aops_cli.client import RestClient
from aops_cli.client import Service
from aops_cli.output import emit_json
from aops_cli.output import write_export
from aops_cli.session import TokenStore
from aops_cli.session import url_from_settings
from aops_utils.codes import Code


@dataclass
class State:
    json: bool = False
    timeout: float = DEFAULT_TIMEOUT
    store: TokenStore = field(default_factory=TokenStore)
    # Where calls go: `adoctor` talks to the check scheduler with the token the manager issued.
    service: Service = MANAGER
    # Addresses given as options (--manager, --check-scheduler), by system.ini section.
    url_options: dict[str, str] = field(default_factory=dict)
    _urls: dict[str, str] = field(default_factory=dict)

    def url_of(self, service: Service) -> str:
        """Its option, else its environment variable (both through the option), else system.ini."""
        if service.section not in self._urls:
            explicit = self.url_options.get(service.section)
            self._urls[service.section] = explicit or url_from_settings(service)
        return self._urls[service.section]

    def printed_json(self, reply: Any) -> bool:
        """With --json, print `reply` as it came and answer True: the caller prints nothing else."""
        if self.json:
            emit_json(reply)
        return self.json

    def exported(self, reply: Any, export: Path | None, payload: dict[str, Any], what: str) -> bool:
        """`--export`: write `payload` (as `--action add` reads it) there, and say so unless it
        went to stdout or --json prints the reply; True when the caller prints nothing more.
        `what` counts what was written ("3 check rules")."""
        if export is not None and write_export(payload, export):
            return True
        if self.printed_json(reply):
            return True
        if export is not None:
            click.echo(f"exported {what} to {export}")
            return True
        return False

    @property
    def manager_url(self) -> str:
        """The manager issued the token, so its URL is the key of the stored session."""
        return self.url_of(MANAGER)

    def token(self, explicit: str | None) -> str | None:
        """The explicit --access_token wins over the stored one."""
        if explicit:
            return explicit
        session = self.store.get(self.manager_url)
        return session.access_token if session else None

    def call(
        self,
        method: str,
        path: str,
        body: JsonBody | None = None,
        *,
        access_token: str | None = None,
        anonymous: bool = False,
    ) -> dict[str, Any]:
        """One call to the service; an error reply is printed as JSON first when --json is on."""
        token = None if anonymous else self.token(access_token)
        client = RestClient(self.url_of(self.service), token, self.timeout, self.service)
        try:
            return client.call(method, path, body)
        except ApiError as exc:
            if self.json and exc.reply is not None:
                emit_json(exc.reply)
            if exc.code == Code.TOKEN_ERROR and token is None and not anonymous:
                raise ApiError(
                    exc.code,
                    # Only `aops` logs in: the manager issues the tokens every service accepts.
                    f"not logged in to {self.manager_url}: run `aops login` or pass --access_token",
                    exc.reply,
                ) from None
            raise

    def respond(self, reply: dict[str, Any], text: str) -> None:
        """The reply as JSON with --json, otherwise the human line."""
        if self.json:
            emit_json(reply)
        else:
            click.echo(text)

    def post(self, path: str, body: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        return self.call("POST", path, body, **kw)

    def delete(self, path: str, body: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        return self.call("DELETE", path, body, **kw)

    def rows(
        self, path: str, body: dict[str, Any], key: str, access_token: str | None
    ) -> list[dict[str, Any]] | None:
        """The rows under `key` of what `path` answers; None once --json printed the reply as it
        came (the caller prints nothing more then)."""
        reply = self.post(path, body, access_token=access_token)
        if self.printed_json(reply):
            return None
        rows: list[dict[str, Any]] = reply.get(key) or []
        return rows


def get_state() -> State:
    return click.get_current_context().ensure_object(State)
