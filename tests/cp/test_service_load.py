"""Load (issue 16): 100 telnet sessions at once on 127.0.0.1 log on, run
commands and a guest each, and about half of them drop abruptly at random
points (mid-negotiation, mid-line, mid-output, while the guest runs). The
server survives, every other session keeps getting its answers within a bound,
every dropped user is DSC and reconnects. Bounded: a fixed seed, 100 sessions."""
import asyncio
import random
import time

from cp import defaults
from cp.commands.host import Host
from cp.directory import parse_directory
from cp.spool import Spool

from .telnet_support import IAC, IS, SB, SE, TTYPE, serving, strip

SESSIONS = 100
#: Seconds within which every CP answer must come under the whole load, and
#: every guest's answer (100 guests IPLed at once compile their code first).
#: The figures themselves (the slowest answers) are printed for the report.
BOUND = 3.0
GUEST_BOUND = 20.0
SEED = 16


def directory(n: int) -> str:
    users = "".join(f"USER U{i:03d} PW 1M 1M G\n CONSOLE 009 3215\n SPOOL 00C 2540 READER *\n"
                    f" SPOOL 00D 2540 PUNCH A\n SPOOL 00E 1403 A\n" for i in range(n))
    return users + "USER OPERATOR OPERATOR 1M 1M ABG\n CONSOLE 009 3215\n"


def make_host(tmp_path) -> Host:
    """The users' readers hold MONITOR and HELLO before the load starts (so
    the figures measure the service, not the disk's fsync at each logon)."""
    host = Host(parse_directory(directory(SESSIONS)), Spool(tmp_path),
                named_systems=defaults.named_systems())
    deck, hello = defaults.monitor_deck(), defaults.hello_cards()
    for i in range(SESSIONS):
        host.spool.create(f"U{i:03d}", "RDR", "SYSTEM", "PUN", deck, name="MONITOR", type="DECK")
        host.spool.create(f"U{i:03d}", "RDR", "SYSTEM", "PUN", hello, name="HELLO", type="PROGRAM")
    return host


class Session:
    """One asyncio telnet client; ``latencies`` is (CP answer times, guest answer times)."""

    def __init__(self, port: int, latencies: tuple):
        self.port = port
        self.latencies = latencies
        self.raw = b""

    async def open(self, ttype: bool = True) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        if ttype:
            self.writer.write(bytes((IAC, SB, TTYPE, IS)) + b"VT100" + bytes((IAC, SE)))

    def text(self) -> str:
        return strip(self.raw)

    async def ask(self, line: str, answer: str, guest: bool = False) -> None:
        """Send ``line``; wait (bounded) for one more ``answer``; note the time."""
        bound = GUEST_BOUND if guest else BOUND
        seen = self.text().count(answer)
        t0 = time.monotonic()
        self.writer.write(line.encode() + b"\r\n")
        while self.text().count(answer) <= seen:
            left = bound - (time.monotonic() - t0)
            assert left > 0, f"{answer!r} not within {bound} s after {line!r}:\n{self.text()[-500:]}"
            try:
                chunk = await asyncio.wait_for(self.reader.read(65536), left)
            except asyncio.TimeoutError:
                continue
            assert chunk, f"closed while waiting for {answer!r}"
            self.raw += chunk
        (self.latencies[1] if guest else self.latencies[0]).append(time.monotonic() - t0)

    def drop(self) -> None:
        self.writer.transport.abort()           # abrupt: no FIN handshake politeness


async def user(i: int, port: int, rng: random.Random, latencies: tuple, dropped: list) -> None:
    uid = f"U{i:03d}"
    s = Session(port, latencies)
    if rng.random() < 0.1:                      # a connection that dies mid-negotiation
        stray = Session(port, latencies)
        await stray.open(ttype=False)
        stray.writer.write(bytes((IAC, SB, TTYPE)))
        await asyncio.sleep(rng.random() * 0.2)
        stray.drop()
    await s.open()
    await s.ask(f"LOGON {uid} PW", "LOGON AT")
    await s.ask("Q USERS", " USERS, ")
    await s.ask("IPL 00C", "MONITOR:", guest=True)
    await s.ask(f"ECHO HELLO FROM {uid}", f"HELLO FROM {uid}", guest=True)
    how = rng.choice(["stay", "stay", "mid-line", "mid-output", "running", "idle"])
    if how == "stay":
        await s.ask("#CP Q TIME", "TIME IS")
        await s.ask("#CP LOGOFF", "LOGOFF AT")
        s.drop()
        return
    if how == "mid-line":
        s.writer.write(b"ECHO THIS LINE NEVER END")
    elif how == "mid-output":
        s.writer.write(b"#CP Q NAMES\r\n" * 20)
    elif how == "running":
        s.writer.write(b"RUN\r\n")
    await asyncio.sleep(rng.random() * 0.05)
    s.drop()
    dropped.append(uid)


async def reconnect(uid: str, port: int, latencies: tuple) -> None:
    s = Session(port, latencies)
    await s.open()
    await s.ask(f"LOGON {uid} PW", "RECONNECTED AT")
    await s.ask("Q USERS", " USERS, ")
    await s.ask("LOGOFF", "LOGOFF AT")
    s.drop()


async def load(port: int, host) -> dict:
    rng = random.Random(SEED)
    latencies: tuple[list, list] = ([], [])
    dropped: list[str] = []
    watcher = Session(port, latencies)          # someone who only works, all along
    await watcher.open()
    await watcher.ask("LOGON OPERATOR OPERATOR", "LOGON AT")
    t0 = time.monotonic()
    crowd = asyncio.gather(*(user(i, port, random.Random(rng.random()), latencies, dropped)
                             for i in range(SESSIONS)))
    watch: list[float] = []
    while not crowd.done():
        await watcher.ask("Q USERS", " USERS, ")
        watch.append(latencies[0][-1])
        await asyncio.sleep(0.05)
    await crowd
    peak = time.monotonic() - t0
    deadline = time.monotonic() + 10
    while any(not host.sessions[u].disconnected for u in dropped) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert all(host.sessions[u].disconnected for u in dropped)
    await asyncio.gather(*(reconnect(u, port, latencies) for u in dropped))
    return {"latencies": latencies, "watch": watch, "dropped": dropped, "seconds": peak}


def test_100_sessions_with_abrupt_disconnects(tmp_path, capsys):
    host = make_host(tmp_path)
    with serving(host) as port:
        result = asyncio.run(asyncio.wait_for(load(port, host), 240))
        assert host.errors == []
    cp_lat, guest_lat = (sorted(x) for x in result["latencies"])
    with capsys.disabled():
        print(f"\n[load] {SESSIONS} sessions, {len(result['dropped'])} dropped and reconnected; "
              f"{len(cp_lat)} CP answers: p99 {cp_lat[int(len(cp_lat) * 0.99)]:.2f} s, slowest "
              f"{cp_lat[-1]:.2f} s (watcher {max(result['watch']):.2f} s); {len(guest_lat)} guest "
              f"answers: slowest {guest_lat[-1]:.2f} s; crowd phase {result['seconds']:.1f} s")
    assert cp_lat[-1] < BOUND and guest_lat[-1] < GUEST_BOUND and result["dropped"]
    assert not host.sessions or all(s.userid == "OPERATOR" for s in host.sessions.values())
