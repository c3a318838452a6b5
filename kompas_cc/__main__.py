"""The `kompas` command: serve, demo, db upgrade, user add/passwd, ami-sim."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Sequence

from kompas_cc.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("kompas_cc")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat: "):
        raise SystemExit("the passwords do not match")
    return first


def _cmd_serve(settings: Settings, _args: argparse.Namespace) -> int:
    from kompas_cc.server import serve

    asyncio.run(serve(settings))
    return 0


def _cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from kompas_cc.demo import run_demo

    asyncio.run(run_demo(settings, fresh=args.fresh, clients=args.clients, calls=not args.no_calls))
    return 0


def _cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from kompas_cc.db.migrate import upgrade

    asyncio.run(upgrade(settings.database_url))
    print("database is up to date")
    return 0


def _cmd_user_add(settings: Settings, args: argparse.Namespace) -> int:
    from kompas_cc.cli_users import add_user

    password = _read_password(args)
    asyncio.run(add_user(settings, args.name, args.role, password, args))
    print(f"user {args.name} created")
    return 0


def _cmd_user_passwd(settings: Settings, args: argparse.Namespace) -> int:
    from kompas_cc.cli_users import change_password

    password = _read_password(args)
    asyncio.run(change_password(settings, args.name, password))
    print(f"password of {args.name} changed")
    return 0


def _cmd_ami_sim(_settings: Settings, args: argparse.Namespace) -> int:
    from kompas_cc.cli_amisim import run_ami_sim

    return asyncio.run(
        run_ami_sim(
            port=args.port,
            calls_per_minute=args.calls_per_minute,
            seed=args.seed,
            username=args.username,
            secret=args.secret,
            speed=args.speed,
        )
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kompas", description="KOMPAS contact-center CRM")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server")
    serve.set_defaults(func=_cmd_serve)

    demo = sub.add_parser("demo", help="serve a demo database with realistic data")
    demo.add_argument("--fresh", action="store_true", help="rebuild the demo database")
    demo.add_argument("--clients", type=int, default=300, help="how many demo clients")
    demo.add_argument(
        "--no-calls",
        action="store_true",
        help="no calls: neither the built-in AMI simulator nor a configured Asterisk",
    )
    demo.set_defaults(func=_cmd_demo)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations").set_defaults(func=_cmd_db_upgrade)

    user = sub.add_parser("user", help="manage users")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="create a user")
    add.add_argument("name", help="the login")
    add.add_argument("--role", required=True, choices=["admin", "manager", "operator", "dealer"])
    add.add_argument("--full-name", help="the displayed name (default: the login)")
    add.add_argument("--email")
    add.add_argument("--extension", help="phone extension (operators)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(func=_cmd_user_add)
    passwd = user_sub.add_parser("passwd", help="change a user's password")
    passwd.add_argument("name", help="the login")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(func=_cmd_user_passwd)

    sim = sub.add_parser("ami-sim", help="run a simulated Asterisk AMI with call traffic")
    sim.add_argument("--port", type=int, default=5038, help="TCP port (0: any free one)")
    sim.add_argument("--calls-per-minute", type=float, default=2.0, help="average call arrivals")
    sim.add_argument("--seed", type=int, default=0, help="the same seed plays the same calls")
    sim.add_argument("--username", default="kompas", help="the AMI user to accept")
    sim.add_argument("--secret", default="kompas", help="the AMI user's secret")
    sim.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    sim.set_defaults(func=_cmd_ami_sim)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"kompas: {exc}", file=sys.stderr)
        return 2
    try:
        return int(args.func(settings, args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from kompas_cc.core.errors import KompasError

        if isinstance(exc, KompasError):
            details = "".join(f"\n  {k}: {v}" for k, v in exc.fields.items())
            print(f"kompas: {exc.message}{details}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
