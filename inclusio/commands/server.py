"""`inclusio server`: a Prefect server for scheduled crawls, with its state inside the project."""

from __future__ import annotations

import argparse
import os
import sys

from inclusio.commands._common import announce_home
from inclusio.settings import configure_prefect


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "server",
        help="start a local Prefect server (needed by `inclusio schedule`)",
        description="Run `prefect server start` on 127.0.0.1 with PREFECT_HOME inside the "
        "project and analytics off. Leave it running; in another terminal set PREFECT_API_URL "
        "to the address printed here and start `inclusio schedule`.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=4200, help="port (default 4200)")
    p.add_argument("--ui", action=argparse.BooleanOptionalAction, default=True,
                   help="serve Prefect's web UI on the same address, so the run links Prefect "
                   "prints open (default: on; --no-ui for the API alone)")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    announce_home("server")
    configure_prefect()
    env = dict(os.environ)
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env["PREFECT_UI_ENABLED"] = "true" if args.ui else "false"
    url = f"http://{args.host}:{args.port}/api"
    print(f"Prefect server on {url} (state in {env['PREFECT_HOME']})")
    if args.ui:
        print(f"Prefect UI on http://{args.host}:{args.port}/ (runs, logs, schedules)")
    print(f"in another terminal: export PREFECT_API_URL={url}", flush=True)
    cmd = [sys.executable, "-m", "prefect", "server", "start", "--host", args.host,
           "--port", str(args.port), "--analytics-off"]
    cmd.append("--ui" if args.ui else "--no-ui")
    # Become the Prefect server rather than its parent: a SIGTERM from a supervisor or `kill`
    # then stops the server itself instead of leaving it running, orphaned, on the port.
    os.execve(sys.executable, cmd, env)
    return 0  # not reached
