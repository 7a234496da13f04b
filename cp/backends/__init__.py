"""Architecture backends of CP: what the CP core needs that depends on the guest
architecture (s370.py; ia32.py later)."""
from __future__ import annotations
