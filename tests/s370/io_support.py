"""Shared harness for the channel and device tests: a machine with devices, channel
programs put in storage, I/O instructions executed one at a time by the CPU."""
from __future__ import annotations

from s370.devices.base import CE_DE, Device, Result
from s370.machine import Machine

CODE = 0x1000
PROGRAM = 0x100          # where channel programs go
IO_NEW_IA = 0x00F000     # the I/O new PSW: a disabled wait here
PGM_NEW_IA = 0xDEAD00


def machine(*devices: Device, size: int = 1 << 20) -> Machine:
    m = Machine(size)
    m.storage.mem[0x68:0x70] = (0x0002000000000000 | PGM_NEW_IA).to_bytes(8, "big")
    m.storage.mem[0x78:0x80] = (0x0002000000000000 | IO_NEW_IA).to_bytes(8, "big")
    for d in devices:
        m.attach(d)
    return m


def ccw(cmd: int, addr: int, flags: int, count: int) -> bytes:
    """A format-0 CCW."""
    return bytes((cmd,)) + addr.to_bytes(3, "big") + bytes((flags, 0)) + count.to_bytes(2, "big")


def channel_with(dev: Device):
    """A channel subsystem over 1M of storage with ``dev`` attached and no CPU
    (the device tests drive it directly): (channel subsystem, storage bytes)."""
    from s370.channel import ChannelSubsystem
    from s370.storage import Storage
    st = Storage(1 << 20)
    ch = ChannelSubsystem(st)
    ch.attach(dev)
    return ch, st.mem


def channel_start(ch, mem, addr: int, program: bytes, at: int = PROGRAM):
    """Put the CCWs at ``at``, the CAW at X'48', SIO, TIO: (SIO condition code, CSW)."""
    mem[at:at + len(program)] = program
    mem[0x48:0x4C] = at.to_bytes(4, "big")
    cc = ch.start_io(None, addr)
    # TEST I/O takes the ending status: condition code 1, CSW stored at X'40'.
    assert ch.test_io(None, addr) == 1
    return cc, bytes(mem[0x40:0x48])


def put(m: Machine, *ccws: bytes, at: int = PROGRAM, key: int = 0) -> None:
    """Store a channel program and point the CAW at it."""
    prog = b"".join(ccws)
    m.storage.mem[at:at + len(prog)] = prog
    m.storage.mem[0x48:0x4C] = ((key << 28) | at).to_bytes(4, "big")


def execute(m: Machine, code: str | bytes, psw: int = CODE) -> int:
    """Execute one instruction at X'1000' (BC mode, supervisor, disabled unless
    ``psw`` says otherwise) and return the condition code."""
    if isinstance(code, str):
        code = bytes.fromhex(code.replace(" ", ""))
    m.storage.mem[CODE:CODE + len(code)] = code
    m.cpu.load_psw(psw)
    m.cpu.run(1)
    return m.cpu.cc


def sio(m: Machine, dev: int, opcode: str = "9C00") -> int:
    return execute(m, f"{opcode}{dev:04X}")


def tio(m: Machine, dev: int) -> int:
    return execute(m, f"9D00{dev:04X}")


def csw(m: Machine) -> tuple[int, int, int, int, int]:
    """(key, CCW address, unit status, channel status, residual) from X'40'."""
    b = bytes(m.storage.mem[0x40:0x48])
    return b[0] >> 4, int.from_bytes(b[1:4], "big"), b[4], b[5], int.from_bytes(b[6:8], "big")


def run_io(m: Machine, dev: int, *ccws: bytes, at: int = PROGRAM, key: int = 0):
    """SIO a channel program (disabled) and collect its ending status with TIO
    (a program suspended at a PCI goes on when TIO finds it working): returns
    (SIO cc, CSW tuple)."""
    put(m, *ccws, at=at, key=key)
    cc = sio(m, dev)
    if cc == 0:
        if any(c[4] & 0x08 for c in ccws) and tio(m, dev) == 2:
            pass                        # it was waiting for its PCI to be taken
        assert tio(m, dev) == 1
    return cc, csw(m)


class Scripted(Device):
    """A test device: answers each command code from ``answers`` (a Result, or a
    callable (count, data) -> Result) and records what it was given."""

    devtype = 0x9999

    def __init__(self, address: int, answers: dict | None = None):
        super().__init__(address)
        self.answers = answers or {}
        self.calls: list[tuple[int, int, bytes | None]] = []
        self.begun = self.ended = 0

    def begin(self) -> None:
        self.begun += 1

    def end(self) -> None:
        self.ended += 1

    def command(self, cmd: int, count: int, data: bytes | None) -> Result:
        self.calls.append((cmd, count, data))
        ans = self.answers.get(cmd)
        if ans is None:
            return self.reject()
        return ans(count, data) if callable(ans) else ans


def echo_device(address: int = 0x181) -> Scripted:
    """Writes are accepted (length = count), reads return the bytes 00 01 02 ...
    of the count asked for, control X'07' succeeds."""
    return Scripted(address, {
        0x01: lambda n, d: Result(CE_DE),
        0x02: lambda n, d: Result(CE_DE, bytes(i & 0xFF for i in range(n))),
        0x07: Result(CE_DE),
    })
