"""The expected configurations of every domain, in a git repository per installation."""

from __future__ import annotations

from gala_ragdoll.store.errors import CorruptRepository
from gala_ragdoll.store.errors import DomainExists
from gala_ragdoll.store.errors import DomainNotFound
from gala_ragdoll.store.errors import ForeignDomain
from gala_ragdoll.store.errors import InvalidName
from gala_ragdoll.store.models import Change
from gala_ragdoll.store.models import Domain
from gala_ragdoll.store.models import ExpectedFile
from gala_ragdoll.store.models import FileAttributes
from gala_ragdoll.store.models import HostRecord
from gala_ragdoll.store.models import Outcome
from gala_ragdoll.store.repository import ConfigRepository

__all__ = [
    "Change",
    "ConfigRepository",
    "CorruptRepository",
    "Domain",
    "DomainExists",
    "DomainNotFound",
    "ExpectedFile",
    "FileAttributes",
    "ForeignDomain",
    "HostRecord",
    "InvalidName",
    "Outcome",
]
