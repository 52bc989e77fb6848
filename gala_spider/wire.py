"""A tcp_link record read from its bytes, when it is in exactly the shape 21.09's probe wrote.

gala-gopher built each record by string formatting, in one shape and order (reference section
3.4): `{"timestamp": <ms>, "hostname": "<h>", "table_name": "tcp_link", <identity>, <counters>}`,
separators `, ` and `: `, every field a string; our probe writes the same (gala_gopher.records).
A record of a link already on the map differs from the last one only in its stamp and counters.
Read from the bytes, those two and the identity's bytes between them (the key of the objects the
record touches, records._Known) spare decoding every field into a dict of texts: a third of a
known record's cost (bench/README.md, session 14). A record in any other shape is decoded in
full. Which identities are keys: records._keep.
"""

from __future__ import annotations

from typing import Final

from mypy_extensions import i64
from mypy_extensions import mypyc_attr

from aops_utils.contracts.link_tables import TABLES
from aops_utils.contracts.link_tables import TCP_IDENTITY
from aops_utils.contracts.link_tables import TCP_LINK
from aops_utils.contracts.link_tables import TCP_METRICS

HEAD: Final = b'{"timestamp": '
_HOSTNAME: Final = b', "hostname": "'
# What follows the identity (which ends with its last value's closing quote): the counters in
# the probe's order (meta order, not TCP_METRICS': packets_in and packets_out swap), DIGITS
# standing for each one's digits. Read from the end of the record backwards, so that where it
# starts is where the identity ends.
DIGITS: Final = 35  # "#"
# More digits than a machine integer holds for sure: such a number is decoded in full.
MAX_DIGITS: Final = 18
_WIRE_COUNTERS = TABLES[TCP_LINK][len(TCP_IDENTITY) :]
_TAIL: Final = ("".join(f', "{name}": "{chr(DIGITS)}"' for name in _WIRE_COUNTERS) + "}").encode()
# Where each counter read (in the probe's order) goes in TCP_METRICS.
_SLOT: Final = tuple(TCP_METRICS.index(name) for name in _WIRE_COUNTERS)
# The identity's fields that vary (all but table_name), and the identity as the probe writes it
# (hostname, table_name, the table's fields) with VALUE standing for each of their values: for a
# new record, read instead of decoding (`fields`).
IDENTITY_NAMES: Final = ("hostname", *TCP_IDENTITY)
VALUE: Final = 1
_IDENTITY: Final = ", ".join(
    f'"{name}": "{TCP_LINK if name == "table_name" else chr(VALUE)}"'
    for name in ("hostname", "table_name", *TCP_IDENTITY)
).encode()
assert sorted(_SLOT) == list(range(len(TCP_METRICS))), "TCP_METRICS are the table's counters"
assert len(_WIRE_COUNTERS) == 8, "read() makes eight counters"


@mypyc_attr(acyclic=True)
class Shape:
    """What `read` found: the identity's bytes, the stamp (ms), the counters in TCP_METRICS'
    order."""

    __slots__ = ("identity", "metrics", "stamp")

    def __init__(self, identity: bytes, stamp: int, metrics: tuple[int, ...]) -> None:
        self.identity = identity
        self.stamp = stamp
        self.metrics = metrics


def read(raw: bytes) -> Shape | None:
    """`raw` read as a tcp_link record in the probe's shape, or None for any other text (which
    is then decoded in full: this never refuses a record, it only spares the decoding). One pass
    of compiled byte comparisons on machine integers (i64): bytes methods taking a position are
    calls into Python, and Python's integers are objects, either of which made this slower
    than decoding."""
    if not raw.startswith(HEAD):
        return None
    first = _identity_start(raw)
    if first < 0:
        return None
    counts = [0, 0, 0, 0, 0, 0, 0, 0]
    tail = _TAIL
    i: i64 = len(raw) - 1
    j: i64 = len(tail) - 1
    counter: i64 = len(counts)
    while j >= 0:
        expected: i64 = tail[j]
        j -= 1
        if expected != DIGITS:
            if i < first or raw[i] != expected:
                return None
            i -= 1
            continue
        number: i64 = 0
        place: i64 = 1
        start = i
        while i >= first and start - i < MAX_DIGITS:
            digit: i64 = raw[i] - 48
            if digit < 0 or digit > 9:
                break
            number += digit * place
            place *= 10
            i -= 1
        if i == start or start - i == MAX_DIGITS:
            return None  # no digits, or more than a machine integer holds: decoded in full
        counter -= 1
        counts[_SLOT[counter]] = number
    if i <= first or raw[i] != 34:  # the identity ends with its last value's closing quote
        return None
    return Shape(raw[first : i + 1], _stamp(raw, first), tuple(counts))


def _identity_start(raw: bytes) -> i64:
    """Where the identity starts (after the stamp and `, `), or -1 when the stamp is not JSON's
    digits with no leading zero (a stamp with one is decoded in full, and refused there)."""
    size: i64 = len(raw)
    begin: i64 = len(HEAD)
    i = begin
    while i < size and i - begin < MAX_DIGITS:
        digit: i64 = raw[i] - 48
        if digit < 0 or digit > 9:
            break
        i += 1
    if i == begin or i - begin == MAX_DIGITS or (raw[begin] == 48 and i - begin > 1):
        return -1
    hostname = _HOSTNAME
    for k in range(len(hostname)):
        if i >= size or raw[i] != hostname[k]:
            return -1
        i += 1
    return i - len(hostname) + 2


def _stamp(raw: bytes, first: i64) -> int:
    """The stamp's digits, checked by _identity_start."""
    stamp: i64 = 0
    for i in range(len(HEAD), first - 2):
        stamp = stamp * 10 + (raw[i] - 48)
    return stamp


def fields(identity: bytes) -> list[str] | None:
    """The values of `identity` (IDENTITY_NAMES' order) when it is exactly the probe's text of
    them with plain values: no escape (a backslash), no control character, UTF-8. Then the record
    is JSON and decodes to these (and its stamp and counters); else None, and it is decoded."""
    values: list[str] = []
    template = _IDENTITY
    size: i64 = len(identity)
    i: i64 = 0
    for j in range(len(template)):
        expected: i64 = template[j]
        if expected != VALUE:
            if i >= size or identity[i] != expected:
                return None
            i += 1
            continue
        start = i
        while i < size:
            byte: i64 = identity[i]
            if byte == 34:  # the closing quote
                break
            if byte < 32 or byte == 92:  # a control character or an escape
                return None
            i += 1
        try:
            values.append(identity[start:i].decode())
        except UnicodeDecodeError:
            return None
    return values if i == size else None
