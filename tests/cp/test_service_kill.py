"""Crash safety (issue 16): CP killed with SIGKILL at random moments while
users close spool files; after each kill every file CP had acknowledged
(``CON FILE nnnn TO user``) is there, whole, with its content, and CP starts
again on the same data folder. Rounds: few in the ci profile, more in thorough."""
import os
import random
import re
import signal
import threading
import time

from cp.spool import Spool
from s370.ebcdic import to_ascii

from .telnet_support import Client, CPProcess, free_port

ROUNDS = {"ci": 2, "thorough": 12}.get(os.environ.get("HYPOTHESIS_PROFILE", ""), 4)
USERS = ("GUEST1", "GUEST2", "GUEST3")
ACK = re.compile(r"CON FILE (\d{4}) TO (\w+)")


def close_files(port: int, user: str, rnd: int, acked: list, stop: threading.Event) -> None:
    """Log on and close console files until the connection dies; every
    acknowledged (spool id, owner, token) goes to ``acked``."""
    try:
        c = Client(port).logon(user)
        n = 0
        while not stop.is_set():
            n += 1
            token = f"TOKEN-{rnd}-{user}-{n}"
            c.send("SPOOL CONSOLE START")
            c.send(f"* {token}")
            c.send("CLOSE CONSOLE")
            text = c.expect("CON FILE", count=n, timeout=10)
            spoolid, owner = ACK.findall(text)[n - 1]
            acked.append((int(spoolid), owner, token))
    except (AssertionError, OSError):
        pass                                    # CP died: the connection went with it


def test_acknowledged_spool_files_survive_sigkill(tmp_path, capsys):
    rng = random.Random(1916)
    total, lost = 0, 0
    for rnd in range(ROUNDS):
        cp = CPProcess(tmp_path, free_port(), "--no-console")
        acked: list = []
        stop = threading.Event()
        workers = [threading.Thread(target=close_files, args=(cp.port, u, rnd, acked, stop))
                   for u in USERS]
        for w in workers:
            w.start()
        time.sleep(0.5 + rng.random() * 1.5)
        cp.proc.send_signal(signal.SIGKILL)
        cp.end()
        stop.set()
        for w in workers:
            w.join(15)
        spool = Spool(tmp_path)                 # what a restarted CP finds
        assert spool.damaged == []
        for spoolid, owner, token in acked:
            f = spool.get(spoolid)
            if f is None or f.owner != owner or \
                    not any(token in to_ascii(r) for r in f.records):
                lost += 1
        total += len(acked)
    again = CPProcess(tmp_path, free_port(), "--no-console")      # starts on the data as left
    c = Client(again.port).logon("GUEST1")
    c.send("Q PRT")
    c.expect("ORIGINID FILE")
    again.proc.terminate()
    assert again.end() == 0
    with capsys.disabled():
        print(f"\n[kill] {ROUNDS} SIGKILL rounds, {total} acknowledged spool files, {lost} lost")
    assert total > 0 and lost == 0
