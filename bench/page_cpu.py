#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""What the live page costs the browser: headless Chromium (Debian's, over
the DevTools pipe of tests/integration/page_cdp.py) shows tickerd's page
while a `sim` source publishes RATE ticks/s, in turns with one tick per
frame (/?batch=0) and in batch mode (/, the page's default).  For each it
prints the main thread's busy time (DevTools' TaskDuration and
ScriptDuration) as % of a core over DURATION s, and the ticks/s the page
counted.  tickerd and Chromium are started here and stopped.

    bench/page_cpu.py [TICKERD] [RATE] [DURATION] [ROUNDS]

defaults: build-bench/daemon/tickerd, 20000 ticks/s, 5 s, 2 rounds.
"""

import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests", "integration"))
sys.path.insert(0, HERE)

import page_cdp  # noqa: E402
from batch_client import bench_args, free_port, start_tickerd  # noqa: E402


def metrics(b):
    got = b.call("Performance.getMetrics")["metrics"]
    return {m["name"]: m["value"] for m in got}


def page_ticks(b):
    return int(b.eval("document.getElementById('ticks').textContent"
                      ".replace(/,/g, '')") or 0)


def measure(b, url, seconds):
    b.navigate(url)
    b.wait_for("document.body.dataset.conn === 'live' && "
               "+document.getElementById('ticks').textContent"
               ".replace(/,/g, '') > 0", 15, "the page to go live")
    time.sleep(1)
    m0, t0, n0 = metrics(b), time.monotonic(), page_ticks(b)
    time.sleep(seconds)
    m1, t1, n1 = metrics(b), time.monotonic(), page_ticks(b)
    wall = t1 - t0
    return ((m1["TaskDuration"] - m0["TaskDuration"]) * 100 / wall,
            (m1["ScriptDuration"] - m0["ScriptDuration"]) * 100 / wall,
            (n1 - n0) / wall)


def main():
    binary, rate, seconds, rounds = bench_args(2)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_tickerd(binary, port, rate, tmp)
        b = page_cdp.Browser()
        try:
            b.start()
            b.call("Performance.enable")
            print("| mode | ticks/s shown | main thread busy % | "
                  "of which script % |")
            print("|---|---:|---:|---:|")
            base = "http://127.0.0.1:%d/" % port
            for _ in range(rounds):
                for mode, url in (("frames", base + "?batch=0"),
                                  ("batch", base)):
                    task, script, tps = measure(b, url, seconds)
                    print("| %s | %.0f | %.1f | %.1f |" % (mode, tps, task,
                                                          script))
        finally:
            b.close()
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
