"""Interpretive execution (s370/interp.py): which guest events end it, with which
intercept code and parameters, and what the machine does by itself."""
from __future__ import annotations

from s370.errors import PGM_PRIVILEGED
from s370.interp import (IC_EXTERNAL, IC_INSTRUCTION, IC_PROGRAM, IC_SLICE, IC_WAIT, Assist,
                         InterpretiveCPU, Pager)
from s370.isa import HANDLERS
from s370.storage import Storage

CODE = 0x1000


def cpu_with(code: str, psw: int = CODE) -> InterpretiveCPU:
    st = Storage(64 * 1024)
    data = bytes.fromhex(code.replace(" ", ""))
    st.mem[CODE:CODE + len(data)] = data
    cpu = InterpretiveCPU(st)
    cpu.load_psw(psw)
    return cpu


def test_hot_path_uses_the_bare_handlers():
    """Every handler except DIAGNOSE is the bare machine's own function object, so
    problem-state and unprivileged instructions cost exactly what they cost there."""
    cpu = cpu_with("")
    assert all(cpu.handlers[op] is HANDLERS[op] for op in range(256) if op != 0x83)
    assert cpu.privtrap is True


def test_privileged_instruction_in_virtual_supervisor_state_intercepts():
    """LR; SSM 0 -> instruction intercept carrying SSM's bytes; the LR ran (count
    1), the SSM did not (IA past it, not counted)."""
    cpu = cpu_with("1812 8000 0000")
    cpu.gpr[2] = 7
    ic = cpu.interpret(10)
    assert ic.code == IC_INSTRUCTION and ic.ins.mnemonic == "SSM"
    assert ic.ibytes == bytes.fromhex("80000000")
    assert cpu.gpr[1] == 7 and cpu.count == 1 and cpu.ia == CODE + 6
    assert cpu.sdesc.code == IC_INSTRUCTION and cpu.sdesc.last is ic


def test_privileged_instruction_in_virtual_problem_state_is_the_guests_exception():
    """In virtual problem state the machine recognises the privileged-operation
    exception itself (GA22-7000): a program intercept with code 2, ILC 2."""
    cpu = cpu_with("8000 0000", psw=0x0001000000000000 | CODE)
    ic = cpu.interpret(10)
    assert ic.code == IC_PROGRAM and ic.pgm == PGM_PRIVILEGED and ic.ilc == 2
    assert cpu.count == 1


def test_svc_and_diagnose_intercept():
    cpu = cpu_with("0A07")
    ic = cpu.interpret(10)
    assert ic.code == IC_INSTRUCTION and ic.ins.mnemonic == "SVC" and ic.ibytes == b"\x0a\x07"
    cpu = cpu_with("8312 0008")
    ic = cpu.interpret(10)
    assert ic.code == IC_INSTRUCTION and ic.ins.mnemonic == "DIAG"
    assert ic.ibytes == bytes.fromhex("83120008")


def test_program_interruption_intercepts_without_touching_guest_storage():
    """An operation exception: code 1, ILC 1; the guest's old/new PSWs are not
    swapped by the machine (CP reflects them)."""
    cpu = cpu_with("0000")
    ic = cpu.interpret(10)
    assert ic.code == IC_PROGRAM and ic.pgm == 1 and ic.ilc == 1
    assert bytes(cpu.mem[0x28:0x30]) == bytes(8)


def test_slice_end_and_wait():
    cpu = cpu_with("1812" * 8)
    ic = cpu.interpret(5)
    assert ic.code == IC_SLICE and cpu.count == 5 and cpu.ia == CODE + 10
    cpu = cpu_with("", psw=0x0002000000000000)
    assert cpu.interpret(5).code == IC_WAIT


def test_pending_enabled_external_interruption_is_a_request_for_cp():
    cpu = cpu_with("1812", psw=0x0100000000000000 | CODE)
    cpu.raise_external(0x0040)
    ic = cpu.interpret(5)
    assert ic.code == IC_EXTERNAL and cpu.count == 0
    assert bytes(cpu.mem[0x18:0x20]) == bytes(8)      # not delivered by the machine


class _Recorder(Assist):
    def __init__(self, name, completes):
        self.name, self.completes, self.seen = name, completes, []

    def try_instruction(self, cpu, ins, m, p):
        self.seen.append(ins.mnemonic)
        return ins.mnemonic in self.completes


def test_assists_are_tried_in_order_before_intercepting():
    """The state description's assists are asked in order; the first that
    completes the operation prevents the intercept; the rest are not asked."""
    a, b = _Recorder("stbypass", ()), _Recorder("vma", ("SSM",))
    cpu = cpu_with("8000 0000 B20D 0000")
    cpu.sdesc.assists = [a, b]
    ic = cpu.interpret(10)
    assert ic.ins.mnemonic == "PTLB"
    assert a.seen == ["SSM", "PTLB"] and b.seen == ["SSM", "PTLB"]
    assert cpu.count == 1


class _IdentityPager(Pager):
    def __init__(self):
        self.fills, self.stores = [], []

    def fill(self, cpu, va, write):
        self.fills.append(va)
        cpu.shadow[va >> 11] = (va & ~0x7FF) + 0x4000
        cpu.watch.add(0x4000 >> 11)
        return cpu.shadow[va >> 11]

    def table_store(self, cpu, block):
        self.stores.append(block)

    def dat_on(self, cpu):
        cpu.shadow.clear()


def test_dat_goes_through_the_shadow_table():
    """With the guest's DAT on, translation is a shadow-table lookup; a miss asks
    the pager once; a store into a watched (table) block is reported."""
    cpu = cpu_with("")
    pager = _IdentityPager()
    cpu.sdesc.pager = pager
    cpu.load_psw(0x0408000000000000 | CODE)
    assert cpu.dat
    assert cpu.translate(0x0123) == 0x4123
    assert cpu.translate(0x0456) == 0x4456
    assert pager.fills == [0x0123]
    cpu.translate(0x0010, write=True)
    assert pager.stores == [0x4000 >> 11]


def test_state_description_the_machine_cannot_run_is_a_validity_intercept():
    """DAT on with no pager (no shadow tables) or a V=F window: validity
    intercept, nothing executed (V=F windows are not built)."""
    from s370.interp import IC_VALIDITY
    cpu = cpu_with("1812", psw=0x0408000000000000 | CODE)
    assert cpu.interpret(5).code == IC_VALIDITY and cpu.count == 0
    cpu = cpu_with("1812")
    cpu.sdesc.mode = "V=F"
    assert cpu.interpret(5).code == IC_VALIDITY and cpu.count == 0
