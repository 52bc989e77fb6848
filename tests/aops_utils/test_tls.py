"""`system.ini [tls]`: the data center serves HTTPS and accepts only clients with a certificate of
the suite's CA; the services verify it against that CA. In process (the threaded server the
embedded suite uses) and under uWSGI (what systemd runs), with a CA made here; off by default."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from aops_utils.auth import TokenCodec
from aops_utils.auth import load_secret
from aops_utils.conf import SystemIni
from aops_utils.conf import load_system
from aops_utils.data_center import DataCenter
from aops_utils.errors import ConfigError
from aops_utils.errors import ServiceUnavailable
from tests.aops_utils.certs import authority
from tests.suite import Suite
from tests.suite import running_suite
from tests.suite import write_conf

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Pki:
    """The suite's CA and this host's certificate; a rogue CA and a certificate of its own."""

    ca_file: Path
    cert: tuple[str, str]
    rogue_ca_file: Path
    rogue_cert: tuple[str, str]

    def tls_keys(self) -> str:
        return f"enabled=true\ncert_file={self.cert[0]}\nkey_file={self.cert[1]}\nca_file={self.ca_file}"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ours, rogue = authority(directory, "aops"), authority(directory, "rogue")
    cert, key = ours.issue(directory, "host")
    rogue_cert, rogue_key = rogue.issue(directory, "intruder")
    return Pki(ours.ca_file, (str(cert), str(key)), rogue.ca_file, (str(rogue_cert), str(rogue_key)))


@pytest.fixture(scope="module")
def secure_suite(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    """The data center and the manager on SQLite with [tls] enabled: the manager calls the data
    center over HTTPS with this host's certificate."""
    conf_dir = tmp_path_factory.mktemp("tls")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AOPS_CONF_DIR", str(conf_dir))
        with running_suite(conf_dir, relational="sqlite", document="sql", tls=pki.tls_keys()) as suite:
            yield suite


def client(suite: Suite, verify: Path | bool, cert: tuple[str, str] | None) -> DataCenter:
    return DataCenter(suite.database_url, suite.codec(), "tests", timeout=10, verify=str(verify), cert=cert)


def test_the_manager_reaches_the_data_center_over_https(secure_suite: Suite) -> None:
    assert secure_suite.database_url.startswith("https://127.0.0.1:")
    token = secure_suite.admin_token()
    status, reply = secure_suite.call("POST", "/manage/host/count", token=token)
    assert (status, reply["code"], reply["host_count"]) == (200, 200, 0), reply


def test_a_service_with_a_certificate_of_the_suites_ca_is_served(secure_suite: Suite, pki: Pki) -> None:
    assert client(secure_suite, pki.ca_file, pki.cert).hosts_by_user() == {}


def test_a_client_that_trusts_another_ca_refuses_the_data_center(secure_suite: Suite, pki: Pki) -> None:
    with pytest.raises(ServiceUnavailable) as refused:
        client(secure_suite, pki.rogue_ca_file, pki.rogue_cert).hosts_by_user()
    assert "certificate verify failed" in refused.value.detail


def test_a_client_without_a_certificate_of_the_suites_ca_is_refused(secure_suite: Suite, pki: Pki) -> None:
    for cert in (None, pki.rogue_cert):
        with pytest.raises(ServiceUnavailable) as refused:
            client(secure_suite, pki.ca_file, cert).hosts_by_user()
        assert secure_suite.database_url in refused.value.detail, refused.value.detail


def test_a_connection_that_never_shakes_hands_holds_up_no_other(secure_suite: Suite, pki: Pki) -> None:
    address = urlsplit(secure_suite.database_url)
    with socket.create_connection((address.hostname or "", address.port or 0), timeout=10):
        started = time.monotonic()
        assert client(secure_suite, pki.ca_file, pki.cert).hosts_by_user() == {}
        assert time.monotonic() - started < 5


def test_plain_http_on_the_tls_port_gets_no_answer(secure_suite: Suite) -> None:
    plain = "http" + secure_suite.database_url.removeprefix("https")
    with pytest.raises(requests.ConnectionError):
        requests.post(plain + "/data/host/info/get/user", json={}, timeout=10)


def test_tls_is_off_by_default_and_enabled_needs_its_three_files(tmp_path: Path, pki: Pki) -> None:
    default = SystemIni()
    assert not default.tls.enabled and default.database_url == "http://127.0.0.1:11119"
    (tmp_path / "system.ini").write_text(f"[tls]\nenabled=true\ncert_file={pki.cert[0]}\n")
    with pytest.raises(ConfigError, match=r"system.ini \[tls\].*key_file is required"):
        load_system(tmp_path)
    gone = tmp_path / "gone.key"
    (tmp_path / "system.ini").write_text(
        f"[tls]\nenabled=true\ncert_file={pki.cert[0]}\nkey_file={gone}\nca_file={pki.ca_file}\n"
    )
    system = load_system(tmp_path)
    assert system.database_url.startswith("https://")
    with pytest.raises(ConfigError, match=r"\[tls\] key_file: .*gone.key does not exist"):
        DataCenter.of_service(system, "tests")


@dataclass(frozen=True)
class Served:
    url: str
    conf_dir: Path

    def client(self, verify: Path, cert: tuple[str, str] | None) -> DataCenter:
        codec = TokenCodec(load_secret(self.conf_dir / "secret.key"))
        return DataCenter(self.url, codec, "tests", timeout=10, verify=str(verify), cert=cert)


@pytest.fixture(scope="module")
def uwsgi_database(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`aops-database serve` (uWSGI, as the unit runs it) with [tls] enabled."""
    conf_dir = tmp_path_factory.mktemp("tls-uwsgi")
    _, port = write_conf(conf_dir, relational="sqlite", document="sql", tls=pki.tls_keys())
    # The data center listens where its own file says (system.ini tells the others).
    with (conf_dir / "database.ini").open("a") as database_ini:
        database_ini.write(f"[database]\nport={port}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AOPS_")}
    env["AOPS_CONF_DIR"] = str(conf_dir)
    script = str(BIN / "aops-database")
    init = subprocess.run([script, "init"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert init.returncode == 0, init.stderr
    with (conf_dir / "serve.out").open("wb") as out:
        proc = subprocess.Popen([script, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    served = Served(f"https://127.0.0.1:{port}", conf_dir)
    try:
        good = served.client(pki.ca_file, pki.cert)
        deadline = time.time() + 30
        while True:
            assert proc.poll() is None, (conf_dir / "serve.out").read_text(errors="replace")
            try:
                good.hosts_by_user()
                break
            except ServiceUnavailable:
                assert time.time() < deadline, (conf_dir / "serve.out").read_text(errors="replace")
                time.sleep(0.2)
        yield served
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_uwsgi_serves_the_data_center_over_https_to_the_suites_services_only(
    uwsgi_database: Served, pki: Pki
) -> None:
    assert uwsgi_database.client(pki.ca_file, pki.cert).hosts_by_user() == {}
    with pytest.raises(ServiceUnavailable) as refused:
        uwsgi_database.client(pki.rogue_ca_file, pki.cert).hosts_by_user()
    assert "certificate verify failed" in refused.value.detail
    for cert in (None, pki.rogue_cert):
        with pytest.raises(ServiceUnavailable):
            uwsgi_database.client(pki.ca_file, cert).hosts_by_user()
