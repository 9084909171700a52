#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""What batch mode saves a client: one Python websockets client (Debian's
python3-websockets, the kind of script tickerd's users write) reads a
tickerd fed by a `sim` source for DURATION seconds, once one tick per frame
and once with ?batch=1, in turns, and prints its CPU time per tick, the
frames it read and the ticks it got.  tickerd is started here and stopped
by its PID.

    bench/batch_client.py [TICKERD] [RATE] [DURATION] [ROUNDS]

defaults: build-bench/daemon/tickerd, 20000 ticks/s, 5 s, 3 rounds.
The sim publishes its due ticks every 50 ms, so a reader that keeps up
still finds up to a burst's worth pending at each write; a real exchange
spreads them out, and then batches are only as large as the backlog.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_tickerd(binary, port, rate, tmp):
    conf = {"listen": {"tcp": "127.0.0.1:%d" % port},
            "exchanges": [{"name": "sim", "adapter": "sim",
                           "symbols": ["BTC-USD", "ETH-USD", "SOL-USD"],
                           "rate": rate}]}
    path = os.path.join(tmp, "tickerd.json")
    with open(path, "w") as f:
        json.dump(conf, f)
    proc = subprocess.Popen([binary, "-c", path], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("tickerd did not listen on %d" % port)


async def read_for(port, query, seconds):
    """(ticks, frames, client CPU s) over @seconds of reading."""
    ticks = frames = 0
    async with websockets.connect("ws://127.0.0.1:%d/%s" % (port, query),
                                  max_size=None) as ws:
        await asyncio.wait_for(ws.recv(), 5)     # first: the hello
        cpu0, end = time.process_time(), time.monotonic() + seconds
        while time.monotonic() < end:
            msg = json.loads(await ws.recv())
            frames += 1
            for m in msg if isinstance(msg, list) else (msg,):
                if m["type"] in ("trade", "quote"):
                    ticks += 1
        cpu = time.process_time() - cpu0
    return ticks, frames, cpu


def bench_args(rounds):
    """[TICKERD] [RATE] [DURATION] [ROUNDS] from the command line, with
    build-bench's tickerd, 20000 ticks/s, 5 s and @rounds by default."""
    a = sys.argv[1:] + [None] * 4
    return (a[0] or os.path.join(ROOT, "build-bench", "daemon", "tickerd"),
            int(a[1] or 20000), float(a[2] or 5.0), int(a[3] or rounds))


def main():
    binary, rate, seconds, rounds = bench_args(3)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_tickerd(binary, port, rate, tmp)
        try:
            print("| mode | ticks/s read | frames/s | ticks per frame "
                  "| client CPU-µs per tick | client CPU % |")
            print("|---|---:|---:|---:|---:|---:|")
            for _ in range(rounds):
                for mode, query in (("frames", ""), ("batch", "?batch=1")):
                    t, f, cpu = asyncio.run(read_for(port, query, seconds))
                    print("| %s | %.0f | %.0f | %.1f | %.2f | %.1f |" % (
                        mode, t / seconds, f / seconds, t / max(f, 1),
                        cpu * 1e6 / max(t, 1), cpu * 100 / seconds))
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
