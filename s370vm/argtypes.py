"""argparse types for counts, shared by the subcommands: a bad number is a
usage error (status 2) naming the option, never a run that does nothing."""
from __future__ import annotations

import argparse


def _whole(text: str) -> int:
    try:
        return int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def positive_int(text: str) -> int:
    """A whole number above zero."""
    value = _whole(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be greater than 0")
    return value


def count_or_zero(text: str) -> int:
    """A whole number, 0 or more (0 meaning "no limit" where an option says so)."""
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must not be negative")
    return value


def number(text: str) -> int:
    """An address or length, 0 or more: decimal, or hex with 0x."""
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad number {text!r} (decimal or 0x hex)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must not be negative")
    return value


def add_translate(p: argparse.ArgumentParser) -> None:
    """``--translate on|off|auto``: translated blocks or the plain interpreter
    for the S/370 CPUs the command makes (s370/translation.py; ``auto``, the
    default, chooses per runtime). ``main`` applies it before the command runs."""
    p.add_argument("--translate", choices=("on", "off", "auto"), default=None,
                   help="S/370 block translation (default auto: chosen per Python runtime)")
