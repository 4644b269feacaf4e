"""Container health probe: ``python -m jiceng_shared.probe [healthz|readyz]`` exits 0 when the
process named by ``JICENG_PROCESS`` answers on its port (``<PREFIX>_PORT``, ``JICENG_PORT`` or the default)."""

from __future__ import annotations

import os
import sys
import urllib.request

from jiceng_shared.topology import PROCESSES


def main(argv: list[str]) -> int:
    path = argv[0] if argv else "healthz"
    process = next(p for p in PROCESSES if p.name == os.environ.get("JICENG_PROCESS", "gateway"))
    port = os.environ.get(f"{process.env_prefix}PORT") or os.environ.get("JICENG_PORT") or str(process.port)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=2) as response:
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
