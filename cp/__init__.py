"""CP: the control program that gives every logged-on user a virtual machine: a
System/370 or (MACHINE IA32, a stub for now) an IA-32 PC, on one core.

Core modules: system.py (System: users, dispatcher, spool, command hook),
vm.py (VirtualMachine), intercepts.py (guest exits -> handlers), dispatcher.py,
shadow.py (shadow translation tables), spoolport.py (the spool hand-off),
backends/ (what depends on the architecture: s370.py with s370_vio.py, virtual
I/O, and s370_diagnose.py, DIAGNOSE). The machine side is
s370/interp.py (interpretive execution).

Python API (stable; the CP user layer, the CLI and the benchmarks use it):

    from cp import System, SystemConfig
    system = System(config=None, spool=None)          # SystemConfig(slice, volumes, ...)
    vm = system.logon("USER1", storage=1 << 20,        # bytes, up to 16M, sparse
                      output=print,                    # console lines callback
                      machine="S370")                  # or "IA32" (cp.backends.MACHINES)
    vm.ipl(image=data, address=0, psw=None)            # core image; PSW from 0 unless given
    vm.ipl(device=0x190)                               # or IPL a virtual device
    result = vm.run(max_instructions=None)             # this VM alone -> s370.machine.RunResult
    result = system.run(max_instructions=None)         # all VMs, round-robin
    system.logoff("USER1")
    system.user("USER1") -> VirtualMachine             # MachineError if not logged on

  VirtualMachine:
    vm.userid, vm.machine, vm.backend (cp/backends/base.py), vm.cpu, vm.storage
    vm.register(token, n=0), vm.set_register(token, n, v)    (the descriptor tables)
    vm.psw (get/set 64-bit), vm.gpr(r=None), vm.set_gpr(r, v), vm.set_cr(r, v)  (S/370 names)
    vm.read_storage(addr, n), vm.write_storage(addr, data)       (DISPLAY / STORE)
    vm.begin(addr=None), vm.stop(), vm.external(code=0x40), vm.restart(),
    vm.machine_check(code)
    vm.state -> 'running' | 'wait' | 'stopped' | 'checkstop'
    vm.console_output = callable(str)    vm.console_type(line)    (the user's terminal)
    vm.attach(device), vm.detach(addr), vm.query_devices() -> [(addr, class, type)]
    vm.add_minidisk(addr, volume_device, start_cyl, cylinders, readonly=False)
    vm.add_unit_record('READER'|'PUNCH'|'PRINTER', addr)
    vm.counters (intercepts, simulated, reflected, shadow_builds, shadow_invalidations,
                 cp_cycles), vm.report() -> dict (with machine cycles)

  Spool hand-off (cp/spoolport.py SpoolPort): next_card(userid, addr), has_file(userid, addr),
    punch(userid, addr, card), print_line(userid, addr, line, command). The default
    MemorySpool has add_reader_file(userid, cards) and .punched / .printed.
  DIAGNOSE X'08' calls system.command_hook(vm, text) -> (lines, rc) when set.
"""
from __future__ import annotations
from .system import System, SystemConfig
from .vm import VirtualMachine

__all__ = ["System", "SystemConfig", "VirtualMachine"]
