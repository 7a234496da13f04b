"""Devices on the channels: one module per device family; ``base`` holds the
interface the channel subsystem drives."""
from __future__ import annotations
