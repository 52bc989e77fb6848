"""Per-invocation state shared by every command: manager address, token, output mode."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import click

from aops_cli.client import DEFAULT_TIMEOUT, ApiError, RestClient, prog_name
from aops_cli.output import emit_json
from aops_cli.session import TokenStore, manager_url_from_settings
from aops_utils.codes import Code


@dataclass
class State:
    manager_option: str | None = None
    json: bool = False
    timeout: float = DEFAULT_TIMEOUT
    store: TokenStore = field(default_factory=TokenStore)
    _manager_url: str | None = None

    @property
    def manager_url(self) -> str:
        """--manager, else AOPS_MANAGER_URL (both through the option), else system.ini."""
        if self._manager_url is None:
            self._manager_url = self.manager_option or manager_url_from_settings()
        return self._manager_url

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
        body: dict[str, Any] | None = None,
        *,
        access_token: str | None = None,
        anonymous: bool = False,
    ) -> dict[str, Any]:
        """One manager call; an error reply is printed as JSON first when --json is on."""
        token = None if anonymous else self.token(access_token)
        client = RestClient(self.manager_url, token, self.timeout)
        try:
            return client.call(method, path, body)
        except ApiError as exc:
            if self.json and exc.reply is not None:
                emit_json(exc.reply)
            if exc.code == Code.TOKEN_ERROR and token is None and not anonymous:
                raise ApiError(
                    exc.code,
                    f"not logged in to {self.manager_url}: run `{prog_name()} login` or pass --access_token",
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


def get_state() -> State:
    return click.get_current_context().ensure_object(State)
