"""Hand-written precedence-climbing parser of the rule language (section 4.3 of the 21.09 spec).

Precedence, lowest first: `?:` (right-associative), `||`, `&&`, `|`, `^`, `&`,
`== != in notin`, `< > <= >=`, `<< >>`, `+ -`, `* / %`, unary `+ - ! ~`; binary operators are
left-associative. Any input yields a tree or a RuleError; tree height is capped at MAX_DEPTH
so that no later pass can exhaust the Python stack.
"""

from __future__ import annotations

from aops_utils.rules import lexer
from aops_utils.rules.errors import RuleError
from aops_utils.rules.lexer import Token
from aops_utils.rules.nodes import Binary
from aops_utils.rules.nodes import Call
from aops_utils.rules.nodes import CountFilter
from aops_utils.rules.nodes import DictLiteral
from aops_utils.rules.nodes import Literal
from aops_utils.rules.nodes import Name
from aops_utils.rules.nodes import Node
from aops_utils.rules.nodes import Ternary
from aops_utils.rules.nodes import TimeFilter
from aops_utils.rules.nodes import Unary

MAX_DEPTH = 200

TERNARY_POWER = 1
UNARY_POWER = 12
BINARY_POWER = {
    "||": 2, "&&": 3, "|": 4, "^": 5, "&": 6,
    "==": 7, "!=": 7, "in": 7, "notin": 7,
    "<": 8, ">": 8, "<=": 8, ">=": 8,
    "<<": 9, ">>": 9, "+": 10, "-": 10, "*": 11, "/": 11, "%": 11,
}  # fmt: skip
UNARY_OPERATORS = frozenset({"+", "-", "!", "~"})
_LITERAL_KINDS = frozenset({lexer.NUMBER, lexer.STRING, lexer.BOOL, lexer.NULL})


def parse(condition: str) -> Node:
    """Parse a whole condition into a tree; raise RuleError with the position of the fault."""
    return _Parser(lexer.tokenize(condition)).parse()


def describe(token: Token) -> str:
    """How a token is named in an error message."""
    return "end of condition" if token.kind == lexer.END else f"'{token.text}'"


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.nesting = 0

    def parse(self) -> Node:
        node = self.expression(0)
        token = self.peek()
        if token.kind != lexer.END:
            raise RuleError(f"unexpected {describe(token)}", token.pos)
        return node

    # Token helpers.

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != lexer.END:
            self.index += 1
        return token

    def is_op(self, text: str) -> bool:
        token = self.tokens[self.index]
        return token.kind == lexer.OP and token.text == text

    def expect(self, text: str, after: str) -> Token:
        token = self.peek()
        if token.kind != lexer.OP or token.text != text:
            raise RuleError(f"expected '{text}' {after} but found {describe(token)}", token.pos)
        return self.advance()

    # Grammar.

    def expression(self, min_power: int) -> Node:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise RuleError(f"expression nests deeper than {MAX_DEPTH} levels", self.peek().pos)
        left = self.prefix()
        while True:
            token = self.peek()
            if token.kind != lexer.OP:
                break
            if token.text == ">>>":
                raise RuleError("operator >>> is not supported", token.pos)
            if token.text == "?":
                if min_power > TERNARY_POWER:
                    break
                self.advance()
                then = self.expression(TERNARY_POWER)
                self.expect(":", "in a ? : expression")
                otherwise = self.expression(TERNARY_POWER)  # right-associative: same power again
                depth = _depth(token, left, then, otherwise)
                left = Ternary(left, then, otherwise, pos=token.pos, depth=depth)
                continue
            power = BINARY_POWER.get(token.text)
            if power is None or power < min_power:
                break
            self.advance()
            right = self.expression(power + 1)  # left-associative: the right side binds tighter
            left = Binary(token.text, left, right, pos=token.pos, depth=_depth(token, left, right))
        self.nesting -= 1
        return left

    def prefix(self) -> Node:
        token = self.advance()
        if token.kind == lexer.OP and token.text in UNARY_OPERATORS:
            operand = self.expression(UNARY_POWER)
            return Unary(token.text, operand, pos=token.pos, depth=_depth(token, operand))
        if token.kind in _LITERAL_KINDS:
            return Literal(token.value, pos=token.pos)
        if token.kind == lexer.NAME:
            return self.name_or_call(token)
        if token.kind == lexer.TIME:
            raise RuleError(f"time filter {token.text} is only allowed as a function argument", token.pos)
        if token.kind == lexer.COUNT:
            raise RuleError(f"count filter {token.text} is only allowed as a function argument", token.pos)
        if token.kind == lexer.OP and token.text == "(":
            inner = self.expression(0)
            self.expect(")", f"to close the '(' at position {token.pos}")
            return inner
        if token.kind == lexer.OP and token.text == "{":
            return self.dict_literal(token)
        if token.kind == lexer.OP and token.text == ">>>":
            raise RuleError("operator >>> is not supported", token.pos)
        raise RuleError(f"unexpected {describe(token)}", token.pos)

    def name_or_call(self, token: Token) -> Node:
        name = Name(token.text, pos=token.pos)
        if self.is_op("("):
            return self.call(token, None)
        if self.is_op("."):
            self.advance()
            function = self.advance()
            if function.kind != lexer.NAME:
                raise RuleError(
                    f"expected a function name after '.' but found {describe(function)}", function.pos
                )
            if not self.is_op("("):
                raise RuleError(f"expected '(' after {function.text}", self.peek().pos)
            return self.call(function, name)
        return name

    def call(self, function: Token, target: Name | None) -> Call:
        # A call costs more Python frames per level than a parenthesis, so it counts extra.
        self.nesting += 2
        if self.nesting > MAX_DEPTH:
            raise RuleError(f"expression nests deeper than {MAX_DEPTH} levels", function.pos)
        opening = self.expect("(", f"after {function.text}")
        args: list[Node] = []
        if not self.is_op(")"):
            while True:
                args.append(self.argument())
                if self.is_op(","):
                    self.advance()
                    continue
                token = self.peek()
                if not self.is_op(")"):
                    raise RuleError(
                        f"expected ',' or ')' after an argument of {function.text}, found {describe(token)}",
                        token.pos,
                    )
                break
        self.expect(")", f"to close the '(' at position {opening.pos}")
        depth = 1 + max((arg.depth for arg in args), default=0)
        if depth > MAX_DEPTH:
            raise RuleError(f"expression nests deeper than {MAX_DEPTH} levels", function.pos)
        self.nesting -= 2
        return Call(function.text, target, tuple(args), pos=function.pos, depth=depth)

    def argument(self) -> Node:
        token = self.peek()
        if token.kind == lexer.TIME:
            self.advance()
            assert isinstance(token.value, float)
            return TimeFilter(token.value, text=token.text, pos=token.pos)
        if token.kind == lexer.COUNT:
            self.advance()
            assert isinstance(token.value, int)
            return CountFilter(token.value, text=token.text, pos=token.pos)
        return self.expression(0)

    def dict_literal(self, opening: Token) -> DictLiteral:
        items: list[tuple[Node, Node]] = []
        if not self.is_op("}"):
            while True:
                key = self.dict_atom("key")
                self.expect(":", "after a dict key")
                value = self.dict_atom("value")
                items.append((key, value))
                if not self.is_op(","):
                    break
                self.advance()
        self.expect("}", f"to close the '{{' at position {opening.pos}")
        return DictLiteral(tuple(items), pos=opening.pos, depth=2)

    def dict_atom(self, role: str) -> Node:
        """A dict key or value: a name or a literal, optionally a signed number."""
        token = self.advance()
        sign = 1.0
        if token.kind == lexer.OP and token.text in ("+", "-") and self.peek().kind == lexer.NUMBER:
            sign = -1.0 if token.text == "-" else 1.0
            start, token = token, self.advance()
            assert isinstance(token.value, float)
            return Literal(sign * token.value, pos=start.pos)
        if token.kind in _LITERAL_KINDS:
            return Literal(token.value, pos=token.pos)
        if token.kind == lexer.NAME:
            return Name(token.text, pos=token.pos)
        raise RuleError(f"a dict {role} must be a name or a literal, not {describe(token)}", token.pos)


def _depth(token: Token, *parts: Node) -> int:
    depth = 1 + max(part.depth for part in parts)
    if depth > MAX_DEPTH:
        raise RuleError(f"expression nests deeper than {MAX_DEPTH} levels", token.pos)
    return depth
