"""The s370vm command line: one module per subcommand, wired together in main."""
from __future__ import annotations
