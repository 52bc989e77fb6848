"""Small JSON-over-HTTP client for the A-Ops REST services, shared by the `aops` and `adoctor` CLIs."""

from __future__ import annotations

import http.client
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import click

from aops_utils.codes import Code
from aops_utils.codes import is_success
from aops_utils.codes import label_of


@dataclass(frozen=True, slots=True)
class Service:
    """A service the CLIs call: its name in messages, its system.ini section, how to point elsewhere."""

    name: str
    section: str
    option: str
    envvar: str


MANAGER = Service("manager", "manager", "--manager", "AOPS_MANAGER_URL")
CHECK_SCHEDULER = Service(
    "check scheduler", "check_scheduler", "--check-scheduler", "AOPS_CHECK_SCHEDULER_URL"
)
DIAG_SCHEDULER = Service("diag scheduler", "diag_scheduler", "--diag-scheduler", "AOPS_DIAG_SCHEDULER_URL")
CONFIG_TRACING = Service("configuration tracing", "gala_ragdoll", "--ragdoll", "AOPS_RAGDOLL_URL")
SPIDER = Service("topology service", "gala_spider", "--spider", "AOPS_SPIDER_URL")


def prog_name() -> str:
    """The running CLI's name (`aops`, `adoctor`), for messages."""
    ctx = click.get_current_context(silent=True)
    return (ctx.find_root().info_name if ctx is not None else None) or "aops"


class CliError(click.ClickException):
    """A failure reported as one plain line on stderr (`aops: ...`), then any notes; exit status 1."""

    exit_code = 1
    # Lines printed after the message, e.g. the text an error position points into.
    notes: Sequence[str] = ()

    def __init__(self, message: str) -> None:
        super().__init__(message)
        # Taken now: click shows the error after the command's context has closed.
        self.prog = prog_name()

    def show(self, file: Any = None) -> None:
        click.echo(f"{self.prog}: {self.format_message()}", err=True, file=file)
        for note in self.notes:
            click.echo(note, err=True, file=file)


class ApiError(CliError):
    """A reply whose code is not a success: carries the whole reply for `--json` output."""

    def __init__(self, code: int, detail: str, reply: dict[str, Any] | None = None) -> None:
        self.code = code
        self.msg = str((reply or {}).get("msg") or label_of(code))
        self.detail = detail
        self.reply = reply
        super().__init__(f"{detail} (code {code}: {self.msg})")


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def failure_summary(items: list[Any]) -> str:
    """`h3 (host group nog does not exist), h4` from a 21.09 `fail_list` of entries or ids."""
    parts = []
    for item in items:
        if isinstance(item, dict):
            name = str(item.get("host_name") or item.get("host_id") or item.get("check_item") or item)
            reason = item.get("reason")
            parts.append(f"{name} ({reason})" if reason else name)
        else:
            parts.append(str(item))
    return ", ".join(parts)


def failed_suffix(reply: dict[str, Any]) -> str:
    """`, 1 failed: h3 (reason)` for a reply with a non-empty `fail_list`, else nothing."""
    fails = reply.get("fail_list") or []
    return f", {len(fails)} failed: {failure_summary(fails)}" if fails else ""


# Seconds a call may take unless --timeout says otherwise.
DEFAULT_TIMEOUT = 60.0
# A request's JSON: an object, or a list (gala-ragdoll's domain creation takes one).
JsonBody = dict[str, Any] | list[Any]


class RestClient:
    """Calls one service's routes with the user's token; errors become CliError/ApiError."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        service: Service = MANAGER,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.service = service

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.call("POST", path, body)

    def delete(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.call("DELETE", path, body)

    def call(self, method: str, path: str, body: JsonBody | None = None) -> dict[str, Any]:
        """Send `body` as JSON; return the envelope when its code is a success, raise otherwise."""
        url = self.base_url + path
        headers = {"Content-Type": "application/json; charset=UTF-8", "Accept": "application/json"}
        if self.token:
            # The dashed spelling survives proxies (nginx drops underscored headers by default);
            # the manager reads both.
            headers["Access-Token"] = self.token
        # A GET route reads its query string (in `path`): no body.
        data = None if method == "GET" else json.dumps(body if body is not None else {}).encode("utf-8")
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        status, raw = self._send(request, url)
        reply = self._decode(url, status, raw)
        code = reply["code"]
        if is_success(code, reply):
            return reply
        raise ApiError(code, self._detail(reply), reply)

    def _send(self, request: urllib.request.Request, url: str) -> tuple[int, bytes]:
        where = f"{self.service.option}/{self.service.envvar}"
        down = f"the {self.service.name} may be down or {where} may be wrong"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as exc:
            # Errors come with a non-2xx status and an envelope in the body.
            try:
                return int(exc.code), exc.read() if exc.fp is not None else b""
            except OSError:
                return int(exc.code), b""
            finally:
                exc.close()
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise self._unreachable(f"{url} did not answer within {self.timeout:g} s") from None
            text = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
            raise self._unreachable(f"cannot reach {url}: {text}; {down}") from None
        except TimeoutError:
            raise self._unreachable(f"{url} did not answer within {self.timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            text = str(exc) or type(exc).__name__
            raise self._unreachable(f"the connection to {url} failed: {text}; {down}") from None

    @staticmethod
    def _unreachable(detail: str) -> ApiError:
        # 21.09 reported an unreachable service as 1001; the CLI keeps that code for scripts.
        return ApiError(int(Code.HTTP_CONNECT_ERROR), detail)

    def _decode(self, url: str, status: int, raw: bytes) -> dict[str, Any]:
        try:
            reply = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            reply = None
        if not isinstance(reply, dict) or not isinstance(reply.get("code"), int):
            shown = _one_line(raw.decode("utf-8", "replace")) or "an empty body"
            raise ApiError(
                int(Code.SERVER_ERROR),
                f"{url} answered HTTP {status} with something that is not an A-Ops reply: {shown}",
            )
        return reply

    @staticmethod
    def _detail(reply: dict[str, Any]) -> str:
        detail = str(reply.get("detail") or reply.get("msg") or label_of(reply["code"]))
        fails = reply.get("fail_list")
        # Entries with a reason add to the detail; bare names (deletes) are already in it.
        if isinstance(fails, list) and any(isinstance(item, dict) for item in fails):
            detail += f"; failed: {failure_summary(fails)}"
        deleted = reply.get("deleted")
        if isinstance(deleted, list) and deleted:
            detail += f"; deleted: {', '.join(map(str, deleted))}"
        return detail


def run(command: click.Command, prog: str, argv: list[str] | None) -> None:
    """Run a CLI; whatever goes wrong ends as one line on stderr, never a traceback."""
    try:
        command.main(args=argv, prog_name=prog)
    except Exception as exc:
        click.echo(f"{prog}: unexpected error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
