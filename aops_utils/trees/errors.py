"""TreeError and ConditionError: a fault tree refused at import, naming the node path or cell."""

from __future__ import annotations

from collections.abc import Sequence

from aops_utils.errors import ParamError


class TreeError(ParamError):
    """A tree (JSON or workbook) that cannot be used; raised at import, never while evaluating.

    It is a ParamError so a REST view can let it through as a 1000 envelope. `str()` reads like
    `tree_content: root > 硬件问题 > 硬件子问题1: condition: '检查项7' is not a direct child
    (children: 检查项2, 检查项3) at position 12`; positions are 0-based character indexes into
    the condition. A workbook error names its cell instead (`workbook: diag!C7: ...`).
    """

    def __init__(
        self,
        reason: str,
        *,
        path: Sequence[str] = (),
        key: str | None = None,
        position: int | None = None,
        cell: str | None = None,
        field: str = "tree_content",
    ) -> None:
        self.reason = reason
        self.path = tuple(path)
        self.key = key
        self.position = position
        self.cell = cell
        where = " > ".join(self.path)
        if cell is not None:
            where = f"{cell} ({where})" if where else cell
        text = f"{field}: "
        if where:
            text += f"{where}: "
        if key is not None:
            text += f"{key}: "
        text += reason
        if position is not None:
            text += f" at position {position}"
        super().__init__(text, field=field)


class ConditionError(TreeError):
    """A condition that does not parse or names something that is not a direct child."""

    def __init__(
        self,
        reason: str,
        position: int | None = None,
        *,
        path: Sequence[str] = (),
        cell: str | None = None,
        field: str = "tree_content",
    ) -> None:
        super().__init__(reason, path=path, key="condition", position=position, cell=cell, field=field)

    def at(self, path: Sequence[str]) -> ConditionError:
        """The same fault, placed at a node of a tree."""
        return ConditionError(self.reason, self.position, path=path)
