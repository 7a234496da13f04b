"""The IA-32 virtual PC's network card under CP: the project's card
(ia32/devices/netcard.py, ports 300-30F, IRQ 10) on the VM's device bus, its
DMA confined to the guest's RAM, its cable a port of one of CP's virtual
switches (cp/vswitch.py's ``plug_card``). The IA-32 backend takes these as
its ``nic_types``, ``add_nic`` and ``couple_switch`` (DEFINE NIC, COUPLE ...
TO SYSTEM).
"""
from __future__ import annotations

from ia32.devices.netcard import BASE, IRQ, NetCard, NullBackend

from ..vswitch import plug_card
from .shared import MachineError

#: DEFINE NIC's TYPE choices on an IA-32 virtual machine
NIC_TYPES = ("NETCARD",)


class GuestDMA:
    """The guest's RAM as the card's DMA sees it: the first ``size`` bytes of the
    VM's physical memory, so no transfer reaches CP's area above it (a DMA
    address past the end sets the card's error bit, as on the bare machine)."""

    def __init__(self, memory, size: int):
        self.memory = memory
        self.size = size

    def read_bytes(self, address: int, length: int) -> bytes:
        return self.memory.read_bytes(address, length)

    def load(self, address: int, data: bytes) -> None:
        self.memory.load(address, data)


def add_nic(backend, address: int) -> None:
    """DEFINE NIC on an IA-32 VM: the card at ports 300-30F (one per VM: the
    card's ports are fixed; ``address`` is the name CP's commands use). A card
    detached before is put back (its ports stay on the bus)."""
    card = getattr(backend, "netcard", None)
    if card is None:
        vdev = backend.vdev
        card = NetCard(GuestDMA(backend.memory, backend.guest_size), vdev.pics.irq_line(IRQ))
        card.attach(vdev.bus)
        backend.netcard = card
    elif backend.netcard_address is not None:
        raise MachineError(f"ONE NETCARD PER VIRTUAL PC (AT {BASE:X})")
    backend.netcard_address = address


def remove_nic(backend, address: int) -> None:
    """DETACH: the card's cable is cut (the card stays, unplugged)."""
    card = getattr(backend, "netcard", None)
    if card is not None and backend.netcard_address == address:
        card.backend = NullBackend()
        backend.netcard_address = None


def couple_switch(backend, address: int, switch, name: str, mac: bytes, ip: bytes | None):
    """COUPLE ... TO SYSTEM: the card's cable to a new port of ``switch``."""
    card = getattr(backend, "netcard", None)
    if card is None or backend.netcard_address != address:
        raise MachineError(f"DEV {address:03X} NOT A NIC")
    return plug_card(card, switch, name, mac, ip)
