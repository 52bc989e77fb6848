"""Configuration files by type: parse to keys by section, render byte-identical, edit, compare.

`parse(path, content)` picks the parser from the path (a table of well-known files and
extensions) and then from the content; content that breaks its type's rules is read as plain
text with the reason, never an exception.
"""

from __future__ import annotations

from gala_ragdoll.parsers.compare import Comparison
from gala_ragdoll.parsers.compare import KeyDiff
from gala_ragdoll.parsers.compare import compare
from gala_ragdoll.parsers.compare import compare_real
from gala_ragdoll.parsers.document import ConfigDocument
from gala_ragdoll.parsers.document import ContentError
from gala_ragdoll.parsers.document import EditError
from gala_ragdoll.parsers.document import FileKind
from gala_ragdoll.parsers.document import Sections
from gala_ragdoll.parsers.registry import kind_for_path
from gala_ragdoll.parsers.registry import parse
from gala_ragdoll.parsers.registry import parse_as

__all__ = [
    "Comparison",
    "ConfigDocument",
    "ContentError",
    "EditError",
    "FileKind",
    "KeyDiff",
    "Sections",
    "compare",
    "compare_real",
    "kind_for_path",
    "parse",
    "parse_as",
]
