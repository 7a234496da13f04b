"""The operator console: this process's own terminal, with prompt-toolkit.

A terminal like any telnet one (LOGON OPERATOR for the operator's commands),
plus line editing and history, completion of CP command names, and a status area
(bottom toolbar) showing CP READ / VM READ / RUNNING. Output from CP and the
guest appears above the prompt. The telnet server (cp/telnet.py) and the guests
run in the same asyncio loop. Ctrl-C is the attention key (stop the guest, CP
READ); Ctrl-D leaves (the user is disconnected, then the program ends).
"""
from __future__ import annotations

import asyncio
import contextlib
import signal

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import WordCompleter
from prompt_toolkit.filters import Condition
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.patch_stdout import patch_stdout

from .commands.registry import TABLE
from .service import intro, on_shutdown_signals, port_error
from .telnet import TelnetCP, run_guests
from .terminal import Terminal

COMMAND_WORDS = sorted({e.name for e in TABLE if e.name.isalpha()}
                       | {"RDR", "PRT", "PUN", "VIRTUAL", "STORAGE", "TIME", "USERS", "NAMES",
                          "FILES", "READER", "PRINTER", "PUNCH", "ASSIST", "SASSIST", "CPASSIST",
                          "STBYPASS", "PSW", "CAW", "CSW", "STATUS", "CLEAR", "RESET", "END"})


async def console_main(host, port: int, write=None, address: str = "127.0.0.1") -> int:
    """``write`` receives output lines (default: print above the prompt).
    The telnet server starts first: a port in use is an error (OSError), not a
    console without its terminals."""
    write = write or (lambda line: print(line, flush=True))
    term = Terminal(host, "GRAF 0C0", write)
    stop = asyncio.Event()
    telnet = None
    if port:
        telnet = TelnetCP(host, port, address)
        await telnet.start()
    runner = asyncio.ensure_future(telnet.run(stop) if telnet else run_guests(host, stop))
    tasks = [runner]
    session: PromptSession = PromptSession(
        history=InMemoryHistory(),
        completer=WordCompleter(COMMAND_WORDS, ignore_case=True, sentence=True),
        is_password=Condition(lambda: term.wants_password),
        bottom_toolbar=lambda: f" {term.name}   {term.state}",
    )

    def end_prompt() -> None:
        if session.app.is_running:
            session.app.exit(exception=EOFError())
    on_shutdown_signals(host, (signal.SIGTERM, signal.SIGHUP), end_prompt)
    with patch_stdout():
        for ln in intro(host, port, address):
            write(ln)
        try:
            while not host.shutdown:
                try:
                    line = await session.prompt_async("")
                except KeyboardInterrupt:
                    term.attention()
                    continue
                except EOFError:
                    break
                term.handle_line(line)
        finally:
            term.hangup()
            stop.set()
            host.wake()
            for t in tasks[1:]:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
    return 0


def run_console(host, port: int = 3270, address: str = "127.0.0.1") -> int:
    """Run the operator console (and telnet server) until Ctrl-D, SHUTDOWN or SIGTERM."""
    try:
        return asyncio.run(console_main(host, port, address=address))
    except OSError as exc:
        raise port_error(port, exc) from None
