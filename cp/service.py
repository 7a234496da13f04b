"""CP as a service: serving telnet terminals with no console of its own.

Started by a service manager, in a container or with ``nohup ... </dev/null``,
CP has no terminal to read: it keeps serving until a class A user's SHUTDOWN
or a SIGTERM/SIGINT, which shut down exactly as SHUTDOWN does (users logged off
BY SYSTEM, open spool files closed, the checkpoint lines logged). Operator
messages go to standard output, one line each, for the service's log.
docs/service.md shows a systemd unit.
"""
from __future__ import annotations

import asyncio
import signal
from typing import Callable

from .backends import MachineError
from .telnet import TelnetCP
from .terminal import BANNER


def intro(host, port: int, address: str = "127.0.0.1") -> list[str]:
    """The lines CP greets its operator with."""
    users = sum(1 for u in host.directory if not u.nolog)    # NOLOG ones ($SPOOL$) cannot log on
    lines = [BANNER, f"s370vm CP: {users} users in the directory."]
    if "GUEST1" in host.directory:
        lines.append("Try: LOGON GUEST1 (password GUEST), then IPL 00C to start the monitor guest.")
    if port:
        shown = "127.0.0.1" if address == "0.0.0.0" else address
        lines.append(f"Other terminals: telnet {shown} {port}")
    return lines


def on_shutdown_signals(host, signals: tuple, then: Callable[[], None]) -> None:
    """SIGTERM and friends shut CP down as SHUTDOWN does, then call ``then``
    (which ends whatever waits for input)."""
    from .commands.system import shut_down
    loop = asyncio.get_running_loop()

    def handle(signame: str) -> None:
        if not host.shutdown:
            host.operator(f"{signame} RECEIVED: SHUTDOWN")
            shut_down(host)
        then()
    for sig in signals:
        try:
            loop.add_signal_handler(sig, handle, sig.name)
        except (NotImplementedError, RuntimeError, ValueError):
            pass                # no signals here (another thread, or Windows)


async def service_main(host, port: int, write: Callable[[str], None] = print,
                       address: str = "127.0.0.1") -> int:
    """Serve until SHUTDOWN or a shutdown signal. Raises OSError when the
    telnet port cannot be had."""
    log = host.operator_echo = write
    telnet = TelnetCP(host, port, address)
    await telnet.start()
    for line in intro(host, telnet.port, address):
        log(line)
    log("CP RUNNING WITHOUT A CONSOLE; LOGON OPERATOR FROM A TERMINAL, SHUTDOWN TO STOP")
    stop = asyncio.Event()
    on_shutdown_signals(host, (signal.SIGTERM, signal.SIGINT, signal.SIGHUP), stop.set)
    await telnet.run(stop)
    return 0


def port_error(port: int, exc: OSError):
    """The one-line error for a telnet port that cannot be had."""
    import os
    why = os.strerror(exc.errno) if exc.errno else str(exc)
    return MachineError(f"cannot start the telnet server on port {port}: {why}")


def run_service(host, port: int, address: str = "127.0.0.1") -> int:
    """``s370vm cp --no-console``: ``service_main`` with output flushed line by line."""
    if not port:
        raise MachineError("without a console CP needs a telnet port (--port N, not 0)")
    try:
        return asyncio.run(service_main(host, port, lambda line: print(line, flush=True),
                                        address))
    except OSError as exc:
        raise port_error(port, exc) from None
