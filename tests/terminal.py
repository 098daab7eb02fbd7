"""Running the installed `crm` on a pseudo-terminal, as a rep's shell would."""

from __future__ import annotations

import os


def drain(master: int) -> bytes:
    """Everything the program wrote to the terminal, until it closed it; closes `master`."""
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return b"".join(chunks)
