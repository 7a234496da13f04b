"""Equivalence campaigns: whole generated S/370 guest programs run on the bare
machine and in a virtual machine under CP with every assist set, compared in
everything the guest can see.

- ``guests.py``: hypothesis strategies that write the guest programs (assembler
  source): fixed point, decimal, HFP, branches, storage and keys, DAT with random
  tables, SVCs and program checks with handlers, timers, unit-record I/O;
- ``runner.py``: the bare run, the CP runs under each assist set, what is compared;
- ``__main__.py``: ``python -m tests.campaign --guests N --assist all`` (docs/testing.md).
"""
