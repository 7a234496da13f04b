"""DIAGNOSE: CP's paravirtual services to guests, as VM/370 provides them.

``DIAGNOSE Rx,Ry,code`` (X'83', RS format: Rx = R1, Ry = R3, code = the second-
operand address). The guest must be in virtual supervisor state (interpretive
execution already gave a privileged-operation exception otherwise); a code that
is not a multiple of 4 or not implemented gets the specification exception
VM/370 gives. Parameter addresses are guest-real and checked against the VM's
storage: a bad one is an addressing (or specification) exception in the guest,
never an access outside it.

Codes: X'00' extended identification, X'08' CP command (the ``System.command``
hook), X'0C' pseudo timer, X'10' release pages, X'18' standard DASD I/O, X'20'
general I/O, X'24' device type, X'58' 3270 console (display lines, full-screen
write and read), and X'100', s370vm's own: idle until an interruption or a
deadline (Denali's idle-with-timeout, the one paravirtual call VM/370 lacks;
docs/hypercalls.md). X'100' is the first of the codes VM/370 leaves to the
installation: "Codes X'00' through X'FC' are reserved for IBM use, and X'100'
through X'1FC' are reserved for users" (VM/370 R6 System Programmer's Guide,
GC20-1807-7, "DIAGNOSE Instruction in a Virtual Machine").
"""
from __future__ import annotations

import datetime

from s370.channel import CAW_ADDR, CSW_ADDR
from s370.devices.base import CE_DE
from s370.ebcdic import to_ascii, to_ebcdic
from s370.errors import PGM_ADDRESSING, PGM_SPECIFICATION, ProgramInterrupt

#: VM/370 Release 6 (the version byte DIAGNOSE X'00' reports).
VERSION = 0x06


def _spec():
    raise ProgramInterrupt(PGM_SPECIFICATION)


def _range(vm, addr: int, n: int) -> None:
    """Guest-real [addr, addr+n) must exist, else addressing exception."""
    if addr < 0 or n < 0 or addr + n > vm.storage.size:
        raise ProgramInterrupt(PGM_ADDRESSING)


def execute(vm, ibytes: bytes) -> None:
    """Perform one DIAGNOSE for ``vm`` (the instruction bytes as intercepted)."""
    cpu = vm.cpu
    R = cpu.gpr
    rx, ry = ibytes[1] >> 4, ibytes[1] & 15
    b2, d2 = ibytes[2] >> 4, ((ibytes[2] & 15) << 8) | ibytes[3]
    code = (d2 + (R[b2] if b2 else 0)) & 0xFFFFFF
    fn = CODES.get(code)
    if fn is None:
        _spec()
    fn(vm, rx, ry)


def diag_00(vm, rx: int, ry: int) -> None:
    """Extended identification: system name, version, version code, MCEL length,
    processor address, userid, program-product bit map, into Rx's buffer (up to
    Ry bytes; Rx doubleword aligned)."""
    R = vm.cpu.gpr
    addr, n = R[rx] & 0xFFFFFF, R[ry]
    if addr & 7:
        _spec()
    n = min(n, 40)
    _range(vm, addr, n)
    ident = (to_ebcdic("VM/370  ") + bytes((VERSION, 0xFF, 0, 0, 0, vm.cpu.cpu_address))
             + to_ebcdic(vm.userid.ljust(8)[:8]) + bytes(8) + bytes(10))
    vm.storage.mem[addr:addr + n] = ident[:n]


def diag_08(vm, rx: int, ry: int) -> None:
    """CP command: text at Rx, length in Ry's low bytes (up to 132). With X'40' in
    Ry's high byte the response goes to the buffer at R(x+1), length R(y+1); on
    return R(y+1) holds the response length (CC 1 and the excess when it did not
    fit) and Ry the command's return code. Otherwise the response goes to the
    virtual console."""
    cpu = vm.cpu
    R = cpu.gpr
    flags, n = R[ry] >> 24, R[ry] & 0xFFFFFF
    addr = R[rx] & 0xFFFFFF
    if n > 132:
        _spec()
    _range(vm, addr, n)
    text = to_ascii(bytes(vm.storage.mem[addr:addr + n]))
    lines: list[str] = []
    rc = 0
    for cmd in text.split("\x15") if text else [""]:
        out, code = vm.system.command(vm, cmd.strip())
        lines += out
        rc = rc or code
    cpu.cc = 0
    if flags & 0x40:
        if rx == 15 or ry == 15:
            _spec()
        buf, size = R[rx + 1] & 0xFFFFFF, R[ry + 1]
        resp = to_ebcdic("".join(line + "\n" for line in lines)).replace(b"\x25", b"\x15")
        _range(vm, buf, min(size, len(resp)))
        fit = resp[:size]
        vm.storage.mem[buf:buf + len(fit)] = fit
        if len(resp) > size:
            cpu.cc = 1
            R[ry + 1] = len(resp) - size
        else:
            R[ry + 1] = len(resp)
    else:
        for line in lines:
            vm.console_output(line)
    R[ry] = rc & 0xFFFFFFFF


def diag_0c(vm, rx: int, ry: int) -> None:
    """Pseudo timer: 32 bytes at Rx (doubleword aligned): date MM/DD/YY, time
    HH:MM:SS (EBCDIC), virtual and total CPU time in microseconds."""
    R = vm.cpu.gpr
    addr = R[rx] & 0xFFFFFF
    if addr & 7:
        _spec()
    _range(vm, addr, 32)
    now = datetime.datetime.now()
    used = vm.cpu.count          # one instruction = one microsecond (s370.timers)
    vm.storage.mem[addr:addr + 32] = (to_ebcdic(now.strftime("%m/%d/%y%H:%M:%S"))
                                      + used.to_bytes(8, "big") + used.to_bytes(8, "big"))


def diag_10(vm, rx: int, ry: int) -> None:
    """Release pages Rx through Ry (4K page addresses): their contents become
    zeros and CP gives the host memory back."""
    R = vm.cpu.gpr
    first, last = R[rx] & 0xFFFFFF, R[ry] & 0xFFFFFF
    if first & 0xFFF or last & 0xFFF or last < first:
        _spec()
    _range(vm, first, last - first + 4096)
    mem = vm.storage.mem
    n = last - first + 4096
    try:                        # sparse storage: punch a hole (shared anonymous map)
        import mmap
        mem.madvise(mmap.MADV_REMOVE, first, n)
    except (AttributeError, ValueError, OSError):
        pass
    if mem[first:first + n].count(0) != n:
        mem[first:first + n] = bytes(n)
    vm.shadow.invalidate("diag10")


def _sync_io(vm, device: int, ccw: int) -> int:
    """Run a channel program synchronously (CP waits for it): the CSW's unit and
    channel status, 0 when it ended with CE/DE alone; -1 no such device."""
    ch = vm.channel
    if ch.device(device) is None:
        return -1
    if ccw & 7:
        _spec()
    _range(vm, ccw, 8)
    mem = vm.storage.mem
    saved_caw, saved_csw = bytes(mem[CAW_ADDR:CAW_ADDR + 4]), bytes(mem[CSW_ADDR:CSW_ADDR + 8])
    mem[CAW_ADDR:CAW_ADDR + 4] = ccw.to_bytes(4, "big")
    sc = ch.subchannels[device]
    try:
        cc = ch.start_io(None, device)
        if cc == 0:
            while sc.held is not None and sc.device.ready():
                ch.poll(None)
            csw = sc.csw
            if sc in ch.pending:
                ch.pending.remove(sc)
            sc.csw = None
        else:
            csw = bytes(mem[CSW_ADDR:CSW_ADDR + 8]) if cc == 1 else None
    finally:
        mem[CAW_ADDR:CAW_ADDR + 4] = saved_caw
        mem[CSW_ADDR:CSW_ADDR + 8] = saved_csw
    if csw is None:
        return 0x10 << 8            # busy
    return 0 if (csw[4] == CE_DE and not csw[5]) else (csw[4] << 8) | csw[5]


def diag_18(vm, rx: int, ry: int) -> None:
    """Standard DASD I/O: device Rx, CCW chain at Ry; CC 0 done, CC 1 no such
    device, CC 2 error (R15 = unit and channel status)."""
    _io_diag(vm, rx, ry)


def diag_20(vm, rx: int, ry: int) -> None:
    """General I/O, synchronous: device Rx, CCWs at Ry; as X'18'."""
    _io_diag(vm, rx, ry)


def _io_diag(vm, rx: int, ry: int) -> None:
    cpu = vm.cpu
    R = cpu.gpr
    status = _sync_io(vm, R[rx] & 0xFFFF, R[ry] & 0xFFFFFF)
    if status < 0:
        cpu.cc = 1
    elif status:
        cpu.cc = 2
        R[15] = status
    else:
        cpu.cc = 0
        R[15] = 0


#: DIAGNOSE X'100' Rx: no deadline
NO_DEADLINE = 0xFFFFFFFF


def diag_100(vm, rx: int, ry: int) -> None:
    """Idle: wait, enabled for what the current PSW enables, until an
    interruption or ``Rx`` microseconds of the VM's clock (X'FFFFFFFF': no
    deadline; 0: only look). CP takes the VM off the CPU meanwhile and runs the
    others. An interruption that ends it is presented with the old PSW after the
    DIAGNOSE and CC 0 (one already pending: at once); the deadline ends it with
    CC 1. Unlike an enabled-wait PSW, the guest needs no wait loop, no clock
    comparator of its own, and its old PSW carries no wait bit."""
    cpu = vm.cpu
    backend = vm.backend
    timeout = cpu.gpr[rx]
    cpu.cc = 0
    if backend.pending_kind() is not None:
        return
    if timeout == 0:
        cpu.cc = 1
        return
    backend.idle_call(None if timeout == NO_DEADLINE else timeout)


_CLASS = {0x3215: 0x80, 0x2540: 0x20, 0x1403: 0x40, 0x3330: 0x04, 0x3350: 0x04}


def diag_24(vm, rx: int, ry: int) -> None:
    """Device type: Rx = device address (or -1: the virtual console, whose address
    is returned in Rx). Ry gets the virtual class, type, status, flags; R(y+1) the
    real class, type, model, features. CC 3 when the device does not exist."""
    cpu = vm.cpu
    R = cpu.gpr
    addr = R[rx]
    if addr == 0xFFFFFFFF:
        addr = vm.console_address
        R[rx] = addr
    dev = vm.channel.device(addr & 0xFFFF)
    if dev is None:
        cpu.cc = 3
        return
    vtype = _CLASS.get(dev.devtype, 0)
    word = (vtype << 24) | ((dev.devtype & 0xFF) << 16)
    R[ry] = word
    if ry < 15:
        R[ry + 1] = word
    cpu.cc = 0


#: DIAGNOSE X'58' CCW command codes: display lines, full-screen write and read.
DISPLAY_LINES, FULL_WRITE, FULL_READ = 0x19, 0x29, 0x2A
#: at most this many CCWs in one DIAGNOSE X'58' chain
MAX_DIAG58_CCWS = 256


def diag_58(vm, rx: int, ry: int) -> None:
    """3270 virtual console interface (VM/370 R6 *System Programmer's Guide*,
    "DIAGNOSE Code X'58'"; the full-screen codes as VM/SP's guide gives them):
    a chain of CCWs at Rx (command-chained with X'40'), Ry the console address.

    * X'19' display: the data (EBCDIC, at most 1760 bytes) from output line
      ``ctl`` (the CCW's byte 5, bits 2-7); ctl bit 0 erases the output area
      first; X'FF' clears the output area; X'FE' erases the screen and rewrites
      CP's format (and ends full-screen mode).
    * X'29' full-screen write: the data is a WCC, orders and text; ctl X'80'
      makes it an Erase/Write. The screen belongs to the guest until CP
      writes to it again (a console line, PA1, CP READ), then CP redraws its own.
    * X'2A' full-screen read: ctl X'80' Read Modified (the AID key the user
      pressed, cursor and modified fields), else Read Buffer, into the data
      area; the CSW at X'40' gets CE+DE and the residual count.

    The user's AID key during full-screen mode is an attention interruption
    from the console (the guest answers it with X'2A'). On a line-mode terminal
    X'19' types its data as a line and X'29'/X'2A' end with CC 1 (I/O error);
    CC 1 too for a write the 3270 would reject. The terminal side is the
    object ``vm.display()`` returns (cp/tn3270/fullscreen.py), None for a line
    terminal. Other write commands (X'01', X'09') type a line, as on a 3215."""
    cpu = vm.cpu
    R = cpu.gpr
    addr = R[rx] & 0xFFFFFF
    finder = getattr(vm, "display", None)
    port = finder() if finder is not None else None
    cpu.cc = 0
    for _ in range(MAX_DIAG58_CCWS):
        if addr & 7:
            _spec()
        _range(vm, addr, 8)
        ccw = bytes(vm.storage.mem[addr:addr + 8])
        cmd, ctl = ccw[0], ccw[5]
        data, count = int.from_bytes(ccw[1:4], "big"), int.from_bytes(ccw[6:8], "big")
        _range(vm, data, count)
        if not _diag58_ccw(vm, port, cmd, ctl, data, count, R[ry] & 0xFFFF):
            cpu.cc = 1
            return
        if not ccw[4] & 0x40:
            return
        addr += 8


def _diag58_ccw(vm, port, cmd: int, ctl: int, data: int, count: int, device: int) -> bool:
    """One DIAGNOSE X'58' CCW; False for an I/O error."""
    mem = vm.storage.mem
    text = bytes(mem[data:data + count])
    if cmd == DISPLAY_LINES and port is not None:
        if ctl == 0xFF:
            port.clear_output()
        elif ctl == 0xFE:
            port.restore()
        else:
            port.display(ctl & 0x3F, text[:1760], bool(ctl & 0x80))
        return True
    if cmd == FULL_WRITE:
        dev = vm.channel.device(device)
        if port is None or dev is None:
            return False

        def attention(dev=dev) -> None:     # the user pressed an AID key
            dev.attention = True
            vm.cpu.attn = True
        return port.write(bool(ctl & 0x80), text, attention)
    if cmd == FULL_READ:
        if port is None:
            return False
        got = port.read(bool(ctl & 0x80))[:count]
        mem[data:data + len(got)] = got
        residual = count - len(got)
        mem[CSW_ADDR:CSW_ADDR + 8] = bytes((0, 0, 0, 0, CE_DE, 0, residual >> 8, residual & 0xFF))
        return True
    if cmd & 3 == 1:
        vm.console_output(to_ascii(text))
    return True


CODES = {0x00: diag_00, 0x08: diag_08, 0x0C: diag_0c, 0x10: diag_10, 0x18: diag_18,
         0x20: diag_20, 0x24: diag_24, 0x58: diag_58, 0x100: diag_100}
