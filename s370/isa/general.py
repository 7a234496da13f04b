"""General instructions (GA22-7000 chapter 7): fixed-point, logical, branching,
moves and compares, shifts, EXECUTE. (Seed set; the full family follows.)"""
from .table import instr

HELPERS = {}

INSTRUCTIONS = [
    instr("LR", 0x18, "RR", "R[r1] = R[r2]"),
    instr("AR", 0x1A, "RR", """
        r = s32(R[r1]) + s32(R[r2])
        R[r1] = r & 0xFFFFFFFF
        if -0x80000000 <= r <= 0x7FFFFFFF:
            cpu.cc = 0 if r == 0 else (1 if r < 0 else 2)
        else:
            cpu.cc = 3
            if cpu.pm & 8:
                raise ProgramInterrupt(PGM_FIXED_OVERFLOW)
    """),
    instr("L", 0x58, "RX", "R[r1] = cpu.fw(addr)"),
    instr("ST", 0x50, "RX", "cpu.sw(addr, R[r1])"),
    instr("BCR", 0x07, "RR", """
        if r1 & (8 >> cpu.cc) and r2:
            cpu.ia = R[r2] & 0xFFFFFF
    """, layout="M1,R2", cls="branch"),
    instr("BC", 0x47, "RX", """
        if r1 & (8 >> cpu.cc):
            cpu.ia = addr
    """, layout="M1,D2(X2,B2)", cls="branch"),
    instr("BCT", 0x46, "RX", """
        v = (R[r1] - 1) & 0xFFFFFFFF
        R[r1] = v
        if v:
            cpu.ia = addr
    """, cls="branch"),
    instr("SVC", 0x0A, "RR", "cpu.svc_interrupt(i)", layout="I", cls="svc"),
]
