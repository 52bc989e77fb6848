"""Branch conditions: names of direct children combined with `!`, `&&`, `||` and parentheses.

A condition is compiled once into a postfix program and then run on three-valued (Kleene)
child values: True, False and None for unknown.

Syntax. The operators are `&&`, `||`, `!`, `(` and `)`; every other run of characters between
them is a name, trimmed of surrounding whitespace (inner spaces belong to the name). A node name
can be used in a condition exactly when it reads back as one name, so it may contain a single `&`
or `|` but not `&&`, `||`, `!` or parentheses.

Precedence, highest first: `!`, `&&`, `||`; binary operators are left-associative and
parentheses group. So `a || b && c` is `a || (b && c)`, and `!!a` is `a`.

Differences from 21.09 (which evaluated strictly left to right, section 6.3 of the spec):
* 21.09 had no precedence: `a || b && c` meant `(a || b) && c`. With a, b, c = T, F, F it gave
  false; it now gives true. Write the parentheses to keep the old meaning.
* In 21.09 `!!a` was `!a` (the second `!` only set the flag again); it is now `a`.
* 21.09 tolerated a trailing operator (`a &&`) and let the later of two operands without an
  operator win (`(a) b` was `b`); both are errors now, with their position, as are empty
  conditions, two operators in a row, empty or unbalanced parentheses and unknown names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aops_utils.trees.errors import ConditionError

# A condition can name thousands of children (a wide root); this bounds the work, not the use.
MAX_CONDITION_LENGTH = 10_000_000

# Instructions of a program: an operand is a non-negative index, the operators are negative.
NOT = -1
AND = -2
OR = -3

_NAME, _LPAREN, _RPAREN = "name", "(", ")"
_BINARY = {"&&": AND, "||": OR}
_PRECEDENCE = {"!": 3, "&&": 2, "||": 1}
_OPERATOR = re.compile(r"&&|\|\||[!()]")
_SPACE = " \t\r\n\f\v"

Truth = bool | None


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # _NAME, or the operator's own text
    text: str
    pos: int


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition: a postfix program over the distinct names, in order of appearance."""

    text: str
    program: tuple[int, ...]  # operand k stands for names[k]
    names: tuple[str, ...]
    positions: tuple[int, ...]  # where each name first appears

    def bind(self, children: Sequence[str]) -> tuple[int, ...]:
        """The program over child indexes; ConditionError naming the first name that is no child."""
        index = {name: i for i, name in enumerate(children)}
        mapping: list[int] = []
        for name, pos in zip(self.names, self.positions, strict=True):
            if name not in index:
                raise ConditionError(f"'{name}' is not a direct child ({_listing(children)})", pos)
            mapping.append(index[name])
        return tuple(op if op < 0 else mapping[op] for op in self.program)

    def evaluate(self, values: dict[str, Truth]) -> Truth:
        """Convenience for one evaluation by name (a tree binds once and calls `run` instead)."""
        return run(self.program, [values[name] for name in self.names])[0]


def tokenize(text: str) -> list[Token]:
    """Operators and trimmed names with the position of their first character."""
    if len(text) > MAX_CONDITION_LENGTH:
        raise ConditionError(f"the condition is longer than {MAX_CONDITION_LENGTH:,} characters")
    tokens: list[Token] = []
    start = 0
    for match in _OPERATOR.finditer(text):
        _add_name(tokens, text, start, match.start())
        tokens.append(Token(match.group(), match.group(), match.start()))
        start = match.end()
    _add_name(tokens, text, start, len(text))
    return tokens


def _add_name(tokens: list[Token], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    name = piece.strip(_SPACE)
    if name:
        tokens.append(Token(_NAME, name, start + len(piece) - len(piece.lstrip(_SPACE))))


def is_name(text: str) -> bool:
    """Whether `text` can be written in a condition and read back as itself."""
    tokens = tokenize(text) if len(text) <= MAX_CONDITION_LENGTH else []
    return len(tokens) == 1 and tokens[0].kind == _NAME and tokens[0].text == text


def parse_condition(text: str) -> Condition:
    """Parse a condition on its own (names are bound to children later, by Condition.bind)."""
    if not isinstance(text, str):
        raise ConditionError(f"a condition must be a string, not {type(text).__name__}")
    tokens = tokenize(text)
    if not tokens:
        raise ConditionError("the condition is empty")
    parser = _Parser()
    for token in tokens:
        parser.feed(token)
    return parser.finish(text)


class _Parser:
    """Shunting-yard with explicit stacks: any nesting depth parses without recursion."""

    def __init__(self) -> None:
        self.program: list[int] = []
        self.operators: list[Token] = []
        self.names: dict[str, int] = {}
        self.positions: list[int] = []
        self.expect_operand = True
        self.previous: Token | None = None

    def feed(self, token: Token) -> None:
        if self.expect_operand:
            self._operand(token)
        elif token.kind in _BINARY:
            power = _PRECEDENCE[token.kind]
            while self.operators and self.operators[-1].kind != _LPAREN:
                if _PRECEDENCE[self.operators[-1].kind] < power:
                    break
                self._emit(self.operators.pop())
            self.operators.append(token)
            self.expect_operand = True
        elif token.kind == _RPAREN:
            while self.operators and self.operators[-1].kind != _LPAREN:
                self._emit(self.operators.pop())
            if not self.operators:
                raise ConditionError("')' has no matching '('", token.pos)
            self.operators.pop()
        else:
            assert self.previous is not None  # an operand was just read
            raise ConditionError(
                f"missing operator between {_show(self.previous)} and {_show(token)}", token.pos
            )
        self.previous = token

    def _operand(self, token: Token) -> None:
        if token.kind == _NAME:
            if token.text not in self.names:
                self.names[token.text] = len(self.names)
                self.positions.append(token.pos)
            self.program.append(self.names[token.text])
            self.expect_operand = False
        elif token.kind in ("!", _LPAREN):
            self.operators.append(token)
        else:
            raise _misplaced(token, self.previous)

    def _emit(self, token: Token) -> None:
        if token.kind != "!":
            self.program.append(_BINARY[token.kind])
        elif self.program and self.program[-1] == NOT:
            self.program.pop()  # the previous instruction negated this same operand: !!x is x
        else:
            self.program.append(NOT)

    def finish(self, text: str) -> Condition:
        if self.expect_operand:
            last = self.previous
            assert last is not None  # at least one token was fed
            if last.kind == _LPAREN:
                raise ConditionError("'(' is never closed", last.pos)
            raise ConditionError(f"'{last.text}' has no operand after it", last.pos)
        while self.operators:
            token = self.operators.pop()
            if token.kind == _LPAREN:
                raise ConditionError("'(' is never closed", token.pos)
            self._emit(token)
        return Condition(text, tuple(self.program), tuple(self.names), tuple(self.positions))


def _misplaced(token: Token, previous: Token | None) -> ConditionError:
    """An operator or ')' where an operand should start."""
    if previous is None:
        return ConditionError(f"{_show(token)} has no operand before it", token.pos)
    if token.kind == _RPAREN and previous.kind == _LPAREN:
        return ConditionError("empty parentheses", previous.pos)
    return ConditionError(f"{_show(token)} follows {_show(previous)} without an operand", token.pos)


def _show(token: Token) -> str:
    return f"name '{token.text}'" if token.kind == _NAME else f"'{token.text}'"


def _listing(children: Sequence[str], limit: int = 10) -> str:
    if not children:
        return "the node has no children"
    shown = ", ".join(children[:limit])
    more = f" and {len(children) - limit} more" if len(children) > limit else ""
    return f"children: {shown}{more}"


def _combination(op: int, left: Truth, right: Truth) -> tuple[Truth, int]:
    """Kleene `left op right`, and which sides decided it (LEFT, RIGHT or BOTH)."""
    strong = op == OR  # the value that decides on its own: True for ||, False for &&
    if left is strong or right is strong:
        return strong, (LEFT if right is not strong else RIGHT if left is not strong else BOTH)
    if left is None or right is None:
        return None, (LEFT if right is not None else RIGHT if left is not None else BOTH)
    return left, BOTH  # both weak: the value stands, and both decided it


LEFT, RIGHT, BOTH = 0, 1, 2
_VALUES: tuple[Truth, ...] = (True, False, None)
_COMBINE = {
    (op, left, right): _combination(op, left, right)
    for op in (AND, OR)
    for left in _VALUES
    for right in _VALUES
}


def run(program: Sequence[int], values: Sequence[Truth]) -> tuple[Truth, int]:
    """Kleene evaluation; also returns a bit mask of the operands that decided the result.

    Deciding operands: of `x || y`, the true sides if any, else the unknown ones, else both (all
    false); `&&` likewise with false and true swapped; `!x` is decided by what decided x. Applied
    pairwise, this gives for a chain `a || b || c` exactly its true (else unknown, else all)
    operands, so the grouping of a chain does not change the explanation.
    """
    if len(program) == 1:
        operand = program[0]
        return values[operand], 1 << operand
    stack: list[Truth] = []
    masks: list[int] = []
    combine = _COMBINE
    for op in program:
        if op >= 0:
            stack.append(values[op])
            masks.append(1 << op)
        elif op == NOT:
            value = stack[-1]
            if value is not None:
                stack[-1] = not value
        else:
            right = stack.pop()
            right_mask = masks.pop()
            stack[-1], side = combine[op, stack[-1], right]
            if side == BOTH:
                masks[-1] |= right_mask
            elif side == RIGHT:
                masks[-1] = right_mask
    return stack[0], masks[0]
