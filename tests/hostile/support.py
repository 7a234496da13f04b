"""Running the command line on hostile input: the rule every test here checks.

``cli(args, inputs)`` runs ``s370vm`` in-process with a time limit and asserts
the rule of the project for bad input: no Python traceback (an exception out of
``main`` fails the test), no hang (SIGALRM after ``LIMIT`` seconds), an exit
status of 0 or 2 (``statuses``), a one-line message naming the file and the
place in it when it is 2, and the input files exactly as they were (bytes and
modification time). Mutation strategies turn a valid file into a damaged one.
"""
from __future__ import annotations

import contextlib
import io
import os
import signal
from pathlib import Path

from hypothesis import strategies as st

from s370vm.main import main

LIMIT = 20


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def _snapshot(paths) -> dict:
    return {str(p): (Path(p).read_bytes(), os.stat(p).st_mtime_ns) for p in paths}


def cli(args: list[str], inputs=(), statuses=(0, 2), where: str | None = None) -> tuple:
    """Run ``s370vm args``; returns (status, stdout, stderr) after the checks."""
    before = _snapshot(inputs)
    out, err = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(LIMIT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(args)
            except SystemExit as exc:               # argparse
                status = exc.code
    except Hang:
        raise AssertionError(f"s370vm {' '.join(args)} did not end within {LIMIT} s") from None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    e = err.getvalue()
    assert "Traceback" not in e, e
    assert status in statuses, (status, e[-2000:])
    if status == 2 and where is not None:
        assert where in e, (where, e[-2000:])
    assert _snapshot(inputs) == before, "an input file was modified"
    return status, out.getvalue(), e


@st.composite
def damaged(draw, data: bytes, hot: int = 512) -> bytes:
    """``data`` with random byte edits (most in its first ``hot`` bytes, where the
    headers are), maybe truncated, maybe with garbage appended."""
    b = bytearray(data)
    for _ in range(draw(st.integers(1, 12))):
        if not b:
            break
        span = min(len(b), hot) if draw(st.booleans()) else len(b)
        i = draw(st.integers(0, span - 1))
        b[i] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, 0x40]) | st.integers(0, 255))
    if draw(st.integers(0, 3)) == 0:
        del b[draw(st.integers(0, len(b))):]
    if draw(st.integers(0, 5)) == 0:
        b += draw(st.binary(max_size=64))
    return bytes(b)
