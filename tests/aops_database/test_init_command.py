"""`aops-database init`, as the unit's ExecStartPre runs it before every start: on an empty
MariaDB database, then again on the current schema."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from aops_database import settings
from aops_database.app import open_stores
from aops_database.services import abnormal
from aops_database.services.check_results import RESULT_INDEX
from aops_database.services.check_results import result_id
from aops_utils.docstore import All
from aops_utils.docstore import Term
from tests.aops_database.test_check_results import result
from tests.suite import write_conf

INIT = [str(Path(sys.executable).parent / "aops-database"), "init"]


def _init(conf_dir: Path, umask: int = -1) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AOPS_")}
    env["AOPS_CONF_DIR"] = str(conf_dir)
    done = subprocess.run(
        INIT, env=env, capture_output=True, text=True, timeout=120, check=False, umask=umask
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return done


def _state(engine: sa.Engine) -> tuple[list[str], list[tuple[object, ...]], list[str]]:
    with engine.connect() as conn:
        version = list(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
        users = [tuple(row) for row in conn.execute(sa.text("SELECT * FROM user ORDER BY username"))]
    return version, users, sorted(sa.inspect(engine).get_table_names())


def test_init_creates_the_schema_and_admin_on_an_empty_database_and_changes_nothing_the_second_time(
    mysql_url: str, es_url: str, tmp_path: Path
) -> None:
    write_conf(tmp_path, relational="mysql", document="elasticsearch", mysql_url=mysql_url, es_url=es_url)
    engine = sa.create_engine(mysql_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
        first = _init(tmp_path)
        assert first.stdout == "schema is current; created user admin (password: changeme)\n"
        version, users, tables = _state(engine)
        assert len(version) == 1 and [u[0] for u in users] == ["admin"]
        assert {"user", "host", "check_rule", "diag_tree"} <= set(tables)
        secret = (tmp_path / "secret.key").read_bytes()
        # The administrator has changed the password since: a second init must keep it.
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE user SET password = 'changed', default_password = 0"))
        changed = _state(engine)

        second = _init(tmp_path)
        assert second.stdout == "schema is current\n"
        assert _state(engine) == changed
        assert (tmp_path / "secret.key").read_bytes() == secret  # tokens issued before stay valid
    finally:
        engine.dispose()


def test_init_on_sqlite_creates_the_database_and_secret_0600_in_0700_directories_under_umask_000(
    tmp_path: Path,
) -> None:
    write_conf(tmp_path, relational="sqlite", document="sql")
    state = tmp_path / "state" / "aops"
    database_ini = tmp_path / "database.ini"
    text = database_ini.read_text().replace(str(tmp_path / "aops.db"), str(state / "aops.db"))
    database_ini.write_text(text)

    _init(tmp_path, umask=0)
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "state", state, *state.iterdir())}
    assert modes == {tmp_path / "state": 0o700, state: 0o700, state / "aops.db": 0o600}
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600


def test_init_tightens_an_existing_sqlite_database_readable_by_all_and_says_so(tmp_path: Path) -> None:
    write_conf(tmp_path, relational="sqlite", document="sql")
    _init(tmp_path)
    (tmp_path / "aops.db").chmod(0o644)
    (tmp_path / "secret.key").chmod(0o644)

    second = _init(tmp_path)
    assert stat.S_IMODE((tmp_path / "aops.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    assert f"tightened {tmp_path / 'aops.db'} from mode 644 to 600" in second.stderr
    assert f"tightened {tmp_path / 'secret.key'} from mode 644 to 600" in second.stderr


def test_init_indexes_the_abnormal_results_stored_before_the_index_existed_once(
    mysql_url: str, es_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_conf(tmp_path, relational="mysql", document="elasticsearch", mysql_url=mysql_url, es_url=es_url)
    _init(tmp_path)
    monkeypatch.setenv("AOPS_CONF_DIR", str(tmp_path))
    store, docs = open_stores(settings.load()[1])
    try:
        # Results as a data center before the index wrote them: documents only.
        rows = [result("h1", "cpu", 60), result("h2", "cpu", 120), result("h1", "mem", 60, value="No data")]
        rows = [r | {"series": ""} for r in rows]
        docs.put_many(RESULT_INDEX, [(result_id("admin", r), r | {"username": "admin"}) for r in rows])
        index = abnormal.open_abnormal(store)
        assert index.count(abnormal.ABNORMAL_INDEX, [All()]) == 0

        assert _init(tmp_path).stdout == "schema is current\nindexed 2 abnormal check results stored before\n"
        assert index.count(abnormal.ABNORMAL_INDEX, [Term("username", "admin")]) == 2
        assert _init(tmp_path).stdout == "schema is current\n"
    finally:
        docs.close()
        store.dispose()
