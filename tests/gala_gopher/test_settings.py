"""gala-gopher.conf: libconfig syntax, 21.09's own file, and loud failures naming the key."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from aops_utils.errors import ConfigError
from gala_gopher import libconfig
from gala_gopher import settings
from gala_gopher.settings import GopherConf

SHIPPED = Path(__file__).resolve().parents[2] / "conf" / "gala-gopher.conf"

# 21.09's shipped /opt/gala-gopher/gala-gopher.conf (reference section 3.6).
GOPHER_2109 = """
global =
{
    log_directory = "/var/log/gala-gopher";
    log_level = "debug";
};

ingress =
{
    interval = 5;
};

egress =
{
    interval = 5;
    time_range = 5;
};

imdb =
{
    max_tables_num = 1024;
    max_records_num = 1024;
    max_metrics_num = 1024;
};

web_server =
{
    port = 8888;
};

kafka =
{
    kafka_broker = "localhost:9092";
    kafka_topic = "gala_gopher";
    switch = "on";
};

probes =
(
    { name = "example"; switch = "off"; interval = 1; },
    { name = "system_meminfo"; switch = "off"; interval = 1; },
    { name = "system_vmstat"; switch = "off"; interval = 2; },
    { name = "system_tcp"; switch = "off"; interval = 2; },
    { name = "system_inode"; switch = "off"; interval = 2; }
);

extend_probes =
(
    {
        name = "redis";
        command = "python3 /opt/gala-gopher/extend_probes/redis_probe.py";
        param = "";
        switch = "off";
    },
    {
        name = "tcp";
        command = "/opt/gala-gopher/extend_probes/tcpprobe";
        param = "";
        switch = "on";
    },
    {
        name = "nginx";
        command = "/opt/gala-gopher/extend_probes/nginx_probe";
        param = "";
        start_check = "ps axf | grep nginx | grep -v grep | wc -l";
        check_type = "count";
        switch = "auto";
    }
);
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gala-gopher.conf"
    path.write_text(text)
    return path


def test_libconfig_values_groups_lists_arrays_and_comments() -> None:
    text = """
    # a comment
    a = 1; b : 0x1F;  // another
    c = "x" "y\\n";   /* joined
    strings */ d = [1.5, -2e3]; e = ( { f = true; }, "g" ,); h = { i = False };
    """
    assert libconfig.loads(text) == {
        "a": 1,
        "b": 31,
        "c": "xy\n",
        "d": [1.5, -2000.0],
        "e": [{"f": True}, "g"],
        "h": {"i": False},
    }


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a = 1;\nb = ;", "line 2"),
        ("a = 1;\na = 2;", "line 2"),
        ("a = {\n b = 1;", "line 2"),
        ("a = @", "line 1"),
    ],
)
def test_libconfig_errors_name_the_line(text: str, line: str) -> None:
    with pytest.raises(libconfig.LibconfigError, match=line):
        libconfig.loads(text)


def test_the_2109_file_loads_with_its_keys_without_effect_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        conf = settings.read(write(tmp_path, GOPHER_2109))
    assert conf.tcp is not None and conf.interval == 5
    assert (conf.kafka.kafka_broker, conf.kafka.kafka_topic, conf.web_server.port) == (
        "localhost:9092",
        "gala_gopher",
        8888,
    )
    logged = caplog.text
    for key in ("log_directory", "time_range", "max_tables_num"):
        assert key in logged
    assert "probe nginx is switched on but not available here" in logged


def test_the_shipped_file_is_the_built_in_defaults() -> None:
    assert settings.read(SHIPPED) == GopherConf()


def test_a_missing_file_means_the_defaults(tmp_path: Path) -> None:
    assert settings.read(tmp_path / "nothing.conf") == GopherConf()


def test_the_tcp_probes_t_option_sets_its_interval(tmp_path: Path) -> None:
    text = GOPHER_2109.replace('tcpprobe";\n        param = ""', 'tcpprobe";\n        param = "-t 2"')
    assert settings.read(write(tmp_path, text)).interval == 2


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ("port = 8888;", "port = 70000;", "[web_server] port"),
        ('switch = "on";\n};', 'switch = "maybe";\n};', "[kafka] switch"),
        ('kafka_broker = "localhost:9092"', 'kafka_broker = "nohostport"', "[kafka] kafka_broker"),
        ("port = 8888;", 'port = 8888; colour = "red";', "[web_server] colour"),
        ("interval = 5;\n};\n\negress", "interval = 0;\n};\n\negress", "[ingress] interval"),
        ('tcpprobe";\n        param = ""', 'tcpprobe";\n        param = "-x"', "param of tcp"),
        ("port = 8888;", 'port = 8888; bind = "0.0.0.0";', "token_file"),
        ("max_metrics_num = 1024;\n};", "max_metrics_num = 1024;\n};\nstray = 1;", "stray"),
    ],
)
def test_a_bad_value_fails_at_start_naming_the_key(tmp_path: Path, old: str, new: str, named: str) -> None:
    assert old in GOPHER_2109
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        settings.read(write(tmp_path, GOPHER_2109.replace(old, new, 1)))


def test_a_token_file_that_is_too_short_is_refused(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("short")
    web = settings.WebServerSection(bind="0.0.0.0", token_file=tmp_path / "token")
    with pytest.raises(ConfigError, match="token_file"):
        web.token()
