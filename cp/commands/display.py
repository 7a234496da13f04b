"""DISPLAY and STORE: look at and change the virtual machine (VM/370 DMKCDB, DMKCDS).

Syntax follows the VM/370 HELP pages:

    Display [L|T|K]hexloc[-hexloc|:hexloc|.count|-END]  Greg[-reg|.count]  Yreg  Xreg  PSW  CAW  CSW
    STore [L]hexloc hexword...  |  Shexloc hexdata  |  Greg|Xreg|Yreg hexword...  |  Psw [hw1] hw2  |  STATUS

``L`` (or no prefix) shows storage in hex, ``T`` adds the EBCDIC translation, ``K``
shows storage keys. Storage addresses are rounded down to a fullword.
"""
from __future__ import annotations

from s370 import psw as pswmod
from s370.ebcdic import to_ascii

from .messages import parse_hex
from .registry import Context, command

HEX = set("0123456789ABCDEF")
#: Store-status save area (GA22-7000, "Store Status"): where STORE STATUS puts things.
STATUS_PSW, STATUS_FPR, STATUS_GPR, STATUS_CR = 0x100, 0x160, 0x180, 0x1C0




def _printable(data: bytes) -> str:
    s = to_ascii(data)
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
    try:
        first, last = _range(ctx, spec, 4, size)
    except ValueError:
        raise ctx.error(5, spec.upper()) from None
    if first >= size:
        raise ctx.error(160, f"{first:06X}")
    if last < first:
        raise ctx.error(5, spec.upper())
    last = min(last, size - 1)
    out = []
    if kind == "K":
        blk = first & ~0x7FF
        while blk <= last:
            out.append(f"{blk:06X} KEY = {guest.key(blk):02X}")
            blk += 0x800
        return out
    if kind == "T":
        a = first & ~0xF
        while a <= last:
            data = guest.read(a, 16) if a + 16 <= size else guest.read(a, size - a)
            words = " ".join(data[i:i + 4].hex().upper() for i in range(0, len(data), 4))
            out.append(f"{a:06X}  {words:<35}  *{_printable(data)}*")
            a += 16
        return out
    a = first & ~3
    while a <= last:
        n = min(16, ((last - a) // 4 + 1) * 4, size - a)
        data = guest.read(a, n)
        out.append(f"{a:06X}  " + " ".join(data[i:i + 4].hex().upper() for i in range(0, n, 4)))
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


def _reg_range(spec: str) -> tuple[int, int]:
    """``n``, ``n-m``, ``n:m``, ``n.count``, ``n-END`` or empty (all)."""
    t = spec.upper()
    if not t:
        return 0, 15
    for sep in ("-", ":"):
        if sep in t:
            a, b = t.split(sep, 1)
            return (regnum(a) if a else 0), (15 if b in ("", "END") else regnum(b))
    if "." in t:
        a, b = t.split(".", 1)
        first = regnum(a) if a else 0
        return first, first + max(parse_hex(b), 1) - 1
    r = regnum(t)
    return r, r


def _reg_lines(ctx: Context, guest, kind: str, spec: str) -> list[str]:
    try:
        first, last = _reg_range(spec)
    except ValueError:
        raise ctx.error(2, kind + spec.upper()) from None
    if kind == "Y":
        # FPRs are numbered 0, 2, 4, 6.
        if not spec:
            last = 6
        if first & 1 or first > 6 or last < first:
            raise ctx.error(2, kind + spec.upper())
        last = min(last, 6)
        return [f"FPR {r} = {guest.fpr[r] >> 32:08X} {guest.fpr[r] & 0xFFFFFFFF:08X}"
                for r in range(first, last + 1, 2)]
    if last < first:
        raise ctx.error(2, kind + spec.upper())
    last = min(last, 15)
    regs = guest.gpr if kind == "G" else guest.cr
    label = "GPR" if kind == "G" else "CR"
    out = []
    r = first
    while r <= last:
        end = min(r + 3, last)
        out.append(f"{label} {r:>2} = " + " ".join(f"{regs[i]:08X}" for i in range(r, end + 1)))
        r = end + 1
    return out


@command("DISPLAY")
def cmd_display(ctx: Context, args: list[str]) -> list[str]:
    guest = ctx.session.guest
    if not args:
        args = ["0"]
    out: list[str] = []
    for tok in args:
        t = tok.upper()
        if t in ("PSW", "P", "PS"):
            out.append(f"PSW = {pswmod.format_psw(guest.get_psw())}")
        elif t == "CAW":
            out.append(f"CAW = {guest.read(0x48, 4).hex().upper()}")
        elif t == "CSW":
            csw = guest.read(0x40, 8).hex().upper()
            out.append(f"CSW = {csw[:8]} {csw[8:]}")
        elif t[0] in "GXY":
            out += _reg_lines(ctx, guest, t[0], t[1:])
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


@command("STORE")
def cmd_store(ctx: Context, args: list[str]) -> list[str]:
    guest = ctx.session.guest
    if not args:
        raise ctx.error(26)
    t = args[0].upper()
    rest = args[1:]
    if t == "STATUS":
        if rest:
            raise ctx.error(2, rest[0].upper())
        _store_status(guest)
        return []
    if t in ("PSW", "P", "PS"):
        words = _hexwords(ctx, rest)
        if not 1 <= len(words) <= 2:
            raise ctx.error(26)
        old = guest.get_psw()
        new = (old & ~0xFFFFFFFF) | words[0] if len(words) == 1 else (words[0] << 32) | words[1]
        guest.set_psw(new)
        return []
    if not rest:
        raise ctx.error(26)
    if t[0] in "GX":
        try:
            r = regnum(t[1:]) if t[1:] else 0
        except ValueError:
            raise ctx.error(2, t) from None
        words = _hexwords(ctx, rest)
        if r + len(words) > 16:
            raise ctx.error(2, t)
        regs = guest.gpr if t[0] == "G" else guest.cr
        for i, w in enumerate(words):
            regs[r + i] = w
        if t[0] == "X" and hasattr(guest, "cpu"):
            guest.cpu.psw_changed()
        return []
    if t[0] == "Y":
        try:
            r = regnum(t[1:]) if t[1:] else 0
        except ValueError:
            raise ctx.error(2, t) from None
        words = _hexwords(ctx, rest)
        if r & 1 or r > 6 or r + len(words) > 8:
            raise ctx.error(2, t)
        halves = []
        for f in (0, 2, 4, 6):
            halves += [guest.fpr[f] >> 32, guest.fpr[f] & 0xFFFFFFFF]
        for i, w in enumerate(words):
            halves[r + i] = w
        for f in (0, 2, 4, 6):
            guest.fpr[f] = (halves[f] << 32) | halves[f + 1]
        return []
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
            raise ctx.error(160, f"{loc:06X}")
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
        raise ctx.error(160, f"{loc:06X}")
    guest.write(loc, b"".join(w.to_bytes(4, "big") for w in words))
    return []


def _store_status(guest) -> None:
    """STORE STATUS: PSW, registers into the save area in low storage."""
    guest.write(STATUS_PSW, guest.get_psw().to_bytes(8, "big"))
    guest.write(STATUS_FPR, b"".join(guest.fpr[f].to_bytes(8, "big") for f in (0, 2, 4, 6)))
    guest.write(STATUS_GPR, b"".join(r.to_bytes(4, "big") for r in guest.gpr))
    guest.write(STATUS_CR, b"".join(r.to_bytes(4, "big") for r in guest.cr))
