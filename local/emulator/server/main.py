"""Run moto's server with the local add-on: `python -m local.emulator.server --port 4566`.

With --state-dir the AWS state is kept there (local.emulator.server.persistence): loaded before the
first request, saved every --save-interval seconds when something changed and on a clean stop
(SIGTERM/SIGINT, or the parent given by --parent-pid going away).

Clients must use `http://localhost:PORT` (not 127.0.0.1): moto resolves the S3 template URLs
the CDK CLI sends only when their host is `localhost`.

Every request passes local.emulator.server.security first (this machine's Host names only,
SigV4 with the run's credentials from LOCAL_AWS_* in the environment, CORS only for what AWS
serves to browsers); moto's own answer-everyone CORS is switched off. It binds to loopback
only.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from local.emulator.wire import READY_MARKER
from tools.ports import port_free

if TYPE_CHECKING:  # imported for real inside main(), after MOTO_PORT is set
    from werkzeug.serving import BaseWSGIServer

    from .persistence import StateKeeper

DEFAULT_PORT = 4566


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port (default 4566)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--quiet", action="store_true", help="do not log every request")
    parser.add_argument("--state-dir", type=Path, default=None, help="keep the AWS state here")
    parser.add_argument(
        "--save-interval", type=float, default=1.0, help="seconds between saves (1.0)"
    )
    parser.add_argument(
        "--parent-pid", type=int, default=None, help="save and stop when this process is gone"
    )
    return parser.parse_args(argv)


def _watch_parent(parent_pid: int) -> None:
    """The run that started us died without stopping us: save and stop, freeing the port."""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def _stop(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)  # unwinds serve_forever() and closes the socket


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT; exit code 2 when the port is taken."""
    args = _parse_args(argv)
    from local.runtime.credentials import RunCredentials
    from tools.loopback import check_bind_address

    try:
        check_bind_address(args.host)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    os.environ.setdefault("MOTO_PORT", str(args.port))  # moto builds some URLs from it
    # moto answers every origin with Access-Control-Allow-Origin: * unless told not to; the
    # front door adds CORS only to what AWS serves to browsers.
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"

    # Import after MOTO_PORT is set: moto reads settings at import time.
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from .moto_import import cloudformation_parsing

    cloudformation_parsing()  # before the add-on's modules import it the slow way

    from .addon import install
    from .issued_credentials import issued
    from .json_errors import JsonErrorsOnly
    from .persistence import StateKeeper
    from .security import FrontDoor

    install()
    keeper = None
    if args.state_dir is not None:
        keeper = StateKeeper(args.state_dir, args.save_interval)
        keeper.load()  # before the port is bound: no request ever sees a half-loaded state
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    taken = (
        f"error: port {args.port} is already in use on {args.host}; "
        "stop whatever holds it or pick another --port"
    )
    # Probe the way werkzeug binds; werkzeug itself would print three lines and exit 1.
    if not port_free(args.port, args.host):
        print(taken, file=sys.stderr)
        return 2
    credentials = RunCredentials.from_environment()
    if credentials is None:
        print(
            "error: the local AWS endpoint needs its credentials in LOCAL_AWS_ACCESS_KEY_ID, "
            "LOCAL_AWS_SECRET_ACCESS_KEY and LOCAL_AWS_SESSION_TOKEN (EmulatorProcess sets them)",
            file=sys.stderr,
        )
        return 2
    app = DomainDispatcherApplication(create_backend_app)
    kept = app if keeper is None else keeper.wrap(app)
    served = FrontDoor(JsonErrorsOnly(kept), credentials, args.port, issued=issued)
    try:
        server = make_server(
            args.host, args.port, served, threaded=True, request_handler=MotoRequestHandler
        )
    except SystemExit:  # werkzeug exits(1) itself when it loses a bind race
        print(taken, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if keeper is not None:
        keeper.start_autosave()
        keeper.warm_up(app)
    _serve(server, args.port, keeper, args.parent_pid)
    return 0


def _serve(
    server: BaseWSGIServer, port: int, keeper: StateKeeper | None, parent_pid: int | None
) -> None:
    """Announce readiness and serve until SIGTERM/SIGINT or the parent's death; then the
    keeper's final save, after the socket is closed (no request can change the state)."""
    if parent_pid is not None:
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    print(f"{READY_MARKER} http://localhost:{port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        if keeper is not None:
            keeper.stop()


if __name__ == "__main__":
    sys.exit(main())
