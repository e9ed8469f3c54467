"""``myoscope serve``: the web app and the REST API, in the foreground."""

from __future__ import annotations

import errno
import signal
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from myoscope.cli.common import db_option, seed_demo_today
from myoscope.errors import InvalidInputError, UserError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from myoscope.bootstrap import Services
    from myoscope.services.demo import DemoAccounts

__all__ = ["serve"]


@click.command()
@db_option
@click.option(
    "--demo",
    is_flag=True,
    help="Serve a synthetic demo diary from a new temporary database, deleted when the "
    "server stops (your own diary is not touched).",
)
@click.option(
    "--host",
    default=None,
    help="Interface to listen on [default: 127.0.0.1, or MYOSCOPE_HOST]. Any other "
    "interface needs MYOSCOPE_SECRET_KEY and should sit behind HTTPS.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="TCP port [default: 8000, or MYOSCOPE_PORT]; 0 picks a free port.",
)
def serve(db: str | None, demo: bool, host: str | None, port: int | None) -> None:
    """Start the web app and the REST API (/api/v1); Ctrl+C stops the server.

    The database schema is upgraded automatically. The server listens on 127.0.0.1 (this
    computer only) unless --host says otherwise.

    \b
    Example:
      myoscope serve --demo                 # a synthetic diary to try things out
      myoscope serve                        # your diary, at http://127.0.0.1:8000/
      myoscope serve --db postgresql+psycopg://myoscope:secret@localhost/myoscope
    """
    from myoscope.database import database_url
    from myoscope.settings import Settings

    if demo and db:
        raise InvalidInputError(
            "--demo serves its own temporary database; leave out --db, or leave out --demo "
            "to serve that database.",
            field="db",
        )
    with _graceful_stop(), ExitStack() as stack:
        url = database_url(db)
        if demo:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="myoscope-demo-"))
            url = database_url(str(Path(folder) / "demo.db"))
        settings = Settings.from_env(
            database_url=url, host=host, port=None if port == 0 else port
        ).checked()
        if settings.is_local and not demo:
            settings = settings.with_local_secret()
        listener = _listen(settings.host, 0 if port == 0 else settings.port)
        stack.callback(listener.close)
        settings = replace(settings, port=listener.getsockname()[1])

        from myoscope.bootstrap import build_services
        from myoscope.server import create_app

        services = build_services(settings)
        stack.callback(services.close)
        accounts = seed_demo_today(services) if demo else None
        app = create_app(services)
        address = _address(settings.host, settings.port)
        if accounts is not None:
            _announce_demo(address, accounts)
        else:
            _announce(address, services)
        _run(app, listener)


def _listen(host: str, port: int) -> socket.socket:
    """Bind the listening socket now, so a busy port is reported before anything starts."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise InvalidInputError(
            f"Cannot listen on '{host}': it is not an address or a known host name. Use "
            "127.0.0.1 (this computer only) or the address of one of its interfaces.",
            field="host",
            received=host,
        ) from None
    family, kind, proto, _, address = infos[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(128)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise UserError(
                f"Port {port} on {host} is already in use (another Myoscope or another "
                "server?); stop it, or choose another port with --port (--port 0 picks a "
                "free one)."
            ) from None
        if exc.errno == errno.EACCES:
            raise UserError(
                f"Not allowed to listen on port {port} of {host}; ports below 1024 need "
                "administrator rights. Choose a port from 1024 up with --port."
            ) from None
        raise UserError(f"Cannot listen on {host} port {port}: {exc.strerror}.") from None
    return listener


def _address(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _announce_demo(address: str, accounts: DemoAccounts) -> None:
    click.echo(
        "Myoscope demo: a synthetic diary (no real person's data) in a temporary database "
        "that is deleted when the server stops."
    )
    click.echo(f"Open {address} and sign in with one of these accounts:")
    shares = {"patient": "owns the diary", "carer": "read-write share", "clinician": "read share"}
    for account in accounts:
        what = shares.get(account.role, "manages accounts")
        click.echo(
            f"  {account.role:<10} {account.email:<23} password: {account.password}  ({what})"
        )
    click.echo(f"REST API: {address}api/v1/docs")
    click.echo("Press Ctrl+C to stop.")


def _announce(address: str, services: Services) -> None:
    click.echo(f"Myoscope is serving {address} (REST API: {address}api/v1/docs)")
    if services.accounts.setup_needed():
        click.echo(
            f"No account yet: open {address} to create the first one, or run "
            "'myoscope users add EMAIL --role patient'."
        )
    click.echo("Press Ctrl+C to stop.")


class _Stopped(Exception):
    """SIGTERM arrived: leave through the normal path, so the demo database is deleted."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped


@contextmanager
def _graceful_stop() -> Iterator[None]:
    """Turn SIGTERM and Ctrl+C into a normal exit that runs every clean-up step.

    uvicorn shuts down gracefully on SIGINT or SIGTERM, then raises the signal again for the
    handler that was there before: Ctrl+C becomes KeyboardInterrupt and SIGTERM becomes
    :class:`_Stopped`, both caught here.
    """
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stop) if main else None
    try:
        yield
    except (KeyboardInterrupt, _Stopped):
        click.echo("Stopped.", err=True)
    finally:
        if main and previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _run(app: FastAPI, listener: socket.socket) -> None:
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,  # request lines would put record ids and query strings in the log
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run(sockets=[listener])
