"""Typed, frozen settings read from the 21.09 ini files, with environment overrides.

Every service reads `system.ini` plus its own file from the configuration directory
(`AOPS_CONF_DIR`, default `/etc/aops`). A missing file means the shipped defaults. A key may be
overridden by the environment variable `AOPS_<FILE>__<SECTION>__<KEY>` (upper case, "-" as "_"), e.g.
`AOPS_DATABASE__MYSQL__PORT=3307`. Bad values and unknown keys fail at start with file, section
and key named; 21.09 keys that no longer have an effect are logged as warnings with the reason.
"""

from __future__ import annotations

import ast
import configparser
import logging
import os
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated
from typing import Any
from typing import ClassVar
from typing import Generic
from typing import Literal
from typing import TypeVar

from pydantic import BaseModel
from pydantic import BeforeValidator
from pydantic import ConfigDict
from pydantic import Field
from pydantic import IPvAnyNetwork
from pydantic import ValidationError
from pydantic import model_validator

from aops_utils.errors import ConfigError

LOG = logging.getLogger(__name__)
DEFAULT_CONF_DIR = Path("/etc/aops")
ENV_PREFIX = "AOPS_"


@dataclass(frozen=True)
class Retired:
    """A 21.09 key (or section) that no longer has an effect here, and why: it is dropped with
    a logged warning, which is only right where leaving it out changes nothing the operator
    relies on (a value that would, such as enable_auto_commit=True, is refused by validation)."""

    reason: str


def python_literal(value: Any) -> Any:
    """21.09 wrote strings as Python literals (`"/home/confTraceTest"`, or with single quotes)
    and decoded them with ast.literal_eval; a bare value is taken as it is."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        try:
            decoded = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        return decoded if isinstance(decoded, str) else value
    return value


def literal_list(value: Any) -> Any:
    """21.09 wrote lists as Python literals (`["tcp_link", 'lvs_link']`); a bare value is a
    comma-separated list, so that an environment override needs no brackets."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            decoded = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise ValueError('is not a Python list literal such as ["a", "b"]') from None
        if not isinstance(decoded, list) or not all(isinstance(item, str) for item in decoded):
            raise ValueError("must be a list of strings")
        return [item.strip() for item in decoded if item.strip()]
    return [part.strip() for part in text.split(",") if part.strip()]


LiteralText = Annotated[str, BeforeValidator(python_literal)]
LiteralList = Annotated[tuple[str, ...], BeforeValidator(literal_list)]


class Section(BaseModel):
    """One ini section (or, for a file's model, the file). Every key either has an effect, is
    `retired` (a warning with the reason at start), or is refused as unknown."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    retired: ClassVar[Mapping[str, Retired]] = {}


class LogSection(Section):
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_dir: Path = Path("/var/log/aops")
    max_bytes: int = Field(31457280, gt=0)
    backup_count: int = Field(40, gt=0)


Port = Annotated[int, Field(ge=1, le=65535)]


class ServerSection(Section):
    """A section naming where a server listens or answers; each one gives `port` its default."""

    ip: str = "127.0.0.1"
    port: Port

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(ip=self.ip, port=self.port)


class Endpoint(ServerSection):
    @property
    def url(self) -> str:
        host = f"[{self.ip}]" if ":" in self.ip else self.ip
        return f"http://{host}:{self.port}"


class AuthSection(Section):
    """Beyond 21.09: real sessions. The secret signs tokens and is shared by every service."""

    secret_file: Path = Path("/etc/aops/secret.key")
    token_ttl: int = Field(8 * 3600, gt=0)
    # Lock-out. An account takes `login_max_failures` failures in a row; from then on every
    # attempt waits twice as long as the one before, from `login_delay_seconds` up to
    # `login_max_delay_seconds`: short, so that nobody can keep the owner out for long. A source
    # address takes `login_address_max_failures` failures across accounts, then waits the same
    # growing delays up to `login_lockout_seconds`. Failures are forgotten after
    # `login_lockout_seconds` without a new one.
    login_max_failures: int = Field(5, gt=0)
    login_lockout_seconds: int = Field(300, gt=0)
    login_delay_seconds: int = Field(1, gt=0)
    login_max_delay_seconds: int = Field(60, gt=0)
    login_address_max_failures: int = Field(20, gt=0)
    # Password hashes checked or made at once per process (each takes ~32 MiB and a core for
    # ~0.1 s); a request waits `password_hash_wait` seconds for its turn, then is refused (429).
    password_hash_concurrency: int = Field(2, gt=0, le=64)
    password_hash_wait: float = Field(2.0, gt=0, le=60)
    password_min_length: int = Field(8, ge=1, le=256)
    # A session this young may change the password without the old one (log in, then change);
    # an older one, say a stolen token, must give the old password.
    password_change_fresh_seconds: int = Field(300, ge=0)
    # Seconds a service token lives: services renew theirs at half its life, and the data
    # center refuses one that would live longer. Minutes at most: a token seen in transit or
    # in a log is worth little.
    service_token_ttl: int = Field(300, ge=30, le=3600)


class TlsSection(Section):
    """Beyond 21.09: TLS on the data center's port, the one port services call one another on.

    The data center serves HTTPS with `cert_file`/`key_file`; every service verifies it against
    `ca_file` and, with `verify_clients`, shows its own certificate, which the data center
    verifies against the same CA (a host without one signed by it cannot even connect).
    """

    enabled: bool = False
    cert_file: Path | None = None
    key_file: Path | None = None
    ca_file: Path | None = None
    verify_clients: bool = True

    @model_validator(mode="after")
    def _complete(self) -> TlsSection:
        if self.enabled:
            for key in ("cert_file", "key_file", "ca_file"):
                if getattr(self, key) is None:
                    raise ValueError(f"{key} is required with enabled=true")
        return self


class UwsgiSection(Section):
    """`[uwsgi]`: how `serve` runs uWSGI (the 21.09 start script read the same keys)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    retired: ClassVar[Mapping[str, Retired]] = {
        "wsgi-file": Retired(
            "no effect: uWSGI loads the service's module (e.g. aops_manager.wsgi:app), "
            "not a manage.py file; nothing replaces it"
        ),
    }

    # 21.09 daemonized uWSGI into this file; under systemd (Type=simple) it stays in the
    # foreground and only its log goes there (`--logto`). Empty: uWSGI logs to stderr.
    daemonize: str = ""
    http_timeout: int = Field(600, alias="http-timeout", gt=0)
    harakiri: int = Field(600, gt=0)
    processes: int = Field(1, gt=0)
    threads: int = Field(8, gt=0)


class WebServiceIni(Section):
    """The file of a web service: its own sections, and `[uwsgi]` for how `serve` runs it."""

    uwsgi: UwsgiSection = UwsgiSection()


def _address_list(value: object) -> object:
    if isinstance(value, str):
        if value.strip().lower() == "none":
            return ()
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class RestfulSection(Section):
    """How the web services answer; every service reads it from `system.ini`."""

    # 21.09 answered HTTP 200 whatever happened and its clients read nothing else: true sends
    # every 21.09 envelope with 200 again, so that their error messages and partial successes
    # survive. The envelope's `code` tells the outcome either way.
    legacy_http_status: bool = False
    # Proxies whose `X-Forwarded-For` names the client (the shipped nginx runs on this host and
    # sets it); anyone else's header is ignored, since a client could write any address in it.
    # Comma-separated addresses or networks; `none` trusts no proxy.
    trusted_proxies: Annotated[tuple[IPvAnyNetwork, ...], BeforeValidator(_address_list)] = (
        ip_network("127.0.0.1/32"),
        ip_network("::1/128"),
    )


class SystemIni(Section):
    """`system.ini`: logging, sessions, how answers go out, and where every service listens."""

    log: LogSection = LogSection()
    auth: AuthSection = AuthSection()
    restful: RestfulSection = RestfulSection()
    tls: TlsSection = TlsSection()
    manager: Endpoint = Endpoint(port=11111)
    database: Endpoint = Endpoint(port=11119)
    check_scheduler: Endpoint = Endpoint(port=11112)
    diag_scheduler: Endpoint = Endpoint(port=11113)
    # Where `aops conf` finds gala-ragdoll (its own gala-ragdoll.conf says where it listens).
    gala_ragdoll: Endpoint = Endpoint(port=11114)
    gala_spider: Endpoint = Endpoint(port=11115)

    @property
    def database_url(self) -> str:
        """Where services call the data center: over HTTPS when `[tls]` is enabled."""
        url = self.database.url
        return "https" + url.removeprefix("http") if self.tls.enabled else url


SettingsT = TypeVar("SettingsT", bound=Section)


def conf_dir() -> Path:
    return Path(os.environ.get("AOPS_CONF_DIR", str(DEFAULT_CONF_DIR)))


def read_ini(path: Path) -> dict[str, dict[str, str]]:
    # Inline comments are allowed because the 21.09 manual writes `port=11111 # comment`.
    parser = configparser.RawConfigParser(inline_comment_prefixes=("#", ";"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except FileNotFoundError:
        return {}
    except (configparser.Error, UnicodeDecodeError, OSError) as exc:
        raise ConfigError(f"{path}: cannot be parsed: {exc}") from exc
    return {
        name: {k: v.strip().strip('"') for k, v in parser.items(name) if v.strip() != ""}
        for name in parser.sections()
    }


def _env_overrides(stem: str) -> dict[str, dict[str, str]]:
    # A file named with a hyphen (gala-ragdoll.conf) is AOPS_GALA_RAGDOLL__...: shells refuse "-".
    prefix = f"{ENV_PREFIX}{stem.upper().replace('-', '_')}__"
    found: dict[str, dict[str, str]] = {}
    for name, value in os.environ.items():
        if not name.startswith(prefix):
            continue
        parts = name[len(prefix) :].split("__")
        if len(parts) != 2:
            raise ConfigError(f"environment {name}: expected {prefix}<SECTION>__<KEY>")
        section, key = parts[0].lower(), parts[1].lower()
        found.setdefault(section, {})[key] = value
    return found


def load(model: type[SettingsT], file_name: str, directory: Path | None = None) -> SettingsT:
    """Read one ini file into its settings model; raise ConfigError naming what is wrong."""
    path = (directory or conf_dir()) / file_name
    stem = Path(file_name).stem
    raw = read_ini(path)
    for section, values in _env_overrides(stem).items():
        raw.setdefault(section, {}).update(values)
    return validate(model, path, raw)


def validate(
    model: type[SettingsT],
    path: Path,
    sections: Mapping[str, Mapping[str, object]],
    extra: Mapping[str, object] | None = None,
) -> SettingsT:
    """The settings of `path` from its sections (and `extra`: values that are not sections, such
    as a list of groups in a libconfig file); raise ConfigError naming what is wrong."""
    # A section named like a Python keyword (libconfig's `global`) is a field with an alias.
    known = {field.alias or name: name for name, field in model.model_fields.items()}
    defaults = model()
    data: dict[str, Any] = dict(extra or {})
    for section, values in sections.items():
        if section in model.retired:
            _retire(path, f"[{section}]", model.retired[section])
            continue
        if section not in known:
            raise ConfigError(f"{path} [{section}]: unknown section")
        section_model = model.model_fields[known[section]].annotation
        assert isinstance(section_model, type) and issubclass(section_model, Section)
        kept = _known_keys(path, section, section_model, values)
        # A section given in part keeps the defaults of the keys it leaves out.
        base = getattr(defaults, known[section]).model_dump(by_alias=True, mode="json")
        data[section] = {**base, **kept}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = " ".join(f"[{p}]" if i == 0 else str(p) for i, p in enumerate(err["loc"]))
        value = err.get("input")
        shown = f" (got {value!r})" if isinstance(value, str | int | float) else ""
        raise ConfigError(f"{path} {where}: {err['msg']}{shown}") from exc


def _known_keys(
    path: Path, section: str, model: type[Section], values: Mapping[str, object]
) -> dict[str, object]:
    """The keys that have an effect; retired ones are warned about or refused, unknown refused."""
    names = {field.alias or name for name, field in model.model_fields.items()}
    kept: dict[str, object] = {}
    for key, value in values.items():
        if key in model.retired:
            _retire(path, f"[{section}] {key}", model.retired[key])
        elif key in names:
            kept[key] = value
        else:
            raise ConfigError(f"{path} [{section}] {key}: unknown key (known: {', '.join(sorted(names))})")
    return kept


def _retire(path: Path, where: str, retired: Retired) -> None:
    LOG.warning("%s %s: ignored: %s", path, where, retired.reason)


def load_system(directory: Path | None = None) -> SystemIni:
    return load(SystemIni, "system.ini", directory)


class ServiceLoader(Generic[SettingsT]):
    """A service's settings: system.ini and its own ini file, from one directory; for a web
    service also where, in its own file, it listens (`listen`)."""

    def __init__(
        self,
        model: type[SettingsT],
        file_name: str,
        listen: Callable[[SettingsT], Endpoint] | None = None,
        *,
        legacy_dir: Path | None = None,
    ) -> None:
        """`legacy_dir`: where 21.09 kept the file (/etc/ragdoll), read when the configuration
        directory has none and no directory is given explicitly."""
        self.model = model
        self.file_name = file_name
        self._listen = listen
        self.legacy_dir = legacy_dir

    @property
    def name(self) -> str:
        """The service's name in file names: its ini file's and its log file's (manager)."""
        return Path(self.file_name).stem

    def endpoint(self, ini: SettingsT) -> Endpoint:
        if self._listen is None:
            raise ConfigError(f"{self.file_name}: this service does not listen on a port")
        return self._listen(ini)

    def __call__(self, directory: Path | None = None) -> tuple[SystemIni, SettingsT]:
        where = directory
        legacy = self.legacy_dir
        if directory is None and legacy is not None and not (conf_dir() / self.file_name).exists():
            where = legacy if (legacy / self.file_name).exists() else None
        return load_system(directory), load(self.model, self.file_name, where)
