"""Settings: the shipped ini files, the 21.09 manual's files, overrides and loud failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from aops_database.settings import DatabaseIni
from aops_manager.settings import ManagerIni
from aops_utils import conf
from aops_utils.conf import SystemIni
from aops_utils.errors import ConfigError

SHIPPED = Path(__file__).resolve().parents[2] / "conf"

MANUAL_MANAGER_INI = """
[manager]
ip=127.0.0.1 # 管理中心ip
port=11111 # 管理中心端口
host_vault_dir=/opt/aops # 加密文件文件夹
host_vars=/opt/aops/host_vars/ # 加密主机文件夹

[database]
ip=127.0.0.1 # 数据中心ip
port=11112 # 数据中心端口

[uwsgi]
wsgi-file=manage.py # flask启动脚本
daemonize=/var/log/aops/uwsgi/manager.log # 管理中心日志文件路径
http-timeout=600 # 响应超时时间
harakiri=600 # 后端运行超时时间
"""


def test_the_shipped_files_equal_the_built_in_defaults_where_they_overlap() -> None:
    system = conf.load(SystemIni, "system.ini", SHIPPED)
    assert system.manager.port == 11111 and system.database.port == 11119
    assert system.log.backup_count == 40
    database = conf.load(DatabaseIni, "database.ini", SHIPPED)
    assert database.mysql.url == "mysql+pymysql://@127.0.0.1:3306/aops"
    assert database.prometheus.disable_ssl is True
    manager = conf.load(ManagerIni, "manager.ini", SHIPPED)
    assert manager.manager.port == 11111 and manager.uwsgi.processes == 1


def test_it_reads_the_manager_ini_of_the_2109_manual_with_its_inline_comments(tmp_path: Path) -> None:
    (tmp_path / "manager.ini").write_text(MANUAL_MANAGER_INI, encoding="utf-8")
    manager = conf.load(ManagerIni, "manager.ini", tmp_path)
    assert manager.manager.port == 11111
    assert manager.uwsgi.http_timeout == 600


def test_a_missing_file_means_the_defaults(tmp_path: Path) -> None:
    assert conf.load(SystemIni, "system.ini", tmp_path) == SystemIni()


def test_a_bad_value_names_file_section_and_key(tmp_path: Path) -> None:
    (tmp_path / "system.ini").write_text("[log]\nmax_bytes=lots\n")
    with pytest.raises(ConfigError, match=r"system.ini \[log\] max_bytes"):
        conf.load(SystemIni, "system.ini", tmp_path)


def test_an_unknown_key_is_refused_so_typos_do_not_pass_silently(tmp_path: Path) -> None:
    (tmp_path / "system.ini").write_text("[manager]\nprot=1\n")
    with pytest.raises(ConfigError, match=r"\[manager\] prot"):
        conf.load(SystemIni, "system.ini", tmp_path)


def test_an_unknown_section_is_refused(tmp_path: Path) -> None:
    (tmp_path / "system.ini").write_text("[managr]\nport=1\n")
    with pytest.raises(ConfigError, match=r"\[managr\]: unknown section"):
        conf.load(SystemIni, "system.ini", tmp_path)


def test_the_environment_overrides_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "database.ini").write_text("[mysql]\nport=3306\n")
    monkeypatch.setenv("AOPS_DATABASE__MYSQL__PORT", "3307")
    assert conf.load(DatabaseIni, "database.ini", tmp_path).mysql.port == 3307


def test_a_bad_override_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AOPS_SYSTEM__MANAGER__PORT", "99999")
    with pytest.raises(ConfigError, match=r"\[manager\] port"):
        conf.load(SystemIni, "system.ini", tmp_path)


def test_mysql_credentials_join_the_password_free_engine_format() -> None:
    section = DatabaseIni().mysql.model_copy(update={"user": "aops", "password": "p@ss"})
    assert section.url == "mysql+pymysql://aops:p%40ss@127.0.0.1:3306/aops"


def test_every_shipped_ini_file_loads_as_written() -> None:
    from adoctor_check_executor.settings import CheckExecutorIni
    from adoctor_check_scheduler.settings import CheckSchedulerIni
    from adoctor_diag_executor.settings import DiagExecutorIni
    from adoctor_diag_scheduler.settings import DiagSchedulerIni

    for model, name in [
        (CheckSchedulerIni, "check_scheduler.ini"),
        (CheckExecutorIni, "check_executor.ini"),
        (DiagSchedulerIni, "diag_scheduler.ini"),
        (DiagExecutorIni, "diag_executor.ini"),
    ]:
        loaded = conf.load(model, name, SHIPPED)
        consumer = getattr(loaded, "consumer", None)
        assert consumer is None or consumer.enable_auto_commit is False, name


def test_auto_commit_cannot_be_switched_on(tmp_path: Path) -> None:
    from adoctor_check_executor.settings import CheckExecutorIni

    (tmp_path / "check_executor.ini").write_text("[consumer]\nenable_auto_commit=True\n")
    with pytest.raises(ConfigError, match=r"\[consumer\] enable_auto_commit"):
        conf.load(CheckExecutorIni, "check_executor.ini", tmp_path)


def test_kafka_settings_beside_the_memory_bus_are_reported_as_without_effect(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from adoctor_check_executor.settings import CheckExecutorIni
    from aops_utils.bus.memory import MemoryBus
    from aops_utils.bus.settings import bus_from

    (tmp_path / "check_executor.ini").write_text("[bus]\nkind=memory\n[consumer]\nkafka_server_list=k:9092\n")
    ini = conf.load(CheckExecutorIni, "check_executor.ini", tmp_path)
    made = bus_from(ini.bus, ini.producer, ini.consumer)
    assert isinstance(made, MemoryBus)
    made.close()
    assert "kind=memory: the Kafka settings of [consumer]" in caplog.text
