"""`gala-ragdoll.conf`: the git repository of expected configurations, the collection API, the
port, and the drift check (21.12's monitoring, never built in 21.09)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator
from pydantic import Field
from pydantic import field_validator

from aops_utils import conf
from aops_utils.conf import LiteralText
from aops_utils.conf import Port
from aops_utils.conf import Section
from aops_utils.conf import ServerSection
from aops_utils.conf import WebServiceIni
from aops_utils.conf import python_literal

FILE_NAME = "gala-ragdoll.conf"
# Where 21.09 read the file, and where the deployment role still writes it.
LEGACY_DIR = Path("/etc/ragdoll")


Text = LiteralText


class GitSection(Section):
    git_dir: Annotated[Path, BeforeValidator(python_literal)] = Path("/home/confTraceTest")
    # The committer of every commit; the author is the user whose request made it.
    user_name: Text = Field("aops", min_length=1)
    user_email: Text = "aops@localhost"


class CollectSection(Section):
    collect_address: Text = "http://127.0.0.1:11111"
    collect_api: Text = "/manage/config/collect"
    timeout: float = Field(300.0, gt=0, description="seconds one collection may take (21.09: none)")

    @field_validator("collect_address")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("an http:// or https:// address is needed")
        return value.rstrip("/")

    @field_validator("collect_api")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("a path starting with / is needed")
        return value

    @property
    def url(self) -> str:
        return self.collect_address + self.collect_api


class RagdollSection(ServerSection):
    port: Port = 11114
    # 21.12's plan: every domain re-checked this often (seconds); 0 turns the check off.
    drift_check_interval: int = Field(600, ge=0)
    # 21.09 domains had no owner: a repository adopted from it gives them to this account.
    legacy_domain_owner: Text = Field("admin", min_length=1)


class RagdollIni(WebServiceIni):
    git: GitSection = GitSection()
    collect: CollectSection = CollectSection()
    ragdoll: RagdollSection = RagdollSection()


load = conf.ServiceLoader(RagdollIni, FILE_NAME, lambda ini: ini.ragdoll.endpoint, legacy_dir=LEGACY_DIR)
