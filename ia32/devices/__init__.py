"""The PC's devices around the IA-32 CPU, one small module each.

Port devices offer ``attach(bus)`` to claim their ports on :class:`ia32.iobus.IOBus`;
devices with time-dependent behaviour read :class:`ia32.devices.clock.Clock` and
offer ``next_event()`` (the virtual nanosecond of their next output change, or
None) and ``update()`` (bring their outputs up to the current time), which the
machine's run loop calls between CPU bursts.
"""
