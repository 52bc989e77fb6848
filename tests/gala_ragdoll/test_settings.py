"""gala-ragdoll.conf: 21.09's file as it was written, the shipped one, and loud failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from aops_utils import conf
from aops_utils.errors import ConfigError
from gala_ragdoll import settings
from gala_ragdoll.settings import RagdollIni

SHIPPED = Path(__file__).resolve().parents[2] / "conf"

# The file 21.09 shipped (ragdoll/config/gala-ragdoll.conf), values as Python literals.
CONF_2109 = """[git]
git_dir = "/home/confTraceTest"
user_name = "orange-snn"
user_email = "songnannan2@huawei.com"

[collect]
collect_address = "http://127.0.0.1:11111"
collect_api = "/manage/config/collect"

[ragdoll]
port = 11114
"""


def test_the_2109_file_loads_with_its_keys_typed(tmp_path: Path) -> None:
    (tmp_path / "gala-ragdoll.conf").write_text(CONF_2109)
    _system, ini = settings.load(tmp_path)
    assert ini.git.git_dir == Path("/home/confTraceTest")
    assert (ini.git.user_name, ini.git.user_email) == ("orange-snn", "songnannan2@huawei.com")
    assert ini.collect.url == "http://127.0.0.1:11111/manage/config/collect"
    assert ini.ragdoll.port == 11114 and ini.ragdoll.drift_check_interval == 600


def test_single_quoted_python_literals_are_read_as_21_09_read_them(tmp_path: Path) -> None:
    (tmp_path / "gala-ragdoll.conf").write_text("[git]\ngit_dir = '/srv/conf trace'\nuser_name = 'ops'\n")
    _system, ini = settings.load(tmp_path)
    assert (ini.git.git_dir, ini.git.user_name) == (Path("/srv/conf trace"), "ops")


def test_the_shipped_file_equals_the_built_in_defaults() -> None:
    assert conf.load(RagdollIni, "gala-ragdoll.conf", SHIPPED) == RagdollIni()


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[ragdoll]\nport = 0\n", r"\[ragdoll\] port"),
        ("[ragdoll]\ndrift_check_interval = often\n", r"\[ragdoll\] drift_check_interval"),
        ("[collect]\ncollect_address = 127.0.0.1:11111\n", r"\[collect\] collect_address"),
        ("[collect]\ncollect_api = manage/config/collect\n", r"\[collect\] collect_api"),
        ("[git]\nuser_nam = x\n", r"\[git\] user_nam: unknown key"),
    ],
)
def test_a_bad_value_names_file_section_and_key(tmp_path: Path, text: str, where: str) -> None:
    (tmp_path / "gala-ragdoll.conf").write_text(text)
    with pytest.raises(ConfigError, match=r"gala-ragdoll.conf " + where):
        settings.load(tmp_path)


def test_an_environment_override_uses_underscores_for_the_hyphen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AOPS_GALA_RAGDOLL__RAGDOLL__DRIFT_CHECK_INTERVAL", "0")
    _system, ini = settings.load(tmp_path)
    assert ini.ragdoll.drift_check_interval == 0


def test_without_a_file_in_the_conf_dir_21_09_s_etc_ragdoll_file_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    legacy = tmp_path / "ragdoll"
    legacy.mkdir()
    (legacy / "gala-ragdoll.conf").write_text(CONF_2109.replace("11114", "11124"))
    monkeypatch.setenv("AOPS_CONF_DIR", str(tmp_path / "aops"))
    monkeypatch.setattr(settings.load, "legacy_dir", legacy)
    assert settings.load()[1].ragdoll.port == 11124
    (tmp_path / "aops").mkdir()
    (tmp_path / "aops" / "gala-ragdoll.conf").write_text("[ragdoll]\nport = 11134\n")
    assert settings.load()[1].ragdoll.port == 11134
