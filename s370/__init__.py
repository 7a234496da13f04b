"""The System/370 machine: CPU, storage, DAT, timers, channels and devices (the "hardware")."""
from __future__ import annotations
