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

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import WordCompleter
from prompt_toolkit.filters import Condition
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.patch_stdout import patch_stdout

from .commands.registry import TABLE
from .telnet import TelnetCP, run_guests
from .terminal import BANNER, Terminal

COMMAND_WORDS = sorted({e.name for e in TABLE if e.name.isalpha()}
                       | {"RDR", "PRT", "PUN", "VIRTUAL", "STORAGE", "TIME", "USERS", "NAMES",
                          "FILES", "READER", "PRINTER", "PUNCH", "ASSIST", "SASSIST", "CPASSIST",
                          "STBYPASS", "PSW", "CAW", "CSW", "STATUS", "CLEAR", "RESET", "END"})


def intro(host, port: int) -> list[str]:
    lines = [BANNER, f"s370vm CP: {len(host.directory.users)} users in the directory."]
    if "GUEST1" in host.directory:
        lines.append("Try: LOGON GUEST1 (password GUEST), then IPL 00C to start the monitor guest.")
    if port:
        lines.append(f"Other terminals: telnet 127.0.0.1 {port}")
    return lines


async def console_main(host, port: int, write=None, tn3270_port: int = 0) -> int:
    """``write`` receives output lines (default: print above the prompt)."""
    write = write or (lambda line: print(line, flush=True))
    term = Terminal(host, "GRAF 0C0", write)
    stop = asyncio.Event()
    tasks = [asyncio.ensure_future(run_guests(host, stop))]
    if port:
        telnet = TelnetCP(host, port)
        t = asyncio.ensure_future(telnet.serve(stop=stop))

        def telnet_ended(task) -> None:
            if not task.cancelled() and task.exception() is not None:
                write(f"TELNET SERVER NOT STARTED ON PORT {port}: {task.exception()}")
        t.add_done_callback(telnet_ended)
        tasks.append(t)
    if tn3270_port:                     # 3270 terminals (cp/tn3270)
        from .tn3270.server import serve_beside
        tasks.append(asyncio.ensure_future(serve_beside(host, tn3270_port, write)))
    session: PromptSession = PromptSession(
        history=InMemoryHistory(),
        completer=WordCompleter(COMMAND_WORDS, ignore_case=True, sentence=True),
        is_password=Condition(lambda: term.wants_password),
        bottom_toolbar=lambda: f" {term.name}   {term.state}",
    )
    with patch_stdout():
        for ln in intro(host, port):
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
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
    return 0


def run_console(host, port: int = 3270, tn3270_port: int = 0) -> int:
    """Run the operator console (and telnet server) until Ctrl-D or SHUTDOWN."""
    try:
        return asyncio.run(console_main(host, port, tn3270_port=tn3270_port))
    except OSError as exc:
        from s370.errors import MachineError
        raise MachineError(f"cannot start the telnet server on port {port}: {exc.strerror}") from None
