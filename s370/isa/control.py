"""Control instructions (GA22-7000 chapter 10). (Seed set; the full family follows.)"""
from .table import instr

HELPERS = {}

INSTRUCTIONS = [
    instr("LPSW", 0x82, "SI", """
        if addr & 7:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        cpu.load_psw(cpu.fd(addr))
        raise StateChange
    """, priv=True, layout="D1(B1)", cls="control"),
]
