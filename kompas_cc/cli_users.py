"""User management from the command line (first admin, forgotten passwords)."""

from __future__ import annotations

import argparse

from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import SystemClock
from kompas_cc.core.errors import NotFound
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.migrate import upgrade
from kompas_cc.db.uow import make_uow_factory
from kompas_cc.settings import Settings
from kompas_cc.staff import service


async def add_user(
    settings: Settings, login: str, role: str, password: str, args: argparse.Namespace
) -> None:
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        uow_factory = make_uow_factory(create_session_factory(engine), Bus())
        data = service.parse_user(
            {
                "login": login,
                "name": getattr(args, "full_name", None) or login,
                "email": getattr(args, "email", None),
                "role": role,
                "extension": getattr(args, "extension", None),
            }
        )
        async with uow_factory() as uow:
            await service.create_user(uow, data, password, SystemClock().now())
    finally:
        await engine.dispose()


async def change_password(settings: Settings, login: str, password: str) -> None:
    engine = create_engine(settings.database_url)
    try:
        uow_factory = make_uow_factory(create_session_factory(engine), Bus())
        async with uow_factory() as uow:
            user_id = await service.find_user_id(uow, login)
            if user_id is None:
                raise NotFound(f"No user {login!r}")
            await service.set_password(uow, user_id, password)
    finally:
        await engine.dispose()
