"""``python -m marker``: the same command line as the ``marker`` command."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main()
