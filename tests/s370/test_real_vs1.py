"""OS/VS1 Release 6.0 (the starter system of /work/shared/real, see its README),
run end to end on the bare machine with the configurations and operator scripts
of guests/real (docs/os-vs1.md):

1. IBCDASDI and IBCDMPRS, IPLed one after the other from the starter tape,
   initialize a 3330 as DLIBA1 and restore the starter volume onto it;
2. the first IPL of DLIBA1 formats the job queue, SYS1.SYSPOOL and SYS1.SYSWADS
   and comes up to "partition waiting for work";
3. a second IPL starts a writer and a reader, runs job1.jcl (IEFBR14, then
   IEBGENER copying a line to SYSOUT) with its output on the 1403, displays the
   active work and ends the system with Z EOD;
4. the same IPL and job in user VS1's virtual machine under CP (the master
   console as the user's terminal): the volume dedicated (vs1.direct) without
   assists, and a full-pack minidisk (vs1md.direct) with all assists, printing
   what the bare machine printed.

Each step works on the volume the previous one left, so the three run in order
on one module-scoped folder. Together they take a few minutes of wall clock
(the first IPL, about 62 million instructions, is most of it).
"""
import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest

from assists.registry import NAMES
from s370.devices.ckd import CKDImage
from s370.ebcdic import to_ascii
from s370vm.benchmarks import vs1
from s370vm.main import main

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not vs1.available(), reason="OS/VS1 starter media not available")]


def ipl(where: Path, device: str, cnf: str, ops: str) -> tuple[int, dict]:
    """``s370vm ipl DEVICE --config CNF --script OPS --json`` in ``where``."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["ipl", device, "--config", str(where / cnf),
                   "--script", str(where / ops), "--json"])
    return rc, json.loads(buf.getvalue().splitlines()[-1])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The shipped VS1 configurations and scripts, the control decks and job, the
    starter tape unzipped (12 MB) and an empty 3330 labelled DLIBA1."""
    return vs1.prepare(tmp_path_factory.mktemp("vs1"))


@pytest.fixture(scope="module")
def restored(folder):
    return ipl(folder, "480", "vs1restore.cnf", "vs1restore.ops")


@pytest.fixture(scope="module")
def formatted(restored, folder):
    assert restored[0] == 0, restored[1].get("error")
    out = ipl(folder, "150", "vs1.cnf", "vs1first.ops")
    shutil.copy(folder / vs1.VOLUME, folder / "dliba1.formatted")   # for the runs under CP
    return out


@pytest.fixture(scope="module")
def job(formatted, folder):
    assert formatted[0] == 0, formatted[1].get("error")
    return ipl(folder, "150", "vs1.cnf", "vs1job.ops")


def test_ibcdasdi_then_ibcdmprs_restore_dliba1_from_the_starter_tape(restored, folder):
    rc, out = restored
    assert rc == 0, out.get("error")
    console = out["console"]
    first, _, second = console.partition("IBC105A DEFINE INPUT DEVICE. DUMPRESTORE 7.91")
    assert "IBC105A  DEFINE INPUT DEVICE. DASDI  7.87" in first
    assert "VTOCD STRTADR=1,EXTENT=5" in first and first.count("IBC163A  END OF JOB.") == 1
    assert "RESTORE FROMDEV=3400,FROMADDR=480,TODEV=3330,TOADDR=150," in second
    assert second.rstrip().endswith("IBC163A  END OF JOB.")
    assert out["stop"] == "wait" and out["psw"].endswith("0000EEEE")
    img = CKDImage(folder / "dliba1.3330", readonly=True)
    try:
        assert to_ascii(img.read_track(0, 0).records[3].data).startswith("VOL1DLIBA1")
    finally:
        img.close()


def test_first_ipl_formats_the_volume_and_waits_for_work(formatted):
    rc, out = formatted
    assert rc == 0, out.get("error")
    console = out["console"]
    order = ["IEA760A SPECIFY VIRTUAL STORAGE SIZE",
             "IEA101A SPECIFY SYSTEM AND/OR SET PARAMETERS FOR RELEASE 06.0E OS/VS1",
             "IEA135A SPECIFY SYS1.DUMP TAPE UNIT ADDRESS OR NO",
             "IEA210I  SYS1.PAGE ALLOCATED ON DLIBA1",
             "IEF068A  VOLUME DLIBA1 REQUIRES FORMATTING",
             "IEC107D E 150,DLIBA1,MASTER,SCHEDULR,SYS1.SYSPOOL",
             "IEC107D E 150,DLIBA1,MASTER,SCHEDULR,SYS1.SYSWADS",
             "IEE048I INITIALIZATION COMPLETED",
             "IEF005I PARTITION WAITING FOR WORK  P00"]
    where = [console.find(m) for m in order]
    assert -1 not in where and where == sorted(where), dict(zip(order, where))
    # the script is done with the system idle: an enabled wait (EC mode, I/O
    # and external interruptions on)
    psw = int(out["psw"].replace(" ", ""), 16)
    assert out["stop"] == "wait" and psw >> 32 & 0x030A0000 == 0x030A0000


def test_second_ipl_runs_job1_to_condition_code_0000_and_halts(job, folder):
    rc, out = job
    assert rc == 0, out.get("error")
    console = out["console"]
    assert "IEC107D E 150,DLIBA1,MASTER,SCHEDULR,SYS1.SYSWADS" in console
    assert "IEF068A" not in console                 # formatted by the first IPL
    for msg in ("IEF403I WTR      STARTED", "IEF403I RDR      STARTED",
                "IEF403I BR14GEN  STARTED", "IEF404I BR14GEN  ENDED",
                "IEF049I BR14GEN  ON DEVICE 00E", "IEE821I",
                "IEE334I HALT     EOD SUCCESSFUL"):
        assert msg in console, msg
    printed = (folder / "print00e.txt").read_bytes().decode("latin-1")
    job_output = printed[printed.index("//BR14GEN JOB"):]
    assert job_output.count("IEF142I - STEP WAS EXECUTED - COND CODE 0000") == 2
    assert "DATA SET UTILITY - GENERATE" in job_output
    assert "\fHELLO FROM OS/VS1 RELEASE 6.0 ON S/370" in job_output


@pytest.mark.parametrize("directory, assists", [("vs1.direct", frozenset()),
                                                 ("vs1md.direct", frozenset(NAMES))],
                         ids=["dedicated-none", "minidisk-all"])
def test_the_job_in_a_virtual_machine_under_cp_prints_what_the_bare_machine_printed(
        job, folder, tmp_path, directory, assists):
    assert job[0] == 0, job[1].get("error")
    where = tmp_path / "cp"
    where.mkdir()
    for f in folder.iterdir():
        if f.suffix in (".cnf", ".ops", ".direct") or f.name == "job1.jcl":
            shutil.copy(f, where / f.name)
    shutil.copy(folder / "dliba1.formatted", where / vs1.VOLUME)
    result, console, report = vs1.run_under_cp(where, "vs1.cnf", "vs1job.ops", assists,
                                               directory=directory)
    assert result.stop == "wait", result.message
    assert "IEF404I BR14GEN  ENDED" in console and "IEE334I HALT     EOD SUCCESSFUL" in console
    assert "IEA150A" not in console             # one console: no hard-copy log asked for
    assert (where / "print00e.txt").read_bytes() == (folder / "print00e.txt").read_bytes()
    # CP did the work: I/O interruptions reflected, and the assists took over most
    # privileged instructions when installed
    assert report["intercepts"]["io"] > 1000
    instr = report["intercepts"]["instruction"]
    assert instr > 100_000 if not assists else instr < 50_000
    assert (report["cycles"]["assist"] > 0) == bool(assists)
