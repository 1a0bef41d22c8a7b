"""Throwaway PostgreSQL, Redis, RabbitMQ (and Prometheus) servers for one test run.

`make test` must work on a fresh machine, so a test run starts its own servers on free ports in a
temporary folder (the Makefile installs Debian's packages when they are missing) and stops them at
the end. The machine's own servers are used only when their URLs are given in the environment.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

STARTUP_TIMEOUT = 90.0  # RabbitMQ boots an Erlang VM: seconds on a busy 2-core machine


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    stop: Callable[[], None]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, name: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited at start ({process.returncode}): {_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    _terminate(process)
    raise RuntimeError(f"{name} did not listen on {port} in {STARTUP_TIMEOUT:.0f} s: {_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"


def _terminate(process: subprocess.Popen[bytes]) -> None:
    """The whole process group: the servers' wrapper scripts start their VMs as children."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _spawn(
    command: list[str], log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )


def _postgres_binary(name: str) -> str:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian: postgresql)")
    return found


def start_postgres(folder: Path) -> Server:
    """initdb + postgres on a free port.

    PostgreSQL refuses to run as root, so as root the server runs as the postgres user, in a folder
    of its own under /tmp (pytest's folders are root's alone), removed when it stops.
    """
    as_user: list[str] = []
    if os.geteuid() == 0:
        folder = Path(tempfile.mkdtemp(prefix="emokognition-test-postgres-"))
        shutil.chown(folder, user="postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    initdb = [_postgres_binary("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
    done = subprocess.run([*as_user, *initdb, "-E", "UTF8", "--no-sync"], capture_output=True)
    if done.returncode:
        raise RuntimeError(f"initdb failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    port = free_port()
    log = folder / "postgres.log"
    settings = {
        "port": str(port),
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(folder),
        "max_connections": "200",
        # A throwaway cluster: durability costs time and buys nothing here.
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
    }
    options = [f"--{key}={value}" for key, value in settings.items()]
    process = _spawn([*as_user, _postgres_binary("postgres"), "-D", str(data), *options], log)
    _wait_for_port(port, process, log, "postgres")
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def stop() -> None:
        _terminate(process)
        if as_user:
            shutil.rmtree(folder, ignore_errors=True)

    return Server("postgres", url, stop)


def start_redis(folder: Path) -> Server:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "redis.log"
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (Debian: redis-server)")
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    # Like the machine's Redis: nothing kept on disk, so a restart loses every message.
    command += ["--save", "", "--appendonly", "no"]
    process = _spawn(command, log)
    _wait_for_port(port, process, log, "redis-server")
    return Server("redis", f"redis://127.0.0.1:{port}/0", lambda: _terminate(process))


def start_rabbitmq(folder: Path) -> Server:
    """A node of its own (name, ports, files) beside any RabbitMQ the machine runs."""
    folder.mkdir(parents=True, exist_ok=True)
    port, dist_port = free_port(), free_port()
    (folder / "enabled_plugins").write_text("[].\n")
    (folder / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{port}\n")
    env = {
        "RABBITMQ_NODENAME": f"emokognition-test-{port}@localhost",
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
        "RABBITMQ_LOG_BASE": str(folder / "log"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
        "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq"),
        "RABBITMQ_PID_FILE": str(folder / "pid"),
        "RABBITMQ_FEATURE_FLAGS_FILE": str(folder / "feature_flags"),
        # The Erlang cookie lives in HOME; the node and nothing else uses this one.
        "HOME": str(folder),
    }
    # Debian's /usr/sbin wrapper refuses anyone but root and rabbitmq; the server itself runs as
    # whoever starts it.
    binary = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
    if not binary.exists():
        raise RuntimeError("rabbitmq-server is not installed (Debian: rabbitmq-server)")
    log = folder / "rabbitmq.log"
    process = _spawn([str(binary)], log, env)
    _wait_for_port(port, process, log, "rabbitmq-server")
    return Server("rabbitmq", f"amqp://guest:guest@127.0.0.1:{port}//", lambda: _terminate(process))


def start_prometheus(folder: Path, config: str) -> Server:
    """Prometheus on a free port with this configuration (YAML), its data in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    binary = shutil.which("prometheus")
    if binary is None:
        raise RuntimeError("prometheus is not installed (Debian: prometheus)")
    (folder / "prometheus.yml").write_text(config)
    port = free_port()
    command = [
        binary,
        f"--config.file={folder / 'prometheus.yml'}",
        f"--storage.tsdb.path={folder / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    log = folder / "prometheus.log"
    process = _spawn(command, log)
    _wait_for_port(port, process, log, "prometheus")
    return Server("prometheus", f"http://127.0.0.1:{port}", lambda: _terminate(process))


def server_url(variable: str, start: Callable[[Path], Server], folder: Path) -> Iterator[str]:
    """The URL in `variable` when given, else a throwaway server's, stopped when done."""
    given = os.environ.get(variable)
    if given:
        yield given
        return
    server = start(folder)
    try:
        yield server.url
    finally:
        server.stop()
