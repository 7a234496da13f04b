"""DIAL: a 3270 terminal given to a guest's virtual 3270 (VM/370's DMKDIA).

Before logon, ``DIAL userid [vaddr]`` at a 3270 connects the terminal to a
display device of a logged-on virtual machine (``SPECIAL vaddr 3270`` in its
directory entry, or ``DEFINE GRAF vaddr``): a ``Display3270`` on the VM's
channel (s370/devices/d3270.py). From then on the guest drives the terminal
with SIO and CCWs, as a local 3277/3278 on a 3272/3274: its writes reach the
screen as they are (checked on the display model first), its reads are answered
from the model, and every AID key the user presses is an attention interruption
from the device. The terminal is dropped when the virtual machine logs off or
the device goes away (``DROP FROM userid vaddr``, the logo screen again); a
terminal that disconnects leaves the device without a station (intervention
required).
"""
from __future__ import annotations

from ..commands.messages import CPError
from .guestscreen import GuestScreen


class DialledStation(GuestScreen):
    """A session's terminal as the station of a guest's ``Display3270``."""

    def __init__(self, session, device, vm, userid: str, vaddr: int):
        super().__init__(session)
        self.device, self.vm, self.userid, self.vaddr = device, vm, userid, vaddr
        self.on_key = self._attention
        device.station = self
        session.dialled = self

    def _attention(self) -> None:
        self.device.attention = True
        self.vm.cpu.attn = True
        self.session.host.wake()

    # the device's side (s370/devices/d3270.py)
    def write(self, command: int, data: bytes) -> bool:
        return self.put(command, data)

    def read(self, command: int) -> bytes:
        return self.get(command)

    def drop(self) -> None:
        """The guest's device went away: the terminal gets CP's logo screen back."""
        self.disconnect()
        session = self.session
        session.screen.logo()
        session.line(f"DROP FROM {self.userid} {self.vaddr:03X}")
        session.redraw()

    def disconnect(self) -> None:
        """The terminal went away (or was dropped): the device has no station."""
        if self.device.station is self:
            self.device.station = None
        if self.session.dialled is self:
            self.session.dialled = None


def dialled_count(host) -> int:
    return sum(1 for s in host.sessions.values() for d in _displays(s) if d[1].station is not None)


def _displays(session) -> list:
    """(vaddr, Display3270) of a session's virtual 3270s that have a data path."""
    vm = getattr(session.guest, "vm", None)
    if vm is None:
        return []
    out = []
    for vaddr in sorted(session.devices):
        if session.devices[vaddr].kind == "GRAF":
            dev = vm.channel.device(vaddr)
            if dev is not None and hasattr(dev, "station"):
                out.append((vaddr, dev))
    return out


def dial(term, userid: str, vaddr: int | None) -> list[str]:
    """``DIAL userid [vaddr]`` from the 3270 terminal ``term``."""
    host = term.host
    target = host.sessions.get(userid)
    if target is None:
        raise CPError("DIA", 45, userid)
    displays = _displays(target)
    if vaddr is not None:
        displays = [d for d in displays if d[0] == vaddr]
        if not displays:
            raise CPError("DIA", 40, f"{vaddr:03X}")
    free = [d for d in displays if d[1].station is None]
    if not free:
        raise CPError("DIA", 46, f"{vaddr:03X}" if vaddr is not None else "GRAF")
    vaddr, device = free[0]
    DialledStation(term.conn, device, target.guest.vm, target.userid, vaddr)
    device.attention = True             # the display is there: the guest may write to it
    target.guest.vm.cpu.attn = True
    host.operator(f"{term.name} DIALED TO {target.userid:<8} DIALED = {dialled_count(host):03d}")
    return [f"DIALED TO {target.userid} {vaddr:03X}"]
