"""Latency of POST /api/v1/screen over loopback, one request per call, against a real `kontaktfilter serve`.

An open-loop load generator (requests are due on a fixed schedule and latency is measured from when a
request was due, so a slow server cannot hide its queue) sends the demo requests over keep-alive
connections to 127.0.0.1 only. It reports p50/p99 at a fixed rate (default 500 requests/s), then
steps the rate up to find the highest rate the server sustains (p99 within the goal and at least
95 % of the requests answered on time). Everything is bounded: at most `--max-requests` requests and
`--max-seconds` seconds in all. As a baseline it times the same screening in this process.

    .venv/bin/python benchmarks/api.py                 # 500 req/s for 10 s, then the step search
    .venv/bin/python benchmarks/api.py --rate 300 --seconds 5 --no-search
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "inbox.jsonl"
HOST = "127.0.0.1"  # loopback only, by design
TOKEN = "bench-" + os.urandom(8).hex()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _bodies() -> list[bytes]:
    return [line.encode() for line in DEMO.read_text(encoding="utf-8").splitlines() if line.strip()]


def _request(body: bytes, port: int) -> bytes:
    head = (
        f"POST /api/v1/screen HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


@dataclass
class Run:
    """One phase at a fixed rate: latencies in ms (from when each request was due) and failures."""

    rate: float
    latencies: list[float]
    errors: int
    seconds: float

    def pct(self, p: float) -> float:
        """The p-th percentile latency in ms."""
        xs = sorted(self.latencies)
        if not xs:
            return float("nan")
        return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]

    @property
    def achieved(self) -> float:
        """Answered requests per second."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def run_rate(port: int, rate: float, seconds: float, connections: int, bodies: list[bytes]) -> Run:
    """Send `rate * seconds` requests on schedule over `connections` keep-alive connections."""
    total = max(1, int(rate * seconds))
    payloads = [_request(bodies[i % len(bodies)], port) for i in range(total)]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter() + 0.05
    deadline = start + seconds + 10.0  # a hard stop even if the server stalls

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while not queue.empty() and time.perf_counter() < deadline:
                i = queue.get_nowait()
                due = start + i / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(payloads[i])
                try:
                    status = await asyncio.wait_for(_read_response(reader), timeout=5)
                except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                    errors += 1
                    break
                if status == 200:
                    latencies.append((time.perf_counter() - due) * 1000)
                else:
                    errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)), return_exceptions=True)
    return Run(rate, latencies, errors, max(time.perf_counter() - start, 1e-9))


def baseline(bodies: list[bytes], n: int = 2000) -> tuple[float, float]:
    """p50 and p99 in ms of screening one request in this process (parse, screen, to JSON)."""
    from kontaktfilter.contract import parse_request, verdict_to_dict
    from kontaktfilter.screener import Screener

    screener = Screener()
    objs = [json.loads(b) for b in bodies]
    times = []
    for i in range(n + 200):
        t = time.perf_counter()
        v = screener.screen_many([parse_request(objs[i % len(objs)])])
        json.dumps(verdict_to_dict(v[0]))
        if i >= 200:
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.99 * (len(times) - 1))]


def start_server(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """`kontaktfilter serve` on loopback with a fresh SQLite store and the benchmark's API token."""
    env = {
        **os.environ,
        "KONTAKTFILTER_API_TOKEN": TOKEN,
        "KONTAKTFILTER_DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "KONTAKTFILTER_CONFIG": str(workdir / "none.toml"),
    }
    exe = Path(sys.executable).parent / "kontaktfilter"
    proc = subprocess.Popen(
        [str(exe), "serve", "--host", HOST, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    import socket

    for _ in range(600):
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    raise SystemExit("the server did not start within 30 s")


def main() -> None:
    """Run the benchmark and print the report."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=500.0, help="fixed rate in requests/s (default 500)")
    ap.add_argument("--seconds", type=float, default=10.0, help="duration of the fixed-rate run (default 10)")
    ap.add_argument("--connections", type=int, default=8, help="keep-alive connections (default 8)")
    ap.add_argument("--goal-p99", type=float, default=10.0, help="p99 goal in ms (default 10)")
    ap.add_argument(
        "--step-seconds", type=float, default=4.0, help="duration of each search step (default 4)"
    )
    ap.add_argument("--max-requests", type=int, default=60_000, help="bound on all requests sent")
    ap.add_argument("--max-seconds", type=float, default=120.0, help="bound on the whole run")
    ap.add_argument("--no-search", action="store_true", help="skip the search for the maximum rate")
    args = ap.parse_args()

    bodies = _bodies()
    b50, b99 = baseline(bodies)
    print(f"baseline (same process, no HTTP): p50 {b50:.2f} ms, p99 {b99:.2f} ms per request")

    budget_requests = args.max_requests
    t_end = time.monotonic() + args.max_seconds
    with tempfile.TemporaryDirectory(prefix="kontaktfilter-bench-") as tmp:
        port = _free_port()
        server = start_server(port, Path(tmp))
        try:
            asyncio.run(run_rate(port, 100, 2, 8, bodies))  # warm-up: models, pools, caches
            budget_requests -= 200
            fixed = asyncio.run(run_rate(port, args.rate, args.seconds, args.connections, bodies))
            budget_requests -= int(args.rate * args.seconds)
            print(
                f"fixed rate {args.rate:.0f} req/s for {args.seconds:.0f} s: {len(fixed.latencies)} ok, "
                f"{fixed.errors} errors, achieved {fixed.achieved:.0f} req/s; latency p50 {fixed.pct(50):.2f} ms, "
                f"p99 {fixed.pct(99):.2f} ms, max {max(fixed.latencies, default=float('nan')):.2f} ms "
                f"(goal p99 <= {args.goal_p99:.0f} ms: {'met' if fixed.pct(99) <= args.goal_p99 else 'missed'}); "
                f"p50 is {fixed.pct(50) / b50:.1f}x the in-process baseline"
            )
            if args.no_search:
                return
            best = None
            rate = args.rate
            while time.monotonic() < t_end:
                cost = int(rate * args.step_seconds)
                if cost > budget_requests:
                    print(f"stopping the search: the request budget ({args.max_requests}) is spent")
                    break
                budget_requests -= cost
                step = asyncio.run(run_rate(port, rate, args.step_seconds, args.connections, bodies))
                ok = step.errors == 0 and step.pct(99) <= args.goal_p99 and step.achieved >= 0.95 * rate
                print(
                    f"  {rate:6.0f} req/s: achieved {step.achieved:6.0f}, p50 {step.pct(50):6.2f} ms, "
                    f"p99 {step.pct(99):7.2f} ms, errors {step.errors} -> {'sustained' if ok else 'not sustained'}"
                )
                if not ok:
                    break
                best = rate
                rate *= 1.25
            if best is not None:
                print(
                    f"maximum sustained rate: {best:.0f} req/s (p99 <= {args.goal_p99:.0f} ms, >= 95 % on time)"
                )
            else:
                print(f"maximum sustained rate: below {args.rate:.0f} req/s")
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
