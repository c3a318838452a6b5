"""Running the web application: migrations first, then one log line with the URL."""

from __future__ import annotations

import asyncio
import gc
import logging

from aiohttp import web

from kompas_cc.app import build_app
from kompas_cc.db.migrate import upgrade
from kompas_cc.settings import Settings

logger = logging.getLogger(__name__)

#: How long a stopping server lets requests in flight finish.
SHUTDOWN_TIMEOUT_S = 5.0


async def start(settings: Settings, app: web.Application | None = None) -> web.AppRunner:
    await upgrade(settings.database_url)
    runner = web.AppRunner(
        app or build_app(settings), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S
    )
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    await site.start()
    # Everything built so far (modules, tables, the app) lives as long as the process. Left
    # to the garbage collector, each full collection would walk it all again, stalling every
    # request for tens of milliseconds; frozen, it is never walked.
    gc.freeze()
    return runner


async def serve(settings: Settings) -> None:
    runner = await start(settings)
    logger.info("KOMPAS is serving at http://%s:%d/", settings.http_host, settings.http_port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
