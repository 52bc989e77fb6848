"""A real data center and manager per test module, and runners for `aops` and `adoctor` as subprocesses."""

from __future__ import annotations

import itertools
import json
import os
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.suite import Suite
from tests.suite import running_suite


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    def one_error_line(self) -> str:
        """The stderr of a failed command: exactly one `aops: ...` line, no traceback."""
        lines = self.err.strip().splitlines()
        assert "Traceback" not in self.err, self.err
        assert len(lines) == 1, self.err
        assert lines[0].startswith("aops: "), self.err
        return lines[0]


def run_module(
    module: str,
    conf_dir: Path,
    home: Path,
    argv: list[str],
    *,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> Result:
    """`python -m <module> <argv>` with the suite's conf dir and a token directory of its own."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AOPS_")}
    environ.update(AOPS_CONF_DIR=str(conf_dir), AOPS_CLI_HOME=str(home))
    environ.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", module, *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@dataclass
class Cli:
    conf_dir: Path
    home: Path

    def run(
        self, command: str, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> Result:
        argv = [*shlex.split(command), *args]
        return run_module("aops_cli.main", self.conf_dir, self.home, argv, stdin=stdin, env=env)

    def ok(self, command: str, *args: str, **kw: Any) -> Result:
        """Run `aops <command> <args>` (the command line is split like a shell would); exit 0."""
        result = self.run(command, *args, **kw)
        assert result.code == 0, (result.out, result.err)
        return result

    def fails(self, command: str, *args: str, code: int = 1, **kw: Any) -> str:
        """Run it expecting exit `code`: the stderr line (exit 1) or click's usage text (exit 2)."""
        result = self.run(command, *args, **kw)
        assert result.code == code, (result.out, result.err)
        return result.err if code == 2 else result.one_error_line()

    def refuses(self, command: str, *args: str, says: str) -> None:
        """Run a command click refuses (exit 2) and check that its usage text says `says`."""
        usage = self.fails(command, *args, code=2)
        assert says in usage, usage


@dataclass
class Doctor:
    """`adoctor` (and `aops`, for logging in) as subprocesses with their own token directory."""

    conf_dir: Path
    home: Path
    token: str = ""

    def run(
        self, command: str, *args: str, env: dict[str, str] | None = None, prog: str = "adoctor"
    ) -> Result:
        module = "aops_cli.adoctor" if prog == "adoctor" else "aops_cli.main"
        argv = [*shlex.split(command), *args]
        return run_module(module, self.conf_dir, self.home, argv, env=env, timeout=120)

    def ok(self, command: str, *args: str, **kw: Any) -> Result:
        """`adoctor <command> --access_token <the user's token>`, expecting exit 0."""
        result = self.run(command, *args, "--access_token", self.token, **kw)
        assert result.code == 0, (result.out, result.err)
        return result

    def fails(self, command: str, *args: str, code: int = 1, token: bool = True, **kw: Any) -> list[str]:
        """The stderr lines of a command expected to exit with `code`; exit 1 starts with `adoctor: `."""
        extra = ("--access_token", self.token) if token else ()
        result = self.run(command, *args, *extra, **kw)
        assert result.code == code, (result.out, result.err)
        assert "Traceback" not in result.err, result.err
        lines = result.err.rstrip("\n").splitlines()
        if code == 1:
            assert lines[0].startswith("adoctor: "), result.err
        return lines


_addresses = (f"10.1.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@dataclass
class Api:
    """Direct manager calls that set the scene for a test, so only the CLI under test is a subprocess."""

    url: str
    token: str

    def call(self, path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
        reply = requests.request(
            method, self.url + path, json=body, headers={"Access-Token": self.token}, timeout=30
        )
        data: dict[str, Any] = reply.json()
        assert data["code"] in (200, 206), data
        return data

    def group(self, name: str) -> None:
        self.call("/manage/host/group/add", {"host_group_name": name, "description": ""})

    def host(
        self, name: str, group: str, *, ip: str | None = None, port: int = 22, management: bool = False
    ) -> str:
        entry = {
            "host_name": name, "host_group_name": group, "public_ip": ip or next(_addresses),
            "ssh_port": port, "management": management, "username": "root", "password": "pw",
        }  # fmt: skip
        host_id: str = self.call("/manage/host/add", {"key": "vault-key-0123", "host_list": [entry]})[
            "host_list"
        ][0]
        return host_id


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    conf_dir = tmp_path_factory.mktemp("conf")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AOPS_CONF_DIR", str(conf_dir))
        with running_suite(conf_dir, relational="sqlite", document="sql") as running:
            yield running


@pytest.fixture(scope="module")
def token(suite: Suite) -> str:
    return suite.admin_token()


@pytest.fixture(scope="module")
def api(suite: Suite, token: str) -> Api:
    return Api(suite.manager_url, token)


@pytest.fixture
def cli(suite: Suite, tmp_path: Path) -> Cli:
    """The CLI with its own empty token directory."""
    return Cli(suite.conf_dir, tmp_path / "cli-home")


@pytest.fixture
def name() -> str:
    """A unique prefix, so tests sharing one suite never see each other's hosts and groups."""
    return "t" + uuid.uuid4().hex[:8]


@pytest.fixture
def local_host(suite: Suite, doctor: Doctor) -> str:
    """A host of the doctor's user at 127.0.0.1, whose node_exporter Prometheus scrapes."""
    api = Api(suite.manager_url, doctor.token)
    group = "g" + uuid.uuid4().hex[:8]
    api.group(group)
    return api.host("local", group, ip="127.0.0.1")
