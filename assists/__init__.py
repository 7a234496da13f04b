"""Hardware assists (VMA, ECPS, shadow-table bypass) and the one cost table.

``costs`` is the single place that says how many machine cycles a guest
instruction, an interpretive-execution exit/entry and each CP simulation path
cost; docs/cost-model.md gives each number's source. The assists themselves
(issue 7) implement ``s370.interp.Assist`` and are handed to interpretive
execution in the state description's ``assists`` list.
"""
from __future__ import annotations
