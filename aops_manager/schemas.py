"""Request bodies of the manager's public routes (21.09 field names, real limits)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic import StringConstraints
from pydantic import model_validator

from aops_utils.contracts import GroupName
from aops_utils.contracts import HostName

# The data center's body, reused so that both limit a password change alike.
from aops_utils.contracts.data_center.hosts import ChangePasswordBody
from aops_utils.contracts.data_center.hosts import Password
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import IPAddress
from aops_utils.restful.validation import Name40
from aops_utils.restful.validation import Name64

Secret = Password
Key = Annotated[str, StringConstraints(min_length=1, max_length=256)]
SshPort = Annotated[int, Field(ge=1, le=65535)]


class LoginBody(Body):
    username: Name40
    password: Secret


class CertificateBody(Body):
    key: Key


class HostEntry(Body):
    host_name: HostName
    host_group_name: GroupName
    public_ip: IPAddress
    ssh_port: SshPort = 22
    management: bool = False
    username: Name64
    password: Secret | None = None
    # 12 KiB holds an RSA-8192 PEM key (6.4 KiB) twice over; its vault (about 4 times longer)
    # still fits the stored 64 KiB, which a 16 KiB key did not (HTTP 500 before).
    private_key: Annotated[str, StringConstraints(min_length=1, max_length=12288)] | None = None
    sudo_password: Secret | None = None

    @model_validator(mode="after")
    def _needs_a_way_in(self) -> HostEntry:
        if self.password is None and self.private_key is None:
            raise ValueError("password or private_key is required to log in to the host")
        return self

    def credential_key(self) -> tuple[str, str | None, str | None, str | None]:
        return (self.username, self.password, self.private_key, self.sudo_password)


class AddHostsBody(Body):
    key: Key
    # 2,000 typical entries fit well inside the 1 MiB body limit.
    host_list: list[HostEntry] = Field(min_length=1, max_length=2000)


__all__ = ["AddHostsBody", "CertificateBody", "ChangePasswordBody", "HostEntry", "LoginBody"]
