"""The command line of every service: ``python -m <service> serve | migrate | seed | reencrypt``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

from jiceng_shared import personaldata
from jiceng_shared.migrations import run_migrations
from jiceng_shared.service import ServiceSpec, build_context
from jiceng_shared.settings import CommonSettings


def service_main(spec_factory: Callable[[], ServiceSpec], app_path: str, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=app_path.split(".")[0])
    parser.add_argument("command", choices=["serve", "migrate", "seed", "reencrypt"])
    parser.add_argument(
        "--seed",
        action="store_true",
        help="serve: migrate and load the demo data first, in this process (a local or test stack "
        "starts each process once instead of twice: the imports are most of a seeding's time)",
    )
    args = parser.parse_args(argv)
    spec = spec_factory()
    settings = spec.settings_cls()
    settings.check_production()
    # the migrations that encrypt existing rows, the seed and reencrypt use this process's keys
    personaldata.configure(settings)
    refused = county_files_refused(settings)
    if refused is not None:
        print(refused, file=sys.stderr)
        return 2
    if args.command == "migrate":
        run_migrations(spec.migrations_dir, settings.migration_url)
        return 0
    if args.command == "seed" or args.seed:
        # migrate even without demo data: `make run` and the test stack start with MIGRATE_ON_START=false
        run_migrations(spec.migrations_dir, settings.migration_url)
        if spec.seed is not None:
            asyncio.run(_seed(spec, settings))
        if args.command == "seed":
            return 0
    if args.command == "reencrypt":
        # after a personal-data key rotation: what older keys sealed, sealed again by the current one,
        # and every look-up hash recomputed under the current lookup key
        for table, count in asyncio.run(_reencrypt(spec, settings)).items():
            print(f"{table}: {count} rows re-encrypted or rehashed")
        return 0
    import uvicorn

    uvicorn.run(app_path, host=settings.host, port=settings.port, **SERVER_OPTIONS)
    return 0


def county_files_refused(settings: object) -> str | None:
    """Why the county's files (``JICENG_COUNTY_DIR``: ``county.toml``, ``areas.geojson``,
    ``categories.csv``) or the calendar's (``JICENG_CALENDAR_DIR``) cannot be used, else None.

    Checked before anything starts, so a bad file stops every command with its message alone (the
    file, the record or line, every problem), not a traceback from inside the server."""
    from jiceng_shared import county
    from jiceng_shared.categories import CategoryFileError, county_categories
    from jiceng_shared.workdays import CalendarFileError, WorkdayCalendar

    try:
        county.install(settings.county_dir)  # type: ignore[attr-defined]
        county_categories()
        WorkdayCalendar.from_settings(settings)
    except (county.CountyFileError, CategoryFileError, CalendarFileError) as exc:
        return f"refused to start: {exc}"
    return None


#: how every process is served. ``proxy_headers=False``: uvicorn would otherwise rewrite the
#: client address from X-Forwarded-For for any loopback caller; the gateway alone decides which
#: proxies to believe (GATEWAY_TRUSTED_PROXIES), and the services never read the address
SERVER_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    # httptools, writing each response's head and body in one send (jiceng_shared.httpserver)
    "http": "jiceng_shared.httpserver:HttpToolsOneWrite",
    "access_log": False,
    "log_config": None,
    "timeout_graceful_shutdown": 10,
    "factory": True,
    "proxy_headers": False,
    # an idle keep-alive connection is closed by the client, never under it: uvicorn's default (5 s)
    # equals httpx's pool expiry and is below aiohttp's (the gateway's, 15 s), so a request sent on
    # a connection the server was closing at that instant failed with "Server disconnected"
    "timeout_keep_alive": 75,
}


async def _reencrypt(spec: ServiceSpec, settings: CommonSettings) -> dict[str, int]:
    ctx = build_context(spec, settings)
    try:
        async with ctx.db.transaction() as session:
            return await personaldata.reencrypt_all(session, spec.metadata)
    finally:
        await ctx.db.dispose()


async def _seed(spec: ServiceSpec, settings: CommonSettings) -> None:
    ctx = build_context(spec, settings)
    try:
        assert spec.seed is not None
        await spec.seed(ctx)
    finally:
        await ctx.db.dispose()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(2)
