"""The run report that ``run``, ``ipl`` and ``run --under-cp`` all print: final PSW,
registers, instruction count, MIPS and storage dumps, as text or one JSON object."""
from __future__ import annotations

import json

from s370.errors import MachineError


def parse_dump(spec: str) -> tuple[int, int]:
    """``ADDR.LEN`` in hex (as Hercules' ``r`` command) -> (address, length)."""
    try:
        a, _, n = spec.partition(".")
        addr, length = int(a, 16), int(n or "10", 16)
    except ValueError:
        raise MachineError(f"bad --dump {spec!r}: expected ADDR.LEN in hex, e.g. 200.40") from None
    if addr < 0 or length <= 0:
        raise MachineError(f"bad --dump {spec!r}")
    return addr, length


def hexdump(addr: int, data: bytes) -> list[str]:
    """Lines of 16 bytes: address, hex in words, EBCDIC rendering."""
    from s370.ebcdic import to_ascii
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off:off + 16]
        words = " ".join(chunk[i:i + 4].hex().upper() for i in range(0, len(chunk), 4))
        text = "".join(c if c.isprintable() else "." for c in to_ascii(chunk))
        lines.append(f"{addr + off:06X}  {words:<35}  *{text}*")
    return lines


def build(result, cpu, storage, dumps: list[tuple[int, int]], extra: dict | None = None) -> dict:
    """The report as a dict in the JSON layout the CLI promises."""
    out = {
        "stop": result.stop,
        "psw": f"{cpu.psw:016X}",
        "gpr": [f"{v:08X}" for v in cpu.gpr],
        "instructions": result.instructions,
        "storage": {},
    }
    for addr, length in dumps:
        out["storage"][f"{addr:X}"] = storage.read(addr, length).hex().upper()
    if extra:
        out.update(extra)
    return out


def emit(report: dict, seconds: float, as_json: bool) -> None:
    """Print the report."""
    if as_json:
        print(json.dumps(report))
        return
    psw = report["psw"]
    print(f"stop: {report['stop']}   PSW={psw[:8]} {psw[8:]}")
    gpr = report["gpr"]
    for row in range(0, 16, 4):
        print("  ".join(f"R{r:<2}={gpr[r]}" for r in range(row, row + 4)))
    n = report["instructions"]
    mips = n / seconds / 1e6 if seconds > 0 else 0.0
    print(f"instructions: {n}   seconds: {seconds:.3f}   MIPS: {mips:.2f}")
    for addr, hexdata in report["storage"].items():
        print(f"storage {addr}:")
        for line in hexdump(int(addr, 16), bytes.fromhex(hexdata)):
            print("  " + line)
    for key, value in report.items():
        if key not in ("stop", "psw", "gpr", "instructions", "storage"):
            print(f"{key}: {json.dumps(value)}")
