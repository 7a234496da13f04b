"""DISPLAY and STORE: look at and change the virtual machine (VM/370 DMKCDB, DMKCDS).

Syntax follows the VM/370 HELP pages:

    Display [L|T|K]hexloc[-hexloc|:hexloc|.count|-END]  register [FIELDS] ...
    STore [L]hexloc hexword...  |  Shexloc hexdata  |  register hexword...  |  STATUS

``L`` (or no prefix) shows storage in hex, ``T`` adds the text translation (EBCDIC
on a 370), ``K`` shows storage keys. Storage addresses are rounded down to a
fullword. The registers are the backend's descriptor table
(cp/backends/descriptors.py): on a virtual 370 ``Greg[-reg|.count]``, ``Xreg``
(control registers), ``Yreg`` (floating point), ``PSW``, ``CAW``, ``CSW``, as in
VM/370; ``FIELDS`` after a register operand adds its bit fields, named and
decoded (PSW, CR0, CAW, CSW; on an IA-32 machine EFLAGS, CR0, the selectors).
"""
from __future__ import annotations

from ..backends import MachineError
from ..backends.descriptors import find_register
from .messages import parse_hex
from .registry import Context, abbrev, command

HEX = set("0123456789ABCDEF")


def _printable(machine, data: bytes) -> str:
    s = machine.to_text(data)
    return "".join(c if c.isprintable() and ord(c) < 128 else "." for c in s)


def _range(ctx: Context, spec: str, default_len: int, limit: int) -> tuple[int, int]:
    """Parse ``start[-end|:end|.count|-END]`` (start may be empty = 0, or the whole
    thing empty = all). Returns (first, last) inclusive."""
    tok = spec.upper()
    if tok == "":
        return 0, limit - 1
    for sep in ("-", ":"):
        if sep in tok:
            a, b = tok.split(sep, 1)
            first = parse_hex(a) if a else 0
            last = limit - 1 if b in ("", "END") else parse_hex(b)
            return first, last
    if "." in tok:
        a, b = tok.split(".", 1)
        first = parse_hex(a) if a else 0
        n = limit if b == "END" else parse_hex(b)
        return first, first + max(n, 1) - 1
    first = parse_hex(tok) & ~3              # a single location: its fullword
    return first, first + default_len - 1


def _storage_lines(ctx: Context, guest, kind: str, spec: str) -> list[str]:
    size = guest.size
    machine = guest.machine
    w = machine.address_digits
    try:
        first, last = _range(ctx, spec, 4, size)
    except ValueError:
        raise ctx.error(5, spec.upper()) from None
    if first >= size:
        raise ctx.error(160, f"{first:0{w}X}")
    if last < first:
        raise ctx.error(5, spec.upper())
    last = min(last, size - 1)
    out = []
    if kind == "K":
        step = machine.key_block
        if not step:                                    # no storage keys on this machine
            raise ctx.error(2, kind + spec.upper())
        blk = first & ~(step - 1)
        while blk <= last:
            out.append(f"{blk:0{w}X} KEY = {machine.storage_key(blk):02X}")
            blk += step
        return out
    if kind == "T":
        a = first & ~0xF
        while a <= last:
            data = guest.read(a, 16) if a + 16 <= size else guest.read(a, size - a)
            words = " ".join(data[i:i + 4].hex().upper() for i in range(0, len(data), 4))
            out.append(f"{a:0{w}X}  {words:<35}  *{_printable(machine, data)}*")
            a += 16
        return out
    a = first & ~3
    while a <= last:
        n = min(16, ((last - a) // 4 + 1) * 4, size - a)
        data = guest.read(a, n)
        out.append(f"{a:0{w}X}  " + " ".join(data[i:i + 4].hex().upper() for i in range(0, n, 4)))
        a += 16
    return out


def regnum(text: str) -> int:
    """A register number: decimal 0-15 or one hex digit 0-F."""
    t = text.upper()
    if t.isdigit() and int(t) <= 15:
        return int(t)
    if len(t) == 1 and t in HEX:
        return int(t, 16)
    raise ValueError(text)


def _reg_range(spec: str, top: int) -> tuple[int, int]:
    """``n``, ``n-m``, ``n:m``, ``n.count``, ``n-END`` or empty (all, to ``top``)."""
    t = spec.upper()
    if not t:
        return 0, top
    for sep in ("-", ":"):
        if sep in t:
            a, b = t.split(sep, 1)
            return (regnum(a) if a else 0), (top if b in ("", "END") else regnum(b))
    if "." in t:
        a, b = t.split(".", 1)
        first = regnum(a) if a else 0
        return first, first + max(parse_hex(b), 1) - 1
    r = regnum(t)
    return r, r


def _register_span(ctx: Context, reg, spec: str, token: str) -> tuple[int, int]:
    """The registers of a set an operand names (a single register: 0, 0)."""
    if reg.count == 1:
        return 0, 0
    try:
        first, last = _reg_range(spec, reg.last)
    except ValueError:
        raise ctx.error(2, token) from None
    if first % reg.step or first > reg.last or last < first:
        raise ctx.error(2, token)
    return first, min(last, reg.last)


@command("DISPLAY")
def cmd_display(ctx: Context, args: list[str]) -> list[str]:
    guest = ctx.session.guest
    machine = guest.machine
    if not args:
        args = ["0"]
    out: list[str] = []
    shown = None                        # the last register operand: (register, first, last)
    for tok in args:
        t = tok.upper()
        found = find_register(machine.registers, t)
        if abbrev(t, "FIELDS", 2) and shown is not None:
            reg, first, last = shown
            for n in (n for n in reg.numbers if first <= n <= last):
                line = reg.decoded(guest.vm, n, reg.read(guest.vm, n))
                if line is not None:
                    out.append(line)
            shown = None
            continue
        shown = None
        if found is not None:
            reg, spec = found
            first, last = _register_span(ctx, reg, spec, t)
            out += reg.lines(guest.vm, first, last)
            shown = (reg, first, last)
        elif t[0] in "LTK":
            out += _storage_lines(ctx, guest, t[0], t[1:])
        elif t[0] in HEX or t[0] in "-:.":
            out += _storage_lines(ctx, guest, "L", t)
        else:
            raise ctx.error(2, t)
    return out


def _hexwords(ctx: Context, toks: list[str]) -> list[int]:
    """Hexwords of STORE: up to 8 digits is one word (right-adjusted), 9 to 16
    digits two words."""
    words = []
    for t in toks:
        try:
            v = parse_hex(t)
        except ValueError:
            raise ctx.error(4, t.upper()) from None
        if len(t) > 16:
            raise ctx.error(4, t.upper())
        if len(t) > 8:
            words += [v >> 32, v & 0xFFFFFFFF]
        else:
            words.append(v)
    return words


def _store_register(ctx: Context, guest, reg, spec: str, token: str, words: list[int]) -> None:
    """STORE into registers: a single register takes up to as many words as it
    is wide, replacing its rightmost ones (``STORE PSW hw2`` keeps the first
    word); a set takes words into consecutive registers from the one named,
    each register as many words as it is wide (the S/370 FPRs two)."""
    vm = guest.vm
    per = max(reg.width // 32, 1)
    if reg.count == 1:
        if not 1 <= len(words) <= per:
            raise ctx.error(26)
        k = 32 * len(words)
        value = (reg.read(vm, 0) >> k << k) if k < reg.width else 0
        for w in words:
            k -= 32
            value |= w << k
        vm.set_register(reg.token, 0, value)
        return
    try:
        r = regnum(spec) if spec else 0
    except ValueError:
        raise ctx.error(2, token) from None
    start = (r // reg.step) * per
    if r % reg.step or r > reg.last or start + len(words) > reg.count * per:
        raise ctx.error(2, token)
    halves = []
    for n in reg.numbers:
        v = reg.read(vm, n)
        halves += [(v >> (32 * (per - 1 - i))) & 0xFFFFFFFF for i in range(per)]
    halves[start:start + len(words)] = words
    for i in range(start // per, (start + len(words) + per - 1) // per):
        value = 0
        for h in halves[i * per:(i + 1) * per]:
            value = value << 32 | h
        vm.set_register(reg.token, i * reg.step, value)


@command("STORE")
def cmd_store(ctx: Context, args: list[str]) -> list[str]:
    guest = ctx.session.guest
    machine = guest.machine
    if not args:
        raise ctx.error(26)
    t = args[0].upper()
    rest = args[1:]
    digits = machine.address_digits
    if t == "STATUS":
        if rest:
            raise ctx.error(2, rest[0].upper())
        try:
            machine.store_status()
        except MachineError:
            raise ctx.error(2, t) from None
        return []
    found = find_register(machine.registers, t)
    if found is not None and found[0].write is not None:
        if not rest and found[0].count > 1:
            raise ctx.error(26)
        _store_register(ctx, guest, found[0], found[1], t, _hexwords(ctx, rest))
        return []
    if not rest:
        raise ctx.error(26)
    if t[0] == "S":
        try:
            loc = parse_hex(t[1:])
        except ValueError:
            raise ctx.error(5, t) from None
        data = "".join(rest).upper()
        if any(c not in HEX for c in data):
            raise ctx.error(4, data)
        odd = len(data) % 2
        raw = bytes.fromhex(data[:len(data) - odd])
        if loc + len(raw) > guest.size:
            raise ctx.error(160, f"{loc:0{digits}X}")
        guest.write(loc, raw)
        if odd:
            raise ctx.error(4, data[-1])
        return []
    spec = t[1:] if t[0] == "L" else t
    try:
        loc = parse_hex(spec) & ~3
    except ValueError:
        raise ctx.error(5, t) from None
    words = _hexwords(ctx, rest)
    if loc + 4 * len(words) > guest.size:
        raise ctx.error(160, f"{loc:0{digits}X}")
    guest.write(loc, b"".join(w.to_bytes(4, "big") for w in words))
    return []
