"""RuleError: a check rule that cannot be compiled, with the character position of the fault."""

from __future__ import annotations

from aops_utils.errors import ParamError


class RuleError(ParamError):
    """A condition, data_list or plugin name rejected at import.

    It is a ParamError so a REST view can let it through as a 1000 envelope; `str()` reads
    like `condition: unexpected ')' at position 7` (positions are 0-based character indexes).
    """

    def __init__(self, message: str, position: int | None = None, field: str = "condition") -> None:
        self.message = message
        self.position = position
        text = f"{field}: {message}"
        if position is not None:
            text += f" at position {position}"
        super().__init__(text, field=field)
