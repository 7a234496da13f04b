"""The S/370 channel subsystem: I/O instructions, channel programs, the CSW and
I/O interruptions (GA22-7000, chapter 12 "Input/Output Operations" and chapter 13
"Input/Output Instructions").

Model and timing (deterministic, documented in docs/configuration.md):

- A device address is channel (bits 16-23 of the second-operand address) plus unit
  (bits 24-31). Channel 0 is a byte multiplexer, every other channel a block
  multiplexer; each device has its own subchannel.
- START I/O runs the whole channel program at once, inside the instruction: the
  channel fetches the CAW at X'48', walks the format-0 CCWs (command and data
  chaining, skip, SLI, PCI, IDAWs, TIC), moves data between storage and the device
  under the CAW's key, and makes the ending status pending as an I/O interruption
  *before the next instruction*. A program that issues SIO disabled and enables
  afterwards takes the interruption after the enabling instruction; an enabled one
  right after the SIO. No time passes on the channel, so runs are reproducible.
- The one exception is a command the device cannot finish yet (a console read with
  no line typed): the subchannel stays busy (SIO/TIO condition code 2) and the
  channel resumes the program between bursts of instructions when the device is
  ready (see ``poll``).
- A channel program that does not end within ``CHAIN_LIMIT`` commands (a loop
  such as a NOP command-chained to a TIC back to it, which a real channel runs
  until the program halts it) is suspended with its subchannel busy and resumed
  between bursts of instructions, ``CHAIN_LIMIT`` commands at a time, so the CPU
  (and every other virtual machine of CP) keeps running and HIO, HDV or CLRIO
  can end it. With the CPU in a wait it makes no progress: only an interruption
  from elsewhere ends such a wait.
- A CCW with the PCI flag suspends the program where it takes control, with
  the PCI interruption pending; it goes on when the CPU takes the interruption
  or issues SIO, TIO or TCH to it (``_raise_pci``).
- Following Hercules, SIO gives condition code 0 and reports the device's ending
  status (including a command reject on the first CCW) as an interruption. Errors
  the channel finds before it selects the device (an invalid CAW or first CCW) give
  SIO condition code 1 with the CSW stored, as the Principles of Operation says;
  SIOF makes them an interruption instead. A device that has status pending makes
  SIO store that status with busy in the CSW (condition code 1).

Devices never see main storage: the channel hands them bytes (``s370.devices.base``),
and every storage reference of a channel program is checked here. A channel program
that points outside the machine gets a program check in its CSW, never an exception
in the emulator.
"""
from __future__ import annotations

from .devices.base import (ATTENTION, BUSY, CE_DE, DEVICE_END, STATUS_MODIFIER,
                           UNIT_CHECK, UNIT_EXCEPTION, Device, is_control, is_read,
                           is_read_backward, is_sense, is_write)
from .errors import MachineError

CSW_ADDR, CAW_ADDR, CHANNEL_ID_ADDR = 0x40, 0x48, 0xA8
#: Commands a channel program runs in one go before it is suspended (a loop).
CHAIN_LIMIT = 4096

# CCW flags (format 0, byte 4).
CD, CC, SLI, SKIP, PCI, IDA = 0x80, 0x40, 0x20, 0x10, 0x08, 0x04

# Channel status (CSW byte 5).
CH_PCI = 0x80
CH_INCORRECT_LENGTH = 0x40
CH_PROGRAM_CHECK = 0x20
CH_PROTECTION_CHECK = 0x10
CH_CHAINING_CHECK = 0x01

#: Channel ID words stored by STIDC: type in bits 0-3 (1 byte multiplexer,
#: 2 block multiplexer).
BYTE_MULTIPLEXER_ID = 0x10000000
BLOCK_MULTIPLEXER_ID = 0x20000000


class _Check(Exception):
    """A channel-detected error: ``status`` is channel status, ``ccw`` the address
    of the CCW concerned (the CSW shows ``ccw + 8``)."""

    def __init__(self, status: int, ccw: int):
        super().__init__(status)
        self.status = status
        self.ccw = ccw


class _Group:
    """One command with its data-chained CCWs: ``segs`` are (CCW address, flags,
    data address, count); ``error`` a _Check met while fetching the next data-chained
    CCW, reported only if the transfer gets that far."""

    __slots__ = ("cmd", "segs", "error", "data", "data_error", "total", "pci")

    def __init__(self, cmd: int, segs: list, error: _Check | None):
        self.cmd = cmd
        self.segs = segs
        self.error = error
        self.total = segs[0][3] if len(segs) == 1 else sum(s[3] for s in segs)
        self.data = None
        self.data_error = 0
        #: address of the first of its CCWs with the PCI flag whose interruption
        #: is still to be raised, or None
        self.pci = next((s[0] for s in segs if s[1] & PCI), None)


class Subchannel:
    """A device's subchannel: its pending status (a CSW) and, while a command waits
    on the device, the channel program's position."""

    __slots__ = ("address", "device", "csw", "key", "held")

    def __init__(self, address: int, device: Device):
        self.address = address
        self.device = device
        self.csw: bytes | None = None      # status pending for an interruption
        self.key = 0                       # CAW key of the running program
        self.held: _Group | None = None    # command waiting on the device


class ChannelSubsystem:
    """All channels of one machine. The CPU sees ``pending`` (a list of subchannels
    with status pending, oldest first), ``take_interrupt``, ``busy``, ``advance`` and
    ``poll``; the I/O instructions call the methods named after them."""

    def __init__(self, storage):
        self.storage = storage
        self.subchannels: dict[int, Subchannel] = {}
        self.pending: list[Subchannel] = []
        self._async: list[Subchannel] = []
        self._looping: list[Subchannel] = []    # suspended after CHAIN_LIMIT commands
        self._pci_wait: list[Subchannel] = []   # suspended until their PCI is taken
        self.posted = 0             # statuses made pending so far (activity count)

    # ------------------------------------------------------------ configuration
    def attach(self, device: Device) -> None:
        """Put a device on its channel (replacing one at the same address)."""
        addr = device.address
        if not 0 <= addr <= 0xFFFF:
            raise MachineError(f"device address {addr:X} out of range")
        old = self.subchannels.get(addr)
        if old is not None:
            self.detach(addr)
        sc = Subchannel(addr, device)
        self.subchannels[addr] = sc
        if device.asynchronous:
            self._async.append(sc)

    def detach(self, addr: int) -> None:
        sc = self.subchannels.pop(addr, None)
        if sc is None:
            return
        sc.device.close()
        if sc in self.pending:
            self.pending.remove(sc)
        if sc in self._async:
            self._async.remove(sc)
        self._resumed(sc)

    def device(self, addr: int) -> Device | None:
        sc = self.subchannels.get(addr)
        return sc.device if sc else None

    def devices(self) -> list[Device]:
        return [sc.device for _, sc in sorted(self.subchannels.items())]

    def reset(self) -> None:
        """I/O system reset: programs stop, pending status is discarded; devices
        keep their media and positions."""
        self.pending.clear()
        self._looping.clear()
        self._pci_wait.clear()
        for sc in self.subchannels.values():
            if sc.held is not None:
                sc.device.end()
            sc.held = None
            sc.csw = None
            sc.device.reset()

    def close(self) -> None:
        for sc in self.subchannels.values():
            sc.device.close()

    # -------------------------------------------------------------- CPU hooks
    def take_interrupt(self, cpu) -> int | None:
        """Store the CSW of the oldest pending status whose channel the CPU is
        enabled for at X'40' and return its device address (None if all masked)."""
        for i, sc in enumerate(self.pending):
            if cpu.io_enabled(sc.address >> 8):
                del self.pending[i]
                self.storage.write(CSW_ADDR, sc.csw)
                sc.csw = None
                self._go_on(sc, cpu)            # the PCI was taken: the program goes on
                return sc.address
        return None

    def busy(self) -> bool:
        """Whether a channel program can make progress without outside input."""
        return any(sc.held is not None and sc.device.ready() for sc in self._async)

    def advance(self, cpu) -> None:
        self.poll(cpu)

    def poll(self, cpu) -> bool:
        """Between bursts: resume programs whose device became ready or that were
        suspended after CHAIN_LIMIT commands, and present attention from devices
        that raised it (the console's request key). Returns whether anything
        happened (a suspended loop that goes on does not count)."""
        done = False
        for sc in self._looping[:]:           # only an ending counts as something new
            self._looping.remove(sc)
            self._walk(sc, cpu)
            done = done or sc not in self._looping
        for sc in self._async:
            dev = sc.device
            if sc.held is not None:
                if dev.ready():
                    self._walk(sc, cpu)
                    done = True
            elif dev.attention and sc.csw is None:
                dev.attention = False
                self._post(sc, cpu, bytes((0, 0, 0, 0, ATTENTION, 0, 0, 0)))
                done = True
        return done

    # ------------------------------------------------------- I/O instructions
    def start_io(self, cpu, addr: int, fast: bool = False) -> int:
        """SIO (``fast`` False) and SIOF: condition code."""
        sc = self.subchannels.get(addr)
        if sc is None:
            return 3
        if sc.held is not None:
            self._go_on(sc, cpu)
            return 2
        mem = self.storage.mem
        if sc.csw is not None:
            self._store_pending(sc, BUSY)
            return 1
        caw = int.from_bytes(mem[CAW_ADDR:CAW_ADDR + 4], "big")
        sc.key = caw >> 28
        first = caw & 0xFFFFFF
        if caw & 0x0F000000:
            return self._initiation_check(sc, cpu, _Check(CH_PROGRAM_CHECK, first - 8), fast)
        if first & 7:       # the CSW names the invalid CCW address + 8 (GA22-7000,
            # "Contents of the CSW Command-Address Field")
            return self._initiation_check(sc, cpu, _Check(CH_PROGRAM_CHECK, first), fast)
        try:
            group = self._fetch_group(sc, first)
        except _Check as chk:
            return self._initiation_check(sc, cpu, chk, fast)
        sc.device.begin()
        self._walk(sc, cpu, group)
        return 0

    def _initiation_check(self, sc: Subchannel, cpu, chk: _Check, fast: bool) -> int:
        csw = self._csw(sc, chk.ccw + 8, 0, chk.status, 0)
        if fast:
            self._post(sc, cpu, csw)
            return 0
        self.storage.write(CSW_ADDR, csw)
        return 1

    def test_io(self, cpu, addr: int) -> int:
        """TIO: 0 available, 1 CSW stored (pending status cleared), 2 busy, 3 n/a."""
        sc = self.subchannels.get(addr)
        if sc is None:
            return 3
        if sc.held is not None:
            self._go_on(sc, cpu)
            return 2
        if sc.csw is not None:
            self._store_pending(sc, 0)
            return 1
        return 0

    def halt_io(self, cpu, addr: int) -> int:
        """HIO and HDV: a working device has its operation ended (CSW stored,
        condition code 1; device end follows as an interruption). On an idle
        device (nothing in progress, no status pending): condition code 1 with
        the status portion of the CSW (bytes 4-7) stored as zeros (GA22-7000
        "Halt I/O", condition-code table); with status pending: 0."""
        sc = self.subchannels.get(addr)
        if sc is None:
            return 3
        if sc.held is None:
            if sc.csw is not None:
                return 0
            self.storage.write(CSW_ADDR + 4, bytes(4))
            return 1
        self.storage.write(CSW_ADDR, self._terminate(sc))
        self._post(sc, cpu, self._csw(sc, 0, CE_DE, 0, 0))
        return 1

    def clear_io(self, cpu, addr: int) -> int:
        """CLRIO: end a working device's operation or clear its pending status,
        storing the CSW (condition code 1); 0 when the device was idle."""
        sc = self.subchannels.get(addr)
        if sc is not None and sc.held is not None:
            self.storage.write(CSW_ADDR, self._terminate(sc))
            return 1
        return self.test_io(cpu, addr)      # idle: pending status as TEST I/O takes it

    def test_channel(self, cpu, channel: int) -> int:
        """TCH: 0 available, 1 interruption pending on the channel, 2 working
        (a block multiplexer channel with a device working), 3 not operational."""
        subs = [sc for a, sc in self.subchannels.items() if a >> 8 == channel]
        if not subs:
            return 3
        if any(sc.csw is not None for sc in subs):
            cc = 1
        elif channel and any(sc.held is not None for sc in subs):
            cc = 2
        else:
            return 0
        for sc in subs:
            self._go_on(sc, cpu)
        return cc

    def store_channel_id(self, cpu, channel: int) -> int:
        """STIDC: the channel ID word at X'A8'."""
        if not any(a >> 8 == channel for a in self.subchannels):
            return 3
        word = BYTE_MULTIPLEXER_ID if channel == 0 else BLOCK_MULTIPLEXER_ID
        self.storage.write(CHANNEL_ID_ADDR, word.to_bytes(4, "big"))
        return 0

    # ------------------------------------------------------------------- IPL
    def ipl(self, addr: int) -> None:
        """The IPL channel program (GA22-7000, "Initial Program Loading"): a read of
        24 bytes into location 0 with command chaining and SLI, as if from a CCW at
        0, then the chained CCWs from location 8. Raises MachineError unless it ends
        with channel end and device end alone."""
        sc = self.subchannels.get(addr)
        if sc is None:
            raise MachineError(f"IPL device {addr:03X} is not in the configuration")
        self.storage.write(0, bytes((0x02, 0, 0, 0, CC | SLI, 0, 0, 24)))
        sc.key = 0
        sc.csw = None
        sc.held = None
        sc.device.begin()
        self._walk(sc, None, self._fetch_group(sc, 0))
        if sc.held is not None:
            looping = sc in self._looping
            self._terminate(sc)
            raise MachineError(f"IPL from {addr:03X} failed: " + (
                f"the channel program did not end within {CHAIN_LIMIT} commands" if looping
                else "the device is waiting for input"))
        csw = sc.csw
        if sc in self.pending:
            self.pending.remove(sc)
        sc.csw = None
        if csw is None or csw[4] != CE_DE or csw[5]:
            status = csw[4:6].hex().upper() if csw else "none"
            sense = bytes(sc.device.sense).hex().upper()
            raise MachineError(f"IPL from {addr:03X} failed: CSW status {status} sense {sense}")

    # ----------------------------------------------------------- the program
    def _walk(self, sc: Subchannel, cpu, group: _Group | None = None) -> None:
        """Run the channel program from ``group`` (or the held command) until it
        ends (status pending) or a command has to wait on the device."""
        dev = sc.device
        commands = 0
        while True:
            if group is None:
                group = sc.held
                sc.held = None
            commands += 1
            if commands > CHAIN_LIMIT:
                sc.held = group
                self._looping.append(sc)
                return
            if group.pci is not None and cpu is not None:
                if self._raise_pci(sc, cpu, group):
                    return
            cmd = group.cmd
            if group.data is None and (is_write(cmd) or is_control(cmd)):
                group.data, group.data_error = self._gather(sc, group)
            res = dev.execute(cmd, group.total, group.data if (is_write(cmd) or is_control(cmd)) else None)
            if res.pending:
                sc.held = group
                return
            status = res.status
            reading = is_read(cmd) or is_sense(cmd) or is_read_backward(cmd)
            if reading:
                data = res.data
                length = None if data is None else len(data)
            else:
                data = None
                length = res.length
            chan, ccw_next, residual, flags = self._account(sc, group, data, length, reading, cmd,
                                                            res.immediate, status)
            if chan or status & (UNIT_CHECK | UNIT_EXCEPTION | ATTENTION) or not flags & CC \
                    or not status & DEVICE_END:
                self._finish(sc, cpu, ccw_next, status, chan, residual)
                return
            ccw = ccw_next - 8
            nxt = ccw + (16 if status & STATUS_MODIFIER else 8)
            try:
                group = self._fetch_group(sc, nxt)
            except _Check as chk:
                self._finish(sc, cpu, chk.ccw + 8, CE_DE, chk.status, 0)
                return

    def _account(self, sc: Subchannel, group: _Group, data: bytes | None, length: int | None,
                 reading: bool, cmd: int, immediate: bool = False,
                 status: int = 0) -> tuple[int, int, int, int]:
        """After a command: move read data into storage and work out the channel
        status, the CSW's CCW address and residual count, and the flags of the last
        CCW used (its SLI and chaining flags decide what happens next). An
        immediate command used no data: residual = its count, no incorrect length.
        A read that ends with unit exception and no data (past the last card, a
        tape mark) is incorrect length unless SLI, residual = count (as Hercules
        presents it: the count did not match the zero bytes sent)."""
        chan = 0
        if (length is None and reading) or immediate:   # no data moved
            seg, used = 0, 0
            il = reading and not immediate and bool(status & UNIT_EXCEPTION)
        elif length is None:
            seg, used = len(group.segs) - 1, group.segs[-1][3]
            il = False
            if group.data_error and is_write(cmd):
                chan |= group.data_error
        else:
            seg, used = self._last_used(group, length)
            il = length != group.total
            if reading:
                chan |= self._scatter(sc, group, data, is_read_backward(cmd))
                if chan & CH_PROTECTION_CHECK:      # nothing stored
                    seg, used = 0, 0
            elif group.data_error and length > len(group.data):
                chan |= group.data_error
        ccw, flags, _, count = group.segs[seg]
        ccw_next, residual = ccw + 8, count - used
        if group.error is not None and (length is None or length >= group.total):
            # the count ran out with data chaining on: the next CCW was needed
            return chan | group.error.status, group.error.ccw + 8, 0, 0
        if il and not flags & SLI:
            chan |= CH_INCORRECT_LENGTH
        return chan, ccw_next, residual, flags

    @staticmethod
    def _last_used(group: _Group, length: int) -> tuple[int, int]:
        """(index of the last CCW the transfer used, bytes used in it)."""
        left = min(length, group.total)
        for i, (_, _, _, count) in enumerate(group.segs):
            if left <= count:
                return i, left
            left -= count
        return len(group.segs) - 1, group.segs[-1][3]

    def _raise_pci(self, sc: Subchannel, cpu, group: _Group) -> bool:
        """A CCW with the PCI flag takes control (GA22-7000 "Program-Controlled
        Interruption"): make the PCI interruption pending at once (CSW: that CCW's
        address + 8, unit status 0, channel status PCI, count 0) and suspend the
        program until the CPU takes the interruption (``take_interrupt``) or asks
        about the device (SIO, TIO, TCH: ``_go_on``). Both are events of the
        instruction stream, so a guest sees the same under CP as on the bare
        machine. Returns whether the program was suspended.
        A PCI still pending from an earlier CCW is not raised again: it joins the
        final status (``_finish``)."""
        ccw, group.pci = group.pci, None
        if sc.csw is not None:
            return False
        self._post(sc, cpu, self._csw(sc, ccw + 8, 0, CH_PCI, 0))
        sc.held = group
        self._pci_wait.append(sc)
        return True

    @staticmethod
    def _pci_pending(sc: Subchannel) -> bool:
        """The subchannel's pending status is an intermediate PCI interruption."""
        return sc.csw is not None and sc.csw[4] == 0 and sc.csw[5] == CH_PCI

    def _go_on(self, sc: Subchannel, cpu) -> None:
        """The CPU asked about a program suspended at a PCI (SIO, TIO or TCH found
        it working): it goes on, its PCI still pending."""
        if sc in self._pci_wait:
            self._pci_wait.remove(sc)
            self._walk(sc, cpu)

    def _resumed(self, sc: Subchannel) -> None:
        """Take a subchannel off the suspended lists (its program ended or was
        stopped)."""
        if sc in self._looping:
            self._looping.remove(sc)
        if sc in self._pci_wait:
            self._pci_wait.remove(sc)

    def _finish(self, sc: Subchannel, cpu, ccw_next: int, status: int, chan: int,
                residual: int) -> None:
        """The program ended: its status becomes pending, with a PCI interruption
        not yet taken merged into it."""
        if self._pci_pending(sc):
            chan |= CH_PCI
        sc.device.end()
        self._post(sc, cpu, self._csw(sc, ccw_next, status, chan, residual))

    def _terminate(self, sc: Subchannel) -> bytes:
        """HIO/CLRIO (or a failed IPL) on a working device: drop the held command;
        the CSW names it, with its whole count as residual."""
        ccw, _, _, count = sc.held.segs[0]
        sc.held = None
        self._resumed(sc)
        if self._pci_pending(sc):           # the program's pending PCI goes with it
            self.pending.remove(sc)
            sc.csw = None
        sc.device.end()
        sc.device.reset()
        return self._csw(sc, ccw + 8, 0, 0, count)

    def _csw(self, sc: Subchannel, ccw_next: int, status: int, chan: int, residual: int) -> bytes:
        return bytes((sc.key << 4, (ccw_next >> 16) & 0xFF, (ccw_next >> 8) & 0xFF,
                      ccw_next & 0xFF, status, chan, (residual >> 8) & 0xFF, residual & 0xFF))

    def _post(self, sc: Subchannel, cpu, csw: bytes) -> None:
        """Make ``csw`` the subchannel's pending status (an I/O interruption)."""
        sc.csw = csw
        self.posted += 1
        if sc not in self.pending:
            self.pending.append(sc)
        if cpu is not None:
            cpu.attn = True

    def _store_pending(self, sc: Subchannel, extra: int) -> None:
        """Store the pending status as the CSW (with ``extra`` unit status) and
        clear it: TIO, CLRIO, and SIO to a device with status pending."""
        csw = bytearray(sc.csw)
        csw[4] |= extra
        self.storage.write(CSW_ADDR, csw)
        sc.csw = None
        self.pending.remove(sc)

    # -------------------------------------------------------------- CCW fetch
    def _fetch_ccw(self, sc: Subchannel, a: int) -> bytes:
        """The 8 bytes of the CCW at ``a``, fetched under the CAW key."""
        if a & 7 or a + 8 > self.storage.size:
            raise _Check(CH_PROGRAM_CHECK, a)
        k = self.storage.keys[a >> 11]
        if sc.key and (k >> 4) != sc.key and k & 8:
            raise _Check(CH_PROTECTION_CHECK, a)
        self.storage.keys[a >> 11] = k | 4
        return bytes(self.storage.mem[a:a + 8])

    def _fetch_following(self, sc: Subchannel, a: int) -> tuple[int, bytes]:
        """The CCW at ``a`` after following a TIC (a TIC to a TIC is a program
        check): (its address, its bytes)."""
        ccw = self._fetch_ccw(sc, a)
        if ccw[0] & 0x0F == 0x08:
            target = int.from_bytes(ccw[1:4], "big")
            if target & 7:
                raise _Check(CH_PROGRAM_CHECK, a)
            nxt = self._fetch_ccw(sc, target)
            if nxt[0] & 0x0F == 0x08:
                raise _Check(CH_PROGRAM_CHECK, target)
            return target, nxt
        return a, ccw

    def _fetch_group(self, sc: Subchannel, a: int) -> _Group:
        """The command CCW at ``a`` with its data-chained CCWs."""
        a, ccw = self._fetch_following(sc, a)
        cmd = ccw[0]
        if cmd & 0x0F == 0:
            raise _Check(CH_PROGRAM_CHECK, a)
        segs = []
        error = None
        while True:
            flags, count = ccw[4], (ccw[6] << 8) | ccw[7]
            # a data address outside storage is found as the CCW is fetched,
            # before the device starts (as Hercules does; GA22-7000 "Invalid
            # Data Address" only says the location is not available)
            if flags & 0x03 or count == 0 or (
                    not flags & IDA and int.from_bytes(ccw[1:4], "big") >= self.storage.size):
                if not segs:
                    raise _Check(CH_PROGRAM_CHECK, a)
                error = _Check(CH_PROGRAM_CHECK, a)
                break
            segs.append((a, flags, int.from_bytes(ccw[1:4], "big"), count))
            if not flags & CD:
                break
            try:
                a, ccw = self._fetch_following(sc, a + 8)
            except _Check as chk:
                error = chk
                break
        return _Group(cmd, segs, error)

    # ---------------------------------------------------------- data transfer
    def _areas(self, sc: Subchannel, seg: tuple, n: int, write: bool, backward: bool,
               mark: bool = True):
        """Yield the real storage pieces (low address, length) holding the first
        ``n`` bytes of a CCW's data area, in transfer order, each within one 2K key
        block; key-checked under the CAW key. Raises _Check at the first bad one.
        ``mark`` False: only check (no reference or change bits set)."""
        ccw, flags, addr, _ = seg
        size = self.storage.size
        keys = self.storage.keys
        key = sc.key
        bits = (6 if write else 4) if mark else 0
        idaw_at = None
        if flags & IDA:
            if addr & 3:
                raise _Check(CH_PROGRAM_CHECK, ccw)
            idaw_at = addr
            addr = self._idaw(sc, ccw, idaw_at)
        while n > 0:
            if backward:
                room = (addr & 0x7FF) + 1
            else:
                room = 0x800 - (addr & 0x7FF)
            ln = min(n, room)
            lo = addr - ln + 1 if backward else addr
            if lo < 0 or lo + ln > size:
                raise _Check(CH_PROGRAM_CHECK, ccw)
            k = keys[lo >> 11]
            if key and (k >> 4) != key and (write or k & 8):
                raise _Check(CH_PROTECTION_CHECK, ccw)
            keys[lo >> 11] = k | bits
            yield lo, ln
            n -= ln
            if n <= 0:
                return
            if idaw_at is not None:
                idaw_at += 4
                addr = self._idaw(sc, ccw, idaw_at)
                if backward and (addr & 0x7FF) != 0x7FF or not backward and addr & 0x7FF:
                    raise _Check(CH_PROGRAM_CHECK, ccw)
            else:
                addr = lo - 1 if backward else lo + ln

    def _idaw(self, sc: Subchannel, ccw: int, at: int) -> int:
        """Fetch one IDAW (bit 0 must be zero; the address must exist)."""
        if at + 4 > self.storage.size:
            raise _Check(CH_PROGRAM_CHECK, ccw)
        k = self.storage.keys[at >> 11]
        if sc.key and (k >> 4) != sc.key and k & 8:
            raise _Check(CH_PROTECTION_CHECK, ccw)
        word = int.from_bytes(self.storage.mem[at:at + 4], "big")
        if word & 0x80000000 or word >= self.storage.size:
            raise _Check(CH_PROGRAM_CHECK, ccw)
        return word

    def _fast_area(self, sc: Subchannel, seg: tuple, n: int, bits: int) -> int | None:
        """The common case, without piecewise checks: key 0, no IDAWs, the area
        inside storage. Sets the blocks' reference (and change) bits and returns the
        start address; None when the general path must decide."""
        addr = seg[2]
        if sc.key or seg[1] & IDA or addr + n > self.storage.size or n <= 0:
            return None
        keys = self.storage.keys
        for blk in range(addr >> 11, ((addr + n - 1) >> 11) + 1):
            keys[blk] |= bits
        return addr

    def _gather(self, sc: Subchannel, group: _Group) -> tuple[bytes, int]:
        """The bytes a write or control command sends: (data, channel status of
        the storage error that cut them short, or 0)."""
        mem = self.storage.mem
        segs = group.segs
        if len(segs) == 1:
            fast = self._fast_area(sc, segs[0], segs[0][3], 4)
            if fast is not None:
                return bytes(mem[fast:fast + segs[0][3]]), 0
        out = bytearray()
        for seg in segs:
            try:
                for lo, ln in self._areas(sc, seg, seg[3], False, False):
                    out += mem[lo:lo + ln]
            except _Check as chk:
                return bytes(out), chk.status
        return bytes(out), 0

    @staticmethod
    def _read_areas(group: _Group, length: int):
        """Yield (CCW, bytes of the read it takes, offset in the data) for each
        data-chained CCW a read of ``length`` bytes stores into (skip flags
        honoured: those CCWs take their bytes without storing them)."""
        off = 0
        left = min(length, group.total)
        for seg in group.segs:
            if left <= 0:
                return
            n = min(left, seg[3])
            if not seg[1] & SKIP:
                yield seg, n, off
            off += n
            left -= n

    def _read_protected(self, sc: Subchannel, group: _Group, length: int,
                        backward: bool) -> bool:
        """Whether storing a read's ``length`` bytes would meet a protection check
        anywhere: then nothing is stored and the residual is the whole count (as
        Hercules does; GA22-7000 leaves the count unpredictable)."""
        for seg, n, _ in self._read_areas(group, length):
            try:
                for _ in self._areas(sc, seg, n, True, backward, mark=False):
                    pass
            except _Check as chk:
                return chk.status == CH_PROTECTION_CHECK
        return False

    def _scatter(self, sc: Subchannel, group: _Group, data: bytes, backward: bool) -> int:
        """Store a read's bytes across the data-chained CCWs (skip flags honoured;
        read backward stores downwards). Returns channel status of a storage error."""
        mem = self.storage.mem
        segs = group.segs
        if len(segs) == 1 and not backward and not segs[0][1] & SKIP:
            n = min(len(data), segs[0][3])
            fast = self._fast_area(sc, segs[0], n, 6)
            if fast is not None:
                mem[fast:fast + n] = data[:n]
                self.storage.written(fast, n)
                return 0
        if sc.key and self._read_protected(sc, group, len(data), backward):
            return CH_PROTECTION_CHECK
        if backward:
            data = data[::-1]
        for seg, n, pos in self._read_areas(group, len(data)):
            try:
                for lo, ln in self._areas(sc, seg, n, True, backward):
                    chunk = data[pos:pos + ln]
                    mem[lo:lo + ln] = chunk[::-1] if backward else chunk
                    self.storage.written(lo, ln)
                    pos += ln
            except _Check as chk:
                return chk.status
        return 0
