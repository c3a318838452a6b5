"""The ceiling: a bare aiohttp app answering GET /bare with a fixed JSON body.

    python -m bench.bare_server --port 8090

Run like KOMPAS (one process, default event loop, no access log), so that the ratio
KOMPAS / bare shows what the application itself costs on this machine.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from aiohttp import web

BODY = b'{"ok": true}'


async def bare(_request: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="application/json")


def build_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/bare", bare)
    app.router.add_get("/healthz", bare)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args(argv)
    web.run_app(build_app(), host=args.host, port=args.port, access_log=None, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
