"""The guest machine as the command layer sees it, and a stand-in for the CP core.

CP commands need a small set of things from a virtual machine: its storage (read,
write, keys), registers and PSW, reset, a storage size change, IPL, running for a
budget of instructions, and the hand-off of console and unit-record I/O. This
module states that interface (``GuestMachine``) and implements it directly on a
bare ``s370.machine.Machine`` (``BareGuest``, ``s370vm cp --engine bare``): the
guest runs in supervisor state on its own CPU, and CP simulates its I/O
instructions and DIAGNOSE by replacing those handlers on that CPU only.
``CoreGuest`` (coreguest.py) offers the same methods on the CP core
(interpretive execution, shadow tables, assists).

Virtual I/O here is synchronous, the way CP's own unit-record simulation is: SIO
runs the whole channel program at once and makes the I/O interruption pending
(condition code 0). A console read with no line typed leaves the console busy;
the line the user types later completes it. Devices are the session's virtual
device blocks (``cp.commands.context.VDev``).
"""
from __future__ import annotations

import time
from typing import Callable, Protocol

from s370.ebcdic import to_ascii, to_ebcdic
from s370.errors import PGM_PRIVILEGED, PGM_SPECIFICATION, ProgramInterrupt, StateChange
from s370.machine import Machine

# CCW flags (GA22-7000, "Channel Command Word").
CD, CC, SLI, SKIP = 0x80, 0x40, 0x20, 0x10
# Unit and channel status.
ATTN, CE, DE, UC, UE = 0x80, 0x08, 0x04, 0x02, 0x01
PROGRAM_CHECK, PROTECTION_CHECK, INCORRECT_LENGTH = 0x20, 0x10, 0x40
CSW_ADDR, CAW_ADDR = 0x40, 0x48

#: Stop reasons returned by ``run``.
STOP_LIMIT, STOP_WAIT, STOP_READ, STOP_ADSTOP, STOP_TRACE, STOP_DISABLED, STOP_CHECK, STOP_CP = (
    "limit", "wait", "read", "adstop", "trace", "disabled-wait", "checkstop", "cp")


class GuestMachine(Protocol):
    """What the CP command layer needs from a virtual machine."""
    size: int
    gpr: list[int]
    fpr: list[int]
    cr: list[int]
    virt_seconds: float

    def read(self, addr: int, n: int) -> bytes: ...
    def write(self, addr: int, data: bytes) -> None: ...
    def key(self, addr: int) -> int: ...
    def get_psw(self) -> int: ...
    def set_psw(self, value: int) -> None: ...
    def reset(self, clear: bool = False) -> None: ...
    def set_storage(self, size: int) -> None: ...
    def ipl(self, vaddr: int) -> str | None: ...
    def run(self, budget: int) -> str: ...
    def console_input(self, line: str) -> bool: ...


class VirtualChannel:
    """The pending I/O interruptions of one guest, in the form the CPU's
    ``service()`` asks for (``pending``, ``take_interrupt``, ``busy``, ``poll``)."""

    def __init__(self):
        self.queue: list[tuple[int, bytes]] = []     # (device address, CSW)

    @property
    def pending(self) -> bool:
        return bool(self.queue)

    def post(self, dev: int, csw: bytes, cpu) -> None:
        self.queue.append((dev, csw))
        cpu.attn = True

    def take_interrupt(self, cpu) -> int | None:
        for i, (dev, csw) in enumerate(self.queue):
            if cpu.io_enabled(dev >> 8):
                del self.queue[i]
                cpu.mem[CSW_ADDR:CSW_ADDR + 8] = csw
                return dev
        return None

    def busy(self) -> bool:
        return False

    def advance(self, cpu) -> None:
        pass

    def poll(self, cpu) -> None:
        pass


class BareGuest:
    """A virtual machine run directly on a bare ``Machine`` (see module doc).

    ``devices`` maps a virtual address to the session's device block; ``output``
    receives console lines; ``diagnose`` is called for DIAGNOSE codes it does not
    handle itself (CP commands via X'08'); ``tracer`` (optional) is called before
    each instruction and may return a stop reason (TRACE, ADSTOP)."""

    def __init__(self, size: int, devices: dict, output: Callable[[str], None],
                 cp_command: Callable[[str], list[str]] | None = None, clock=time.time):
        self.devices = devices
        self.output = output
        self.cp_command = cp_command
        self.clock = clock
        self.virt_seconds = 0.0
        self.tracer = None
        self.pending_read: tuple | None = None     # (vaddr, ccw address, ccw) awaiting a line
        self.typeahead: list[str] = []
        self.stop_reason: str | None = None
        self._build(size)

    # ----------------------------------------------------------- machine
    def _build(self, size: int) -> None:
        self.machine = Machine(size)
        cpu = self.machine.cpu
        self.cpu = cpu
        self.size = size
        self.channel = VirtualChannel()
        cpu.channel = self.channel
        cpu.handlers = list(cpu.handlers)
        old_io = {op: cpu.handlers[op] for op in (0x9C, 0x9D, 0x9E, 0x9F)}
        guest = self

        def io_group(cpu_, m, p):
            return guest._io_instruction(cpu_, m, p, old_io[m[p]])
        for op in old_io:
            cpu.handlers[op] = io_group
        cpu.handlers[0x83] = self._diagnose
        # Translated blocks inline the table's instruction bodies and would skip
        # these per-CPU handlers: the stand-in runs instruction by instruction.
        cpu.use_blocks = False
        self.program_interrupts = 0
        take = cpu.program_interrupt

        def program_interrupt(code, ilc):       # counted for TRACE PROGRAM
            guest.program_interrupts += 1
            return take(code, ilc)
        cpu.program_interrupt = program_interrupt
        cpu.reset()

    @property
    def gpr(self) -> list[int]:
        return self.cpu.gpr

    @property
    def fpr(self) -> list[int]:
        return self.cpu.fpr

    @property
    def cr(self) -> list[int]:
        return self.cpu.cr

    def read(self, addr: int, n: int) -> bytes:
        if addr < 0 or addr + n > self.size:
            raise IndexError(addr)
        return bytes(self.cpu.mem[addr:addr + n])

    def write(self, addr: int, data: bytes) -> None:
        if addr < 0 or addr + len(data) > self.size:
            raise IndexError(addr)
        self.cpu.mem[addr:addr + len(data)] = data

    def key(self, addr: int) -> int:
        return self.cpu.skeys[addr >> 11] & 0xFE

    def get_psw(self) -> int:
        return self.cpu.psw

    def set_psw(self, value: int) -> None:
        self.cpu.load_psw(value)

    def reset(self, clear: bool = False) -> None:
        self.cpu.reset(clear=clear)
        self.channel.queue.clear()
        self.pending_read = None
        for d in self.devices.values():
            if d.unit is not None and d.unit.queue == "RDR":
                d.unit.reading, d.unit.read_pos = None, 0

    def set_storage(self, size: int) -> None:
        """DEFINE STORAGE: a new, cleared machine of that size (registers reset)."""
        self._build(size)

    @property
    def waiting_for_console(self) -> bool:
        return self.pending_read is not None

    # -------------------------------------------------------------- IPL
    def ipl(self, vaddr: int) -> str | None:
        """Simulated IPL from a virtual device (GA22-7000, "Initial Program
        Loading"): read 24 bytes to 0 with a command-chained READ, continue with
        the CCWs at 8 and 16, then load the PSW at 0 with the device address in
        bits 16-31 (and at X'BA'). Returns an error text, or None."""
        dev = self.devices.get(vaddr)
        if dev is None or dev.unit is None or dev.unit.queue != "RDR":
            return "DEVICE NOT IPLABLE"
        self.reset(clear=False)
        self.write(0, bytes.fromhex("02000000" "60000018"))
        status = self._channel_program(vaddr, dev, 0, key=0)
        if status is None or (status[0] & (UC | UE)) or status[1]:
            return "IPL I/O ERROR"
        dev.unit.close(dev.spool)           # the deck is consumed by the IPL
        mem = self.cpu.mem
        mem[2:4] = vaddr.to_bytes(2, "big")
        mem[0xBA:0xBC] = vaddr.to_bytes(2, "big")
        self.cpu.load_psw(int.from_bytes(mem[0:8], "big"))
        return None

    # -------------------------------------------------------------- run
    def run(self, budget: int) -> str:
        """Run up to ``budget`` instructions; returns why it stopped."""
        cpu = self.cpu
        t0 = time.perf_counter()
        done = 0
        self.stop_reason = None
        try:
            while done < budget:
                if cpu.checkstop:
                    return STOP_CHECK
                if cpu.wait:
                    if self.channel.pending or cpu.ext_pending:
                        cpu.attn = True
                        cpu.service()
                        if not cpu.wait:
                            continue
                    if not cpu.can_wake():
                        return STOP_DISABLED
                    return STOP_READ if self.pending_read else STOP_WAIT
                if self.tracer is not None:
                    stop = self.tracer(self)
                    if stop:
                        return stop
                    n = cpu.run(1)
                    after = getattr(self.tracer, "after", None)
                    if after is not None:
                        stop = after(self)
                        if stop:
                            done += n
                            return stop
                else:
                    n = cpu.run(min(budget - done, 20000))
                if n == 0 and not cpu.wait and not cpu.checkstop:
                    cpu.service()
                done += max(n, 1)
                if self.stop_reason:
                    return self.stop_reason
            return STOP_LIMIT
        finally:
            self.virt_seconds += time.perf_counter() - t0

    def stop(self, reason: str = STOP_CP) -> None:
        """Ask ``run`` to return after the current instruction."""
        self.stop_reason = reason
        self.cpu.attn = True

    # ------------------------------------------------------ console input
    def console_input(self, line: str) -> bool:
        """A line typed at the terminal for the guest: completes an outstanding
        console read, or waits as type-ahead. True if a read was completed."""
        if self.pending_read is None:
            self.typeahead.append(line)
            return False
        vaddr, ccw_addr, ccw = self.pending_read
        self.pending_read = None
        self._finish_read(vaddr, ccw_addr, ccw, to_ebcdic(line))
        return True

    def _finish_read(self, vaddr: int, ccw_addr: int, ccw: tuple, data: bytes) -> None:
        cmd, addr, flags, count = ccw
        n = min(len(data), count)
        self.cpu.mem[addr:addr + n] = data[:n]
        chs = 0 if (n == count or flags & SLI) else INCORRECT_LENGTH
        self.channel.post(vaddr, self._csw(ccw_addr + 8, CE | DE, chs, count - n), self.cpu)

    # ------------------------------------------------- I/O instructions
    @staticmethod
    def _csw(next_ccw: int, unit: int, chan: int, residual: int, key: int = 0) -> bytes:
        return bytes((key << 4, (next_ccw >> 16) & 0xFF, (next_ccw >> 8) & 0xFF, next_ccw & 0xFF,
                      unit, chan, (residual >> 8) & 0xFF, residual & 0xFF))

    def _io_instruction(self, cpu, m, p, fallback):
        """SIO/SIOF, TIO, HIO, TCH for the guest's virtual devices."""
        op = m[p]
        if m[p + 1] > 1 or op not in (0x9C, 0x9D, 0x9E, 0x9F):
            return fallback(cpu, m, p)
        if cpu.problem:
            raise ProgramInterrupt(PGM_PRIVILEGED)
        b2 = m[p + 2] >> 4
        addr = (((cpu.gpr[b2] if b2 else 0) + (((m[p + 2] & 15) << 8) | m[p + 3])) & 0xFFFFFF)
        vaddr = addr & 0xFFF
        dev = self.devices.get(vaddr)
        if op == 0x9F:                                  # TCH: channel available
            cpu.cc = 0
        elif dev is None:
            cpu.cc = 3
        elif op == 0x9C:                                # SIO / SIOF
            if self.pending_read and self.pending_read[0] == vaddr:
                cpu.cc = 2
            else:
                caw = int.from_bytes(cpu.mem[CAW_ADDR:CAW_ADDR + 4], "big")
                self._channel_program(vaddr, dev, caw & 0xFFFFFF, key=caw >> 28, post=True)
                cpu.cc = 0
        elif op == 0x9D:                                # TIO
            cpu.cc = 2 if (self.pending_read and self.pending_read[0] == vaddr) else 0
        else:                                           # HIO
            if self.pending_read and self.pending_read[0] == vaddr:
                self.pending_read = None
                cpu.cc = 1
                cpu.mem[CSW_ADDR + 4:CSW_ADDR + 6] = bytes((0, 0))
            else:
                cpu.cc = 0
        cpu.attn = True
        raise StateChange

    def _channel_program(self, vaddr: int, dev, ccw_addr: int, key: int = 0, post: bool = False):
        """Run a format-0 channel program against a virtual device. Returns
        (unit status, channel status) or None when it waits for console input."""
        mem = self.cpu.mem
        unit_status, chan_status, residual = CE | DE, 0, 0
        prev_cmd_chain = False
        for _ in range(10000):
            if ccw_addr & 7 or ccw_addr + 8 > self.size:
                chan_status = PROGRAM_CHECK
                break
            w = mem[ccw_addr:ccw_addr + 8]
            cmd, addr = w[0], int.from_bytes(w[1:4], "big")
            flags, count = w[4], int.from_bytes(w[6:8], "big")
            if cmd & 0x0F == 0x08:                      # TIC
                if prev_cmd_chain is False and _ == 0:
                    chan_status = PROGRAM_CHECK
                    break
                ccw_addr = addr
                continue
            if count == 0 or (addr + count > self.size and not flags & SKIP):
                chan_status = PROGRAM_CHECK
                break
            ccw_addr += 8
            result = dev.io(self, cmd, addr, count, flags, ccw_addr - 8, vaddr)
            if result is None:                          # console read pending
                return None
            unit_status, residual = result
            if unit_status & (UC | UE):
                break
            if residual and not flags & SLI and not flags & CD:
                chan_status = INCORRECT_LENGTH
                break
            if flags & CD:
                continue
            if not flags & CC:
                break
            prev_cmd_chain = True
        if post:
            self.channel.post(vaddr, self._csw(ccw_addr, unit_status, chan_status, residual, key),
                              self.cpu)
        return unit_status, chan_status

    # --------------------------------------------------------- DIAGNOSE
    def _diagnose(self, cpu, m, p):
        """DIAGNOSE (X'83', RS format): CP's services to the guest. X'08' runs a
        CP command; X'0C' gives date, time and CPU times; others are reported."""
        if cpu.problem:
            raise ProgramInterrupt(PGM_PRIVILEGED)
        rx, ry = m[p + 1] >> 4, m[p + 1] & 15
        b2 = m[p + 2] >> 4
        code = (((cpu.gpr[b2] if b2 else 0) + (((m[p + 2] & 15) << 8) | m[p + 3])) & 0xFFFF)
        if code == 0x08:
            self._diag_cp(cpu, rx, ry)
        elif code == 0x0C:
            addr = cpu.gpr[rx] & 0xFFFFFF
            if addr & 7:
                raise ProgramInterrupt(PGM_SPECIFICATION)
            now = self.clock()
            tm = time.localtime(now)
            virt = int(self.virt_seconds * 1e6)
            data = to_ebcdic(time.strftime("%m/%d/%y%H:%M:%S", tm)) + virt.to_bytes(8, "big") * 2
            cpu.store(addr, data)
        else:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        raise StateChange

    def _diag_cp(self, cpu, rx: int, ry: int) -> None:
        addr = cpu.gpr[rx] & 0xFFFFFF
        flags = (cpu.gpr[ry] >> 24) & 0xFF
        length = cpu.gpr[ry] & 0xFFFF
        if length > 132:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        text = to_ascii(cpu.fetch(addr, length)) if length else ""
        lines: list[str] = []
        rc = 0
        for cmd in text.split("\x85") if "\x85" in text else [text]:
            if self.cp_command is not None:
                out, code = self.cp_command(cmd)
                lines += out
                rc = code or rc
        if flags & 0x40:
            buf = cpu.gpr[(rx + 1) & 15] & 0xFFFFFF
            size = cpu.gpr[(ry + 1) & 15] & 0xFFFF
            data = b"".join(to_ebcdic(ln) + b"\x15" for ln in lines)    # X'15' ends each line
            cpu.store(buf, data[:size]) if size else None
            cpu.gpr[(ry + 1) & 15] = min(len(data), size) if len(data) <= size else len(data) - size
            cpu.cc = 1 if len(data) > size else 0
        else:
            for ln in lines:
                self.output(ln)
            cpu.cc = 0
        cpu.gpr[ry] = rc
