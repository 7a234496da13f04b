"""I/O instructions (GA22-7000 chapter 13): SIO, SIOF, TIO, CLRIO, HIO, HDV, TCH,
STIDC. Each hands the device address (bits 16-31 of the second-operand address) or
the channel address (bits 16-23) to the channel subsystem (``s370.channel``) and sets
the condition code it returns; without a channel subsystem nothing is operational
(CC 3).

SIO, SIOF, HIO, HDV and CLRIO can make status pending, so they end with StateChange:
the run loop then looks for an enabled I/O interruption before the next instruction.
"""
from __future__ import annotations
from .table import instr

HELPERS = {}

DEVICE = "addr & 0xFFFF"
CHANNEL = "(addr >> 8) & 0xFF"


def _io(mnemonic: str, opcode: int, call: str, operand: str, state_change: bool):
    body = f"""
        ch = cpu.channel
        cpu.cc = 3 if ch is None else ch.{call.format(operand)}
"""
    if state_change:
        body += "        raise StateChange\n"
    return instr(mnemonic, opcode, "S", body, priv=True, cls="io")


INSTRUCTIONS = [
    _io("SIO", 0x9C00, "start_io(cpu, {}, False)", DEVICE, True),
    _io("SIOF", 0x9C01, "start_io(cpu, {}, True)", DEVICE, True),
    _io("TIO", 0x9D00, "test_io(cpu, {})", DEVICE, False),
    _io("CLRIO", 0x9D01, "clear_io(cpu, {})", DEVICE, True),
    _io("HIO", 0x9E00, "halt_io(cpu, {})", DEVICE, True),
    _io("HDV", 0x9E01, "halt_io(cpu, {})", DEVICE, True),
    _io("TCH", 0x9F00, "test_channel(cpu, {})", CHANNEL, False),
    _io("STIDC", 0xB203, "store_channel_id(cpu, {})", CHANNEL, False),
]
