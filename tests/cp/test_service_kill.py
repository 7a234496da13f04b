"""Crash safety (issue 16): CP killed with SIGKILL at random moments while
users close spool files and a guest writes its minidisk; after each kill every
file CP had acknowledged (``CON FILE nnnn TO user``) is there, whole, with its
content, every record the guest had been told was written (guests/s370/
mdwrite.asm types ``OK line`` after channel end and device end) is on the
volume, and CP starts again on the same data folder. Rounds: few in the ci
profile, more in thorough."""
import os
import random
import re
import signal
import threading
import time

from pathlib import Path

from cp.defaults import HERE as DEFAULTS
from cp.spool import Spool
from s370.devices.ckd import CKDImage, create_image, geometry
from s370.ebcdic import to_ascii

from .telnet_support import Client, CPProcess, free_port

ROUNDS = {"ci": 2, "thorough": 12}.get(os.environ.get("HYPOTHESIS_PROFILE", ""), 4)
USERS = ("GUEST1", "GUEST2", "GUEST3")
WRITER = Path(__file__).resolve().parents[2] / "guests" / "s370" / "mdwrite.asm"
#: Minidisk 191 of MDW: cylinders 1-6 of volume KILL01; the guest's track n
#: (n = 1, 2, ...) is cylinder n // 19, head n % 19 of the minidisk.
MDISK_START, MDISK_TRACKS = 1, 6 * 19 - 1
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


def write_minidisk(port: int, rnd: int, acked: list, stop: threading.Event) -> None:
    """MDW IPLs the writer and types tokens; every ``OK token`` goes to
    ``acked`` as (track, token)."""
    try:
        c = Client(port)
        c.send("LOGON MDW PW")
        c.expect("LOGON AT")
        c.send("IPL 00C")
        for n in range(1, MDISK_TRACKS + 1):
            if stop.is_set():
                break
            token = f"MD-{rnd}-{n}"
            c.send(token)
            c.expect(f"OK {token}", timeout=10)
            acked.append((n, token))
    except (AssertionError, OSError):
        pass


def system_files(tmp_path: Path) -> list[str]:
    """The volume, configuration and directory (built-in users plus MDW)."""
    create_image(tmp_path / "kill.3330", geometry("3330"), "KILL01", cylinders=8)
    (tmp_path / "sys.cnf").write_text("0150 3330 kill.3330\n")
    (tmp_path / "direct.txt").write_text(
        (DEFAULTS / "directory.txt").read_text() + "\nUSER MDW PW 1M 1M G\n CONSOLE 009 3215\n"
        f" SPOOL 00C 2540 READER *\n MDISK 191 3330 {MDISK_START:03d} 006 KILL01 W\n")
    return ["--config", str(tmp_path / "sys.cnf"), "--directory", str(tmp_path / "direct.txt")]


def records_lost(image: Path, acked: list) -> int:
    vol = CKDImage(image, readonly=True)
    try:
        lost = 0
        for n, token in acked:
            track = vol.read_track(MDISK_START + n // 19, n % 19)
            if not any(r.count[4] == 1 and to_ascii(r.data).strip() == token for r in track.records):
                lost += 1
        return lost
    finally:
        vol.close()


def test_acknowledged_files_and_records_survive_sigkill(tmp_path, capsys):
    rng = random.Random(1916)
    total, lost, records, records_gone = 0, 0, 0, 0
    system = system_files(tmp_path)
    for rnd in range(ROUNDS):
        cp = CPProcess(tmp_path / "data", free_port(), "--no-console", *system,
                       "--reader", f"MDW={WRITER}")
        acked: list = []
        written: list = []
        stop = threading.Event()
        workers = [threading.Thread(target=close_files, args=(cp.port, u, rnd, acked, stop))
                   for u in USERS]
        workers.append(threading.Thread(target=write_minidisk, args=(cp.port, rnd, written, stop)))
        for w in workers:
            w.start()
        time.sleep(0.5 + rng.random() * 1.5)
        cp.proc.send_signal(signal.SIGKILL)
        cp.end()
        stop.set()
        for w in workers:
            w.join(15)
        spool = Spool(tmp_path / "data")        # what a restarted CP finds
        assert spool.damaged == []
        for spoolid, owner, token in acked:
            f = spool.get(spoolid)
            if f is None or f.owner != owner or \
                    not any(token in to_ascii(r) for r in f.records):
                lost += 1
        total += len(acked)
        records += len(written)
        records_gone += records_lost(tmp_path / "kill.3330", written)
    again = CPProcess(tmp_path / "data", free_port(), "--no-console", *system)   # starts on it as left
    c = Client(again.port).logon("GUEST1")
    c.send("Q PRT")
    c.expect("ORIGINID FILE")
    again.proc.terminate()
    assert again.end() == 0
    with capsys.disabled():
        print(f"\n[kill] {ROUNDS} SIGKILL rounds: {total} acknowledged spool files, {lost} lost; "
              f"{records} acknowledged minidisk records, {records_gone} lost")
    assert total > 0 and records > 0 and lost == 0 and records_gone == 0
