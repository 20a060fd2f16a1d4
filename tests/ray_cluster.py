"""A throwaway Ray cluster for tests: a head and more nodes started with ``ray start``.

Each node is a ``ray start --block`` process in a process group of its own, with one CPU,
every port chosen free (tests/ports.py), and ``--temp-dir`` in a folder of its own (kept short:
Ray's socket paths must stay under 107 characters). Stopping a node ends its process group
(SIGTERM, then SIGKILL after a timeout), so nothing else on the machine is touched. The nodes'
workers import this checkout's code (``PYTHONPATH``), as a user's nodes import the installed
dfew-build.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
SOCKET_PATH_ROOM = 107 - 70  # Ray appends about 70 characters (session_…/sockets/plasma_store)
STOP_TIMEOUT_S = 5


def ray_command() -> Path:
    """Return the ``ray`` command beside this Python."""
    return Path(sys.executable).parent / "ray"


class RayCluster:
    """Nodes on this machine; ``address`` is the head's ``HOST:PORT`` for ``--ray``."""

    def __init__(self, root: Path) -> None:
        if len(str(root)) > SOCKET_PATH_ROOM:
            root = Path(tempfile.mkdtemp(prefix="ray"))
            self._made_root = True
        else:
            root.mkdir(parents=True, exist_ok=True)
            self._made_root = False
        self.root = root
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.nodes: list[subprocess.Popen] = []
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0"}
        # Notice a dead node in about two seconds rather than Ray's default half minute.
        health = '{"health_check_period_ms": 500, "health_check_failure_threshold": 4}'
        self._start(
            "head",
            "--head",
            "--port",
            str(self.port),
            "--include-dashboard",
            "false",
            "--system-config",
            health,
        )

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        ports = {
            "--node-manager-port": free_port(),
            "--object-manager-port": free_port(),
            "--metrics-export-port": free_port(),
            "--dashboard-agent-listen-port": free_port(),
            "--dashboard-agent-grpc-port": free_port(),
            "--runtime-env-agent-port": free_port(),
        }
        command = [
            str(ray_command()),
            "start",
            *args,
            "--num-cpus",
            "1",
            "--node-ip-address",
            "127.0.0.1",
            "--temp-dir",
            str(self.root / name),
            "--disable-usage-stats",
            "--block",
            *(str(item) for pair in ports.items() for item in pair),
        ]
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 - the node outlives this call
        node = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.root,
            start_new_session=True,
        )
        log.close()
        self.nodes.append(node)
        return node

    def add_node(self) -> subprocess.Popen:
        """Start one more node (one CPU) that joins the head; return its process."""
        return self._start(f"n{len(self.nodes)}", "--address", self.address)

    def wait_for_nodes(self, count: int, timeout_s: float = 120) -> None:
        """Return once ``count`` nodes are alive; raise ``TimeoutError`` after ``timeout_s``."""
        code = (
            "import ray, sys, time\n"
            f"ray.init(address={self.address!r}, log_to_driver=False, logging_level='ERROR')\n"
            f"deadline = time.monotonic() + {timeout_s}\n"
            f"while sum(n['Alive'] for n in ray.nodes()) < {count}:\n"
            "    if time.monotonic() > deadline: sys.exit(1)\n"
            "    time.sleep(0.2)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], env=self.env, capture_output=True, timeout=timeout_s + 60
        )
        if result.returncode != 0:
            raise TimeoutError(f"{count} Ray nodes not up in {timeout_s} s: {result.stderr[-500:]}")

    def kill_node(self, node: subprocess.Popen) -> None:
        """SIGKILL a node's whole process group (its raylet and workers), as a crash would."""
        os.killpg(node.pid, signal.SIGKILL)
        node.wait(timeout=STOP_TIMEOUT_S)

    def stop(self) -> None:
        """Stop every node (newest first) and delete the cluster's folder."""
        for node in reversed(self.nodes):
            if node.poll() is None:
                os.killpg(node.pid, signal.SIGTERM)
        for node in reversed(self.nodes):
            try:
                node.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(node.pid, signal.SIGKILL)
                node.wait(timeout=STOP_TIMEOUT_S)
            # Processes the node started and left behind in its group (Ray's agents).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.pid, signal.SIGKILL)
        if self._made_root:
            shutil.rmtree(self.root, ignore_errors=True)
