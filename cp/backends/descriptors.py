"""Descriptor tables: what a backend tells CP's generic commands about its machine.

SimH's simulator-control core knows no machine: EXAMINE, DEPOSIT and SHOW walk
each simulator's REG table (name, location, radix, width, bit fields) and DEVICE
table. CP's DISPLAY, STORE, QUERY, TRACE and ADSTOP do the same with the tables
here, so the commands hold no per-architecture code:

* ``Register``: one register or a numbered set of them (name, the DISPLAY/STORE
  operand that selects it, width, how to read and write it on a VM, how DISPLAY
  lays it out, and the bit-field layout that decodes it);
* ``BitLayout``: the bit fields of a register or a storage word (PSW, CSW, CCW,
  CR0; EFLAGS, segment and gate descriptors, page-table entries), decoded and
  encoded with ``bitstring`` (display and parsing work, never on the hot path);
* ``DeviceClass``: a class of virtual device (what QUERY and DEFINE name it);
* ``InstructionInfo``: what TRACE needs of the instruction at an address.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import bitstring


@dataclass(frozen=True)
class BitLayout:
    """Named bit fields of a ``width``-bit value, listed from the most
    significant bit down as (name, bits); a name of "" is a reserved field that
    decoding leaves out. ``derived`` adds values computed from the fields (an
    IA-32 descriptor's base is three fields put together)."""
    name: str
    width: int
    fields: tuple[tuple[str, int], ...]
    derived: tuple[tuple[str, Callable[[dict], int]], ...] = ()

    def __post_init__(self) -> None:
        total = sum(bits for _, bits in self.fields)
        if total != self.width:
            raise ValueError(f"{self.name}: fields cover {total} bits, not {self.width}")

    @property
    def _format(self) -> str:
        return ", ".join(f"uint:{bits}" for _, bits in self.fields)

    def decode(self, value: int) -> dict[str, int]:
        """The named fields of ``value`` (then the derived ones), in layout order."""
        raw = bitstring.Bits(uint=value & ((1 << self.width) - 1), length=self.width)
        out = {name: v for (name, _), v in zip(self.fields, raw.unpack(self._format)) if name}
        for name, fn in self.derived:
            out[name] = fn(out)
        return out

    def encode(self, **values: int) -> int:
        """The value with the named fields set (the others zero); ValueError for
        an unknown field or a value too wide for its field."""
        known = {name for name, _ in self.fields if name}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"{self.name} has no field {sorted(unknown)[0]}")
        return bitstring.pack(self._format, *(values.get(name, 0) if name else 0
                                              for name, _ in self.fields)).uint

    def describe(self, value: int) -> str:
        """``NAME=v`` for each field: one-bit fields as 0/1, wider ones in hex."""
        widths = dict(self.fields)
        parts = []
        for name, v in self.decode(value).items():
            bits = widths.get(name, 32)
            parts.append(f"{name}={v}" if bits == 1 else f"{name}={v:0{(bits + 3) // 4}X}")
        return " ".join(parts)


def hex_words(value: int, width: int) -> str:
    """A value as DISPLAY shows it: 32-bit words in hex, blank between them."""
    digits = f"{value:0{max(width // 4, 1)}X}"
    return " ".join(digits[i:i + 8] for i in range(0, len(digits), 8))


@dataclass(frozen=True)
class Register:
    """One register (``count`` 1) or a numbered set of them, as DISPLAY and STORE
    see it. ``read(vm, n)`` and ``write(vm, n, value)`` reach the VM's state
    (``write`` None: read-only); register numbers go 0, ``step``, 2*``step``, ...
    ``token`` is the operand that selects it: the whole operand for a single
    register (``aliases`` too), the first letter followed by a number or range
    for a set. ``label`` and ``number`` give DISPLAY's line: ``GPR  0 = ...``
    (``per_line`` registers a line), or ``names`` gives each register its own
    name (IA-32's EAX, ECX, ...). ``layout(vm, n, value)`` is the bit-field
    layout that decodes register ``n``'s value (it may depend on the value, as
    the S/370 PSW's does on the EC bit), None for none; ``show`` formats the value (default: hex
    words). ``role`` "status" marks the register CP's messages show (the S/370
    PSW in ``DISABLED WAIT PSW ...``)."""
    name: str
    token: str
    width: int
    read: Callable[[object, int], int]
    write: Callable[[object, int, int], None] | None = None
    count: int = 1
    step: int = 1
    per_line: int = 4
    label: str = ""
    number: str = "{:>2}"
    layout: Callable[[object, int, int], BitLayout | None] | None = None
    show: Callable[[int], str] | None = None
    role: str = ""
    aliases: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    @property
    def numbers(self) -> range:
        return range(0, self.count * self.step, self.step)

    @property
    def last(self) -> int:
        return (self.count - 1) * self.step

    def text(self, value: int) -> str:
        return self.show(value) if self.show is not None else hex_words(value, self.width)

    def decoded(self, vm, n: int, value: int) -> str | None:
        """Register ``n``'s ``value`` with its fields named and decoded, or None
        when it has no layout."""
        lay = self.layout(vm, n, value) if self.layout is not None else None
        return None if lay is None else f"{lay.name}: {lay.describe(value)}"

    def lines(self, vm, first: int, last: int) -> list[str]:
        """DISPLAY's lines for registers ``first`` to ``last``."""
        if self.count == 1:
            return [f"{self.name} = {self.text(self.read(vm, 0))}"]
        nums = [n for n in self.numbers if first <= n <= last]
        out = []
        for i in range(0, len(nums), self.per_line):
            group = nums[i:i + self.per_line]
            if self.names:
                out.append("  ".join(f"{self.names[n // self.step]} = {self.text(self.read(vm, n))}"
                                     for n in group))
            else:
                out.append(f"{self.label or self.name} {self.number.format(group[0])} = "
                           + " ".join(self.text(self.read(vm, n)) for n in group))
        return out


@dataclass(frozen=True)
class DeviceClass:
    """A class of virtual device: the name QUERY shows (CONS, RDR, DASD, SERIAL,
    ...) and the device types DEFINE and the directory may give it."""
    kind: str
    description: str
    types: tuple[str, ...] = ()


@dataclass(frozen=True)
class InstructionInfo:
    """What TRACE needs of one instruction: its mnemonic, length and bytes, the
    trace events it belongs to (``SVC``, ``IO``, ``PRIV``, ``BRANCH``), whether
    it loads the status register (S/370 LPSW: TRACE shows the new one) and, for
    an I/O instruction, the operation TRACE I/O names and the device address."""
    name: str
    length: int
    text: str
    events: frozenset = field(default_factory=frozenset)
    shows_status: bool = False
    io_name: str = ""
    device: int | None = None


def find_register(table: tuple[Register, ...], token: str) -> tuple[Register, str] | None:
    """The register an operand selects, with the rest of the operand (the
    number or range of a set): a single register by its token or an alias, a
    set by its token letter."""
    t = token.upper()
    for reg in table:
        if reg.count == 1 and (t == reg.token or t in reg.aliases):
            return reg, ""
    for reg in table:
        if reg.count > 1 and t[:1] == reg.token:
            return reg, t[1:]
    return None


def with_role(table: tuple[Register, ...], role: str) -> Register | None:
    for reg in table:
        if reg.role == role:
            return reg
    return None
