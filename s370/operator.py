"""The operator of a run: an operator script, or standard input as the console.

Script commands, one a line (``#`` starts a comment line):

  wait TEXT [SECONDS]   go on when TEXT appears in console output written since the
                        previous wait matched (default 120 s of real time; quote
                        TEXT, e.g. ``wait "END OF JOB" 600``, when it ends in a number
                        or needs leading/trailing blanks). A timeout, or a machine in
                        a wait state that nothing can end, fails the run.
  send [TEXT]           type a line at the console; ``send`` alone is the request
                        key (attention).
  ipl CUU               IPL again from a device (devices keep their state).
  devinit CUU FILE ...  give a device a new file and arguments.
  restart               the RESTART key.
  stop                  stop the CPU (the run ends when the script is done).
  quit                  end the run now.

Commands other than ``wait`` are carried out when the machine has *settled*, as a
person at the console would act: the CPU is in a wait state or stopped, the console
has a read waiting, or a million instructions have run since the previous command.
That keeps scripts independent of how fast a program reaches its first wait.
"""
from __future__ import annotations

import queue
import shlex
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from .config import parse_address
from .errors import MachineError
from .psw import format_psw

DEFAULT_TIMEOUT = 120.0
#: Instructions after which a command is carried out even if the CPU never waits.
SETTLE = 1_000_000
VERBS = ("wait", "send", "ipl", "devinit", "restart", "stop", "quit")


@dataclass
class Command:
    line: int
    verb: str
    text: str = ""              # wait: the text; send: the line
    timeout: float = DEFAULT_TIMEOUT
    address: int = 0
    args: tuple[str, ...] = ()


def parse_script(text: str, source: str = "<script>") -> list[Command]:
    """Parse an operator script; errors name the line."""
    out = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        verb, _, rest = line.strip().partition(" ")
        verb = verb.lower()
        try:
            out.append(_command(lineno, verb, rest, line))
        except (MachineError, ValueError) as exc:
            raise MachineError(f"{source} line {lineno}: {exc}") from None
    return out


def _command(lineno: int, verb: str, rest: str, line: str) -> Command:
    if verb == "wait":
        body = rest.strip()
        timeout = DEFAULT_TIMEOUT
        if not body:
            raise MachineError("wait needs a text to wait for")
        if body[0] in "\"'":
            words = shlex.split(body)
            text = words[0]
            if len(words) > 2:
                raise MachineError("wait takes a text and an optional number of seconds")
            if len(words) == 2:
                timeout = float(words[1])
        else:
            head, _, last = body.rpartition(" ")
            try:
                timeout = float(last)
                text = head.strip()
            except ValueError:
                text = body
        if not text:
            raise MachineError("wait needs a text to wait for")
        return Command(lineno, verb, text, timeout)
    if verb == "send":
        # everything after "send " is typed as it is (blanks included)
        text = line.lstrip()[5:] if len(line.lstrip()) > 4 else ""
        return Command(lineno, verb, text)
    words = shlex.split(rest)
    if verb == "ipl":
        if len(words) != 1:
            raise MachineError("ipl takes one device address")
        return Command(lineno, verb, address=parse_address(words[0]))
    if verb == "devinit":
        if len(words) < 2:
            raise MachineError("devinit takes a device address and a file")
        return Command(lineno, verb, address=parse_address(words[0]), args=tuple(words[1:]))
    if verb in ("restart", "stop", "quit"):
        if words:
            raise MachineError(f"{verb} takes no operands")
        return Command(lineno, verb)
    raise MachineError(f"unknown command {verb!r} (known: {' '.join(VERBS)})")


def load_script(path: str | Path) -> list[Command]:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise MachineError(f"cannot read script {path}: {exc.strerror}") from None
    return parse_script(text, str(path))


class ScriptOperator:
    """Carries out an operator script during ``Machine.run``. ``base_dir`` is where
    relative ``devinit`` files are found (the script's folder)."""

    def __init__(self, commands: list[Command], base_dir: Path | None = None,
                 clock=time.monotonic):
        self.commands = deque(commands)
        self.base_dir = base_dir
        self.clock = clock
        self.wait_started: float | None = None
        self.since = None               # cpu.count when the last command was done
        self.failure = ""

    def _settled(self, machine) -> bool:
        cpu = machine.cpu
        if cpu.wait or cpu.stopped:
            return True
        if machine.console is not None and machine.console.reading:
            return True
        if self.since is None:
            self.since = cpu.count
        return cpu.count - self.since >= SETTLE

    def poll(self, machine) -> str | None:
        """Do every command that can be done now; a verdict ends the run."""
        while self.commands:
            cmd = self.commands[0]
            if cmd.verb == "wait":
                if machine.console_log.find(cmd.text):
                    self._done(machine)
                    continue
                now = self.clock()
                if self.wait_started is None:
                    self.wait_started = now
                if now - self.wait_started > cmd.timeout:
                    return self._fail(machine, f"timed out after {cmd.timeout:g} s")
                return None
            if not self._settled(machine):
                return None
            self._done(machine)
            verdict = self._do(machine, cmd)
            if verdict:
                return verdict
        return None

    def idle(self, machine) -> str | None:
        """The machine cannot go on by itself: do what the script says next, or end
        the run (None: something was done, run on)."""
        before = len(self.commands)
        verdict = self.poll(machine)
        if verdict or len(self.commands) != before:
            return verdict
        if not self.commands:
            return "stopped" if machine.cpu.stopped else "wait"
        return self._fail(machine, "the machine is in a wait state that nothing can end "
                                   f"(PSW {format_psw(machine.cpu.psw)})")

    def _done(self, machine) -> None:
        self.commands.popleft()
        self.wait_started = None
        self.since = machine.cpu.count

    def _fail(self, machine, why: str) -> str:
        cmd = self.commands[0]
        lines = "\n".join("  " + ln for ln in machine.console_log.last_lines(10))
        self.failure = (f"script line {cmd.line}: wait for {cmd.text!r} failed: {why}\n"
                        f"last console lines:\n{lines}")
        return "failed"

    def _do(self, machine, cmd: Command) -> str | None:
        if cmd.verb == "send":
            machine.type_line(cmd.text)
        elif cmd.verb == "ipl":
            machine.ipl(cmd.address)
        elif cmd.verb == "devinit":
            args = list(cmd.args)
            if self.base_dir is not None and not Path(args[0]).is_absolute():
                args[0] = str(self.base_dir / args[0])
            machine.devinit(cmd.address, args)
        elif cmd.verb == "restart":
            machine.restart()
        elif cmd.verb == "stop":
            machine.cpu.stopped = True
        elif cmd.verb == "quit":
            return "quit"
        return None


class StdinOperator:
    """Standard input is the console: each line read is typed at it. The reader
    thread starts only when the console could use input, so a program that never
    reads the console never touches standard input."""

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stdin
        self.lines: queue.Queue = queue.Queue()
        self.thread: threading.Thread | None = None
        self.eof = False
        self.failure = ""

    def _start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._read, daemon=True)
            self.thread.start()

    def _read(self) -> None:
        try:
            for line in self.stream:
                self.lines.put(line.rstrip("\r\n"))
        except (OSError, ValueError):
            pass
        self.lines.put(None)

    def _feed(self, machine, line: str | None) -> bool:
        if line is None:
            self.eof = True
            return False
        machine.type_line(line)
        return True

    def poll(self, machine) -> str | None:
        if machine.console is not None and machine.console.reading:
            self._start()
        while self.thread is not None and not self.eof:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            self._feed(machine, line)
        return None

    def idle(self, machine) -> str | None:
        cpu = machine.cpu
        console = machine.console
        if console is None or self.eof or cpu.stopped:
            return "stopped" if cpu.stopped else "wait"
        if not (console.reading or (cpu.wait and cpu.io_enabled(console.address >> 8))):
            return "wait"
        self._start()
        return None if self._feed(machine, self.lines.get()) else "wait"
