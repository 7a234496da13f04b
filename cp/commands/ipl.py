"""IPL, BEGIN and SYSTEM (VM/370 modules DMKCFG, DMKCFC, DMKCPB), and how CP
reports a guest that stops (disabled wait, ADSTOP, trace stop)."""
from __future__ import annotations

from ..backends.descriptors import with_role
from ..directory import parse_vaddr
from .guest import STOP_ADSTOP, STOP_CHECK, STOP_DISABLED
from .messages import CPError, parse_hex
from .registry import Context, abbrev, command


def do_ipl(session, target: str, options: list[str], module: str = "CFG") -> list[str]:
    """IPL a device address or a named system; options are CLEAR/NOCLEAR/STOP and
    PARM text (the rest of the line, up to 64 bytes into R0 upward)."""
    clear = stop = False
    parm: str | None = None
    i = 0
    while i < len(options):
        o = options[i]
        if abbrev(o, "PARM", 4):
            parm = " ".join(options[i + 1:])
            break
        if abbrev(o, "CLEAR", 2):
            clear = True
        elif abbrev(o, "NOCLEAR", 3):
            clear = False
        elif abbrev(o, "STOP", 4):
            stop = True
        else:
            raise CPError(module, 3, o.upper())
        i += 1
    guest = session.guest
    refusal = guest.machine.ipl_refusal
    if refusal is not None:
        raise CPError(module, 450, f"VIRTUAL MACHINE NOT IN RUNNABLE STATE ({refusal})")
    t = target.upper()
    named = session.host.named_systems.get(t)
    try:
        vaddr = parse_vaddr(t) if named is None else None
    except ValueError:
        vaddr = None
    if named is None and vaddr is None:
        raise CPError(module, 2, t)
    session.running = False
    if named is not None:
        if clear or stop:
            raise CPError(module, 3, "CLEAR" if clear else "STOP")
        image, load, psw = named() if callable(named) else named
        guest.reset(clear=True)
        if load + len(image) > guest.size:
            raise CPError(module, 25)
        guest.write(load, image)
        set_status(guest, psw)
    else:
        if vaddr not in session.devices:
            raise CPError(module, 40, f"{vaddr:03X}")
        if clear:
            guest.reset(clear=True)
        err = guest.ipl(vaddr)
        if err is not None:
            raise CPError(module, 450, f"VIRTUAL MACHINE NOT IN RUNNABLE STATE ({err})")
    if parm is not None:
        guest.machine.ipl_parm(parm)
    session.ipled = True
    session.running = not stop
    return []


@command("IPL")
def cmd_ipl(ctx: Context, args: list[str]) -> list[str]:
    """``Ipl {vaddr [CLear|NOClear] [STOP] | systemname} [PARM text]``."""
    if not args:
        raise ctx.error(26)
    return do_ipl(ctx.session, args[0], args[1:], ctx.module)


@command("BEGIN")
def cmd_begin(ctx: Context, args: list[str]) -> list[str]:
    """``Begin [hexloc]``: resume the virtual machine (at hexloc if given)."""
    s = ctx.session
    if len(args) > 1:
        raise ctx.error(2, args[1].upper())
    if args:
        try:
            loc = parse_hex(args[0])
        except ValueError:
            raise ctx.error(5, args[0].upper()) from None
        if loc >= s.guest.size or loc >> 4 * s.guest.machine.address_digits:
            raise ctx.error(5, args[0].upper())
        s.guest.machine.set_pc(loc)
    s.ipled = True
    s.running = True
    return []


@command("SYSTEM")
def cmd_system(ctx: Context, args: list[str]) -> list[str]:
    """``SYStem {RESET|CLEAR|RESTART}``."""
    if len(args) != 1:
        raise ctx.error(26)
    s = ctx.session
    a = args[0]
    if abbrev(a, "CLEAR", 5):
        s.guest.reset(clear=True)
        s.running = False
        return ["STORAGE CLEARED - SYSTEM RESET"]
    if abbrev(a, "RESET", 5):
        s.guest.reset(clear=False)
        s.running = False
        return ["SYSTEM RESET"]
    if abbrev(a, "RESTART", 7):
        if not s.ipled:
            raise CPError("DSP", 450, "VIRTUAL MACHINE NOT IN RUNNABLE STATE")
        s.guest.machine.system_restart()
        s.running = True
        return []
    raise ctx.error(2, a.upper())


def report_stop(session, reason: str) -> None:
    """Tell the user why the guest stopped and put the terminal in CP READ (a
    trace stop was already announced by its trace line)."""
    session.running = False
    if reason == STOP_DISABLED:
        reg = status_register(session.guest)
        session.out(f"DMKDSP450W CP ENTERED; DISABLED WAIT {reg.name} "
                    f"{reg.text(reg.read(session.guest.vm, 0))}")
    elif reason == STOP_CHECK:
        why = session.guest.machine.stop_reason
        session.out("DMKDSP450W CP ENTERED; CHECK-STOP STATE" + (f" ({why.upper()})" if why else ""))
    elif reason == STOP_ADSTOP:
        machine = session.guest.machine
        session.out(f"ADSTOP AT {machine.pc():0{machine.address_digits}X}")


def status_register(guest):
    """The register CP's messages show (the descriptor table's "status" role:
    the PSW of a virtual 370)."""
    return with_role(guest.machine.registers, "status")


def set_status(guest, value: int) -> None:
    """Load the status register (a named system's entry PSW)."""
    guest.vm.set_register(status_register(guest).token, 0, value)
