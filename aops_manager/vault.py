"""Host credentials encrypted with the user's key in ansible-vault format (as 21.09 wrote them)."""

from __future__ import annotations

from typing import Any

import yaml

from aops_utils.errors import KeyError_

# 21.09's crypted file held these variables; the plain file referenced them as {{vault_X}}.
SECRET_VARS = (
    "ansible_user",
    "ansible_ssh_pass",
    "ansible_become_user",
    "ansible_become_pass",
    "ansible_ssh_private_key",
)


def _vault(key: str) -> Any:
    # ansible is heavy to import; only credential work pays for it.
    from ansible.constants import DEFAULT_VAULT_ID_MATCH
    from ansible.parsing.vault import VaultLib
    from ansible.parsing.vault import VaultSecret

    return VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(key.encode("utf-8")))])


def credential_vars(
    username: str, password: str | None, private_key: str | None, sudo_password: str | None
) -> dict[str, str]:
    found = {"vault_ansible_user": username, "vault_ansible_become_user": "root"}
    if password:
        found["vault_ansible_ssh_pass"] = password
    if private_key:
        found["vault_ansible_ssh_private_key"] = private_key
    if sudo_password:
        found["vault_ansible_become_pass"] = sudo_password
    return found


def encrypt(key: str, variables: dict[str, str]) -> str:
    text = yaml.safe_dump(variables, default_flow_style=False)
    encrypted: bytes = _vault(key).encrypt(text)
    return encrypted.decode("ascii")


def decrypt(key: str, vault_text: str) -> dict[str, str]:
    """Open a stored vault; a wrong key is a 1203 error."""
    from ansible.errors import AnsibleError

    try:
        plain = _vault(key).decrypt(vault_text.encode("ascii"))
    except AnsibleError:
        raise KeyError_("the key does not open the stored host credentials", field="key") from None
    data = yaml.safe_load(plain)
    return {str(k): str(v) for k, v in data.items()}
