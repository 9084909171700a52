# SPDX-License-Identifier: MIT
"""The live page at GET /: served from the binary with nothing external,
loaded in headless Chromium against a sim config, showing exactly the
prices tickerd sends, updating, reconnecting after a restart, and never
turning text from the network into markup.

The browser is Debian's chromium, driven over the DevTools pipe
(page_cdp.py).  The screenshots go to <build>/tmp/ (see artifacts_dir()).
"""

import asyncio
import http.client
import json
import os
import re
import struct
import time
import unittest
import zlib

import page_cdp
import page_fake
import tkharness as h

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE_SOURCE = os.path.join(HERE, os.pardir, os.pardir, "daemon", "page.html")

# (exchange, symbols, seed): two exchanges sharing one symbol, so the grid
# has both filled cells and cells for pairs nobody trades, and a best
# bid / ask over two venues for BTC-USD, over one for the others.
SIM = [("simex", ["BTC-USD", "ETH-USD"], 1),
       ("simfast", ["BTC-USD", "SOL-USD"], 2)]
# The columns before the exchanges': tickerd's consolidated bbo.
DERIVED = ["Best bid / ask"]
SIM_SYMBOLS = sorted({s for _, syms, _ in SIM for s in syms})
SIM_PAIRS = {(ex, s) for ex, syms, _ in SIM for s in syms}
DECIMAL = re.compile(r"^\d+(\.\d+)?$")
WIDTH, HEIGHT = 1200, 700


def sim_config(port, rate=20):
    return {"listen": {"tcp": "127.0.0.1:%d" % port},
            "exchanges": [{"name": ex, "adapter": "sim", "symbols": syms,
                           "rate": rate, "seed": seed}
                          for ex, syms, seed in SIM]}


def http_get(port, path):
    """(status, headers with lower-case names, body) of GET @path; no
    proxy, whatever the environment says."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def artifacts_dir():
    """$TK_ARTIFACTS, else tmp/ in the build tree of $TICKERD (found by
    its CMakeCache.txt), else /tmp.  Never the source tree."""
    d = os.environ.get("TK_ARTIFACTS")
    if not d:
        build = os.path.dirname(os.path.dirname(
                os.path.abspath(h.tickerd_path())))
        d = os.path.join(build, "tmp") if os.path.exists(
                os.path.join(build, "CMakeCache.txt")) else "/tmp"
    os.makedirs(d, exist_ok=True)
    return d


def png_info(data):
    """(width, height, distinct byte values in the image data) of a PNG;
    fails on anything that is not one."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise AssertionError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    idat, i = b"", 8
    while i < len(data):
        n, kind = struct.unpack(">I4s", data[i:i + 8])
        if kind == b"IDAT":
            idat += data[i + 8:i + 8 + n]
        i += 12 + n
    return width, height, len(set(zlib.decompress(idat)))


# The page's state as the test reads it: what a user sees, per cell.
READ_JS = r"""JSON.stringify({
  conn: document.body.dataset.conn,
  connText: document.getElementById('conn-text').textContent,
  ticks: document.getElementById('ticks').textContent,
  rate: document.getElementById('rate').textContent,
  clients: document.getElementById('clients').textContent,
  version: document.getElementById('version').textContent,
  heads: [...document.querySelectorAll('#head th')].map(th => th.textContent),
  rows: [...document.querySelectorAll('#rows tr')].map(tr => tr.firstChild.textContent),
  badges: [...document.querySelectorAll('#badges .badge')].map(b => ({
    name: b.dataset.exchange, state: b.dataset.state, text: b.textContent,
    title: b.title})),
  cells: [...document.querySelectorAll('td.cell')].map(td => ({
    ex: td.dataset.exchange, sym: td.dataset.symbol,
    empty: td.classList.contains('none'),
    price: td.querySelector('.price').textContent,
    dir: td.querySelector('.px').classList.contains('up') ? 'up' :
         td.querySelector('.px').classList.contains('down') ? 'down' : '',
    arrow: td.querySelector('.arrow').textContent,
    bid: td.querySelector('.bid').textContent,
    ask: td.querySelector('.ask').textContent,
    age: td.querySelector('.age').textContent})),
  bbo: [...document.querySelectorAll('td.bbo')].map(td => ({
    sym: td.dataset.symbol, crossed: td.classList.contains('crossed'),
    bid: td.querySelector('.bid').textContent,
    bidVenue: td.querySelectorAll('.venue')[0].textContent,
    ask: td.querySelector('.ask').textContent,
    askVenue: td.querySelectorAll('.venue')[1].textContent,
    shown: td.isConnected && td.offsetParent !== null})),
  funding: [...document.querySelectorAll('td.funding > div')].map(d => ({
    sym: d.parentNode.dataset.symbol, ex: d.dataset.exchange,
    rate: d.querySelector('.rate').textContent,
    mark: d.querySelector('.mark').textContent, title: d.title})),
  text: document.body.innerText,
})"""


class Observer:
    """A plain WebSocket client beside the page: everything tickerd sent,
    to check the page against."""

    def __init__(self, ws):
        self.ws = ws
        self.trades = {}    # (exchange, symbol) -> [price, ...]
        self.quotes = {}    # (exchange, symbol) -> [(bid, ask), ...]
        # symbol -> [(bid, bid_exchange, ask, ask_exchange, crossed), ...]
        self.bbos = {}
        self.live = []      # arrival time of every live tick
        self.task = asyncio.ensure_future(self._run())

    async def _run(self):
        try:
            async for text in self.ws:
                m = json.loads(text)
                key = (m.get("exchange"), m.get("symbol"))
                if m.get("type") == "trade":
                    self.trades.setdefault(key, []).append(m["price"])
                elif m.get("type") == "quote":
                    self.quotes.setdefault(key, []).append(
                            (m["bid"], m["ask"]))
                elif m.get("type") == "bbo":
                    self.bbos.setdefault(m["symbol"], []).append(
                            (m["bid"], m["bid_exchange"], m["ask"],
                             m["ask_exchange"], m["crossed"]))
                    continue
                else:
                    continue
                if not m.get("snapshot"):
                    self.live.append(time.monotonic())
        except Exception:   # closed: the test reads what was seen
            pass

    async def saw_bbo(self, symbol, bbo, timeout=3.0):
        """True once this client too has seen @bbo for @symbol."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if bbo in self.bbos.get(symbol, []):
                return True
            await asyncio.sleep(0.05)
        return False

    def rate(self, seconds):
        since = time.monotonic() - seconds
        return sum(1 for t in self.live if t >= since) / seconds

    async def saw(self, key, trade=None, quote=None, timeout=3.0):
        """True once this client too has seen @trade / @quote for @key:
        the page may be a few milliseconds ahead of it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (trade is None or trade in self.trades.get(key, [])) and \
               (quote is None or quote in self.quotes.get(key, [])):
                return True
            await asyncio.sleep(0.05)
        return False


class PageCase(h.TkTestCase):

    async def browser(self):
        b = page_cdp.Browser(WIDTH, HEIGHT)
        self.addCleanup(b.close)
        await asyncio.to_thread(b.start)
        return b

    @staticmethod
    async def read(b):
        return json.loads(await asyncio.to_thread(b.eval, READ_JS))

    @staticmethod
    async def wait_for(b, js, timeout=10.0, what=None):
        return await asyncio.to_thread(b.wait_for, js, timeout, what)

    async def screenshot(self, b, name):
        path = os.path.join(artifacts_dir(), name)
        data = await asyncio.to_thread(b.screenshot, path)
        width, height, distinct = png_info(data)
        self.assertEqual((width, height), (WIDTH, HEIGHT), path)
        self.assertGreater(distinct, 16, "%s looks blank" % path)
        print("\nscreenshot: %s" % path)
        return data


class TestServed(PageCase):

    async def test_get_root_serves_the_embedded_page(self):
        port = h.free_port()
        await self.start_daemon(sim_config(port), self.make_tmpdir())
        status, hdrs, body = await asyncio.to_thread(http_get, port, "/")
        self.assertEqual(status, 200)
        self.assertEqual(hdrs.get("content-type"), "text/html; charset=utf-8")
        self.assertEqual(int(hdrs.get("content-length")), len(body))
        with open(PAGE_SOURCE, "rb") as f:
            self.assertEqual(body, f.read(), "GET / is not page.html as is")
        status, hdrs, again = await asyncio.to_thread(http_get, port,
                                                      "/index.html")
        self.assertEqual((status, again), (200, body))
        self.assertEqual(hdrs.get("content-type"), "text/html; charset=utf-8")
        status, _, _ = await asyncio.to_thread(http_get, port, "/nope.html")
        self.assertEqual(status, 404)

    async def test_page_is_self_contained(self):
        port = h.free_port()
        await self.start_daemon(sim_config(port), self.make_tmpdir())
        _, _, body = await asyncio.to_thread(http_get, port, "/")
        text = body.decode("utf-8")
        self.assertTrue(text.startswith("<!doctype html>"))
        # No URL with a scheme at all (http, https, ws, a CDN...), and no
        # reference that could leave the host: only data: URLs.
        self.assertIsNone(re.search(r"[a-z][a-z0-9+.-]*://", text, re.I))
        for m in re.finditer(r"""\b(?:src|href|action)\s*=\s*["']?([^"'\s>]*)""",
                             text, re.I):
            self.assertTrue(m.group(1).startswith("data:"), m.group(0))
        for bad in ("@import", "url(", "<iframe", "<object", "<embed",
                    "import(", "importScripts"):
            self.assertNotIn(bad, text)
        # The browser enforces it too.
        self.assertIsNotNone(re.search(
                r"Content-Security-Policy\" content=\"default-src 'none';"
                r"[^\"]*connect-src 'self'", text), "no CSP <meta>")
        # Data only ever enters the DOM as text.
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML",
                     "document.write", "eval(", "new Function", "srcdoc"):
            self.assertNotIn(sink, text)


@page_cdp.needs_chromium
class TestLive(PageCase):

    async def test_live_prices_updates_and_reconnect(self):
        port = h.free_port()
        conf = sim_config(port)
        d = await self.start_daemon(conf, self.make_tmpdir())
        obs = Observer(await self.client(d))
        self.addCleanup(obs.task.cancel)
        b = await self.browser()
        await asyncio.to_thread(b.navigate, "http://127.0.0.1:%d/" % port)

        # Every configured pair shows a trade and a quote.
        await self.wait_for(b, """document.body.dataset.conn === 'live' &&
            [...document.querySelectorAll('td.cell')].filter(td =>
              td.querySelector('.price').textContent !== '—' &&
              td.querySelector('.bid').textContent !== '—').length >= %d"""
                            % len(SIM_PAIRS), what="prices in every cell")
        # /health tells the states of sim exchanges (they send no status),
        # and the config's order of columns.
        await self.wait_for(b, """document.querySelectorAll(
            '#badges .badge[data-state="connected"]').length === %d &&
            [...document.querySelectorAll('#head th')].map(th =>
              th.textContent).join() === %s""" % (
                len(SIM), json.dumps(",".join(["Symbol"] + DERIVED + [
                    ex for ex, _, _ in SIM]))), what="badges and columns")
        s1 = await self.read(b)
        png1 = await self.screenshot(b, "page-first.png")
        self.check_grid(s1)
        for c in s1["cells"]:
            if not c["empty"]:
                key = (c["ex"], c["sym"])
                self.assertTrue(await obs.saw(key, trade=c["price"],
                                              quote=(c["bid"], c["ask"])),
                                "%s shows %s %s/%s: never sent; sent %s %s"
                                % (key, c["price"], c["bid"], c["ask"],
                                   obs.trades.get(key)[-5:],
                                   obs.quotes.get(key)[-5:]))
        self.assertTrue(any("." in c["price"] for c in s1["cells"]))
        # The best bid / ask of each symbol is one tickerd sent, with the
        # venues that quote it: one for ETH-USD and SOL-USD, two for
        # BTC-USD.
        venues = {"ETH-USD": {"simex"}, "SOL-USD": {"simfast"},
                  "BTC-USD": {"simex", "simfast"}}
        self.assertEqual(sorted(x["sym"] for x in s1["bbo"]), SIM_SYMBOLS)
        for x in s1["bbo"]:
            self.assertTrue(x["shown"], x)
            self.assertIn(x["bidVenue"], venues[x["sym"]], x)
            self.assertIn(x["askVenue"], venues[x["sym"]], x)
            sent = (x["bid"], x["bidVenue"], x["ask"], x["askVenue"],
                    x["crossed"])
            self.assertTrue(await obs.saw_bbo(x["sym"], sent),
                            "%s shows %s: never sent; sent %s" % (
                                x["sym"], sent,
                                obs.bbos.get(x["sym"], [])[-5:]))

        await asyncio.sleep(3)
        s2 = await self.read(b)
        png2 = await self.screenshot(b, "page.png")
        self.check_grid(s2)
        n1, n2 = (int(s["ticks"].replace(",", "")) for s in (s1, s2))
        self.assertGreater(n2, n1, "tick counter did not move")
        changed = [(c1["ex"], c1["sym"]) for c1, c2 in
                   zip(s1["cells"], s2["cells"]) if
                   (c1["price"], c1["bid"], c1["ask"]) !=
                   (c2["price"], c2["bid"], c2["ask"])]
        self.assertTrue(changed, "no price changed in 3 s")
        self.assertNotEqual(png1, png2)
        # The rate shown is what arrives (the page averages up to 5 s).
        rate, seen = float(s2["rate"]), obs.rate(3.0)
        self.assertGreater(seen, 5)
        self.assertTrue(seen / 2 <= rate <= seen * 2,
                        "page shows %.1f ticks/s, %.1f arrive" % (rate, seen))
        self.assertEqual(s2["clients"], "2")    # the page and obs
        self.assertRegex(s2["version"], r"^v\d+\.\d+")
        self.assertEqual(b.problems(), [])

        # tickerd goes away: the page says so, and comes back by itself.
        await d.stop()
        await self.wait_for(b, "document.body.dataset.conn === 'down'",
                            what="the page to notice the daemon is gone")
        s3 = await self.read(b)
        self.assertRegex(s3["connText"], r"^reconnecting in \d+ s$")
        self.assertEqual({x["state"] for x in s3["badges"]}, {"unknown"})
        d2 = await self.start_daemon(conf, self.make_tmpdir())
        await self.wait_for(b, "document.body.dataset.conn === 'live' && "
                            "+document.getElementById('ticks').textContent"
                            ".replace(/,/g, '') > %d" %
                            int(s3["ticks"].replace(",", "")),
                            what="the page to reconnect and tick again")
        _, _, health = await asyncio.to_thread(http_get, d2.tcp_port,
                                               "/health")
        self.assertEqual(json.loads(health)["clients"], 1)
        self.assertEqual([p for p in b.problems()
                          if not p.startswith("log network")], [])

    async def test_query_filters_the_page(self):
        # The page's own query goes on to the stream, with batch mode
        # added: /?symbols=ETH-USD shows ETH-USD only.
        port = h.free_port()
        await self.start_daemon(sim_config(port), self.make_tmpdir())
        b = await self.browser()
        await asyncio.to_thread(b.navigate, "http://127.0.0.1:%d/"
                                "?symbols=ETH-USD" % port)
        await self.wait_for(b, """document.body.dataset.conn === 'live' &&
            [...document.querySelectorAll('td.cell')].some(td =>
              td.dataset.symbol === 'ETH-USD' &&
              td.querySelector('.price').textContent !== '—')""",
                            what="an ETH-USD price")
        await asyncio.sleep(1)  # the other symbols tick 10 times a second
        s = await self.read(b)
        self.assertEqual(s["rows"], ["ETH-USD"])
        title = await asyncio.to_thread(
                b.eval, "document.getElementById('conn').title")
        self.assertEqual(title, "ws://127.0.0.1:%d/?symbols=ETH-USD&batch=1"
                         % port)
        # An exchange filter leaves out the others' columns too, though
        # /health lists them.
        await asyncio.to_thread(b.navigate, "http://127.0.0.1:%d/"
                                "?exchanges=simfast" % port)
        await self.wait_for(b, """document.body.dataset.conn === 'live' &&
            document.getElementById('clients').textContent !== '–' &&
            [...document.querySelectorAll('td.cell')].filter(td =>
              td.querySelector('.price').textContent !== '—').length >= 2""",
                            what="simfast's prices and /health")
        s = await self.read(b)
        self.assertEqual(s["heads"], ["Symbol", "simfast"])
        self.assertEqual(s["rows"], ["BTC-USD", "SOL-USD"])
        self.assertEqual([x["name"] for x in s["badges"]], ["simfast"])
        self.assertEqual(b.problems(), [])

    def check_grid(self, s):
        self.assertEqual(s["conn"], "live")
        self.assertEqual(s["heads"], ["Symbol"] + DERIVED +
                         [ex for ex, _, _ in SIM])
        self.assertEqual(s["rows"], SIM_SYMBOLS)
        self.assertEqual([(x["name"], x["state"]) for x in s["badges"]],
                         [(ex, "connected") for ex, _, _ in SIM])
        for word in [ex for ex, _, _ in SIM] + SIM_SYMBOLS:
            self.assertIn(word, s["text"])
        cells = {(c["ex"], c["sym"]): c for c in s["cells"]}
        self.assertEqual(set(cells), {(ex, sym) for ex, _, _ in SIM
                                      for sym in SIM_SYMBOLS})
        for key, c in cells.items():
            if key not in SIM_PAIRS:
                self.assertTrue(c["empty"], key)
                self.assertEqual(c["price"], "—", key)
                continue
            self.assertFalse(c["empty"], key)
            for v in (c["price"], c["bid"], c["ask"]):
                self.assertRegex(v, DECIMAL, key)
            self.assertRegex(c["age"], r"^\d+(\.\d)? (ms|s)$", key)
            self.assertEqual(c["arrow"], {"up": "▲", "down": "▼",
                                          "": ""}[c["dir"]], key)


@page_cdp.needs_chromium
class TestRendering(PageCase):
    """Against a scripted fake, for what a sim never sends."""

    EVIL_EX = '<img src=x onerror="window.pwned=1">'
    EVIL_SYM = '<i>X</i>-USD&amp;</td>'
    EVIL_DETAIL = '<script>window.pwned=2</script> "quoted" & <marquee>'

    async def test_text_states_and_price_directions(self):
        port = h.free_port()
        await self.start_daemon(sim_config(port), self.make_tmpdir())
        _, _, page = await asyncio.to_thread(http_get, port, "/")
        # /health answers late, after the status messages: its order of
        # exchanges (the config's) must still win.
        fake = await page_fake.FakeTickerd(page, {
                "status": "ok", "version": "<u>1</u>", "uptime_s": 7,
                "clients": 1, "exchanges": [{
                    "name": "bybit", "adapter": "bybit", "state": "stale",
                    "last_tick_age_s": 31.5, "reconnects": 0, "ticks": 9
                }, {
                    "name": "kraken", "adapter": "kraken",
                    "state": "down", "last_tick_age_s": None,
                    "reconnects": 3, "ticks": 0}]},
                health_delay=0.5).start()
        self.addAsyncCleanup(fake.close)
        b = await self.browser()
        await asyncio.to_thread(b.navigate, fake.url)
        await fake.wait_clients(1)
        await self.wait_for(b, "document.body.dataset.conn === 'live'")

        def trade(ex, sym, price, **kw):
            return dict(type="trade", exchange=ex, symbol=sym, price=price,
                        size="1", side="buy", trade_id="1",
                        ts=int(time.time() * 1e6),
                        recv_ts=int(time.time() * 1e6), seq=1, **kw)

        def quote(ex, sym, bid, ask):
            return dict(type="quote", exchange=ex, symbol=sym, bid=bid,
                        bid_size="1", ask=ask, ask_size="1",
                        ts=int(time.time() * 1e6),
                        recv_ts=int(time.time() * 1e6), seq=1)

        evil, sym = self.EVIL_EX, self.EVIL_SYM
        long = "0.000000012345678901234567"
        await fake.send(
            {"type": "status", "exchange": "kraken", "state": "down",
             "detail": self.EVIL_DETAIL},
            {"type": "status", "exchange": "okx", "state": "reconnecting",
             "detail": "retry in 2 s"},
            {"type": "status", "exchange": "bybit", "state": "stale",
             "detail": "no data for 30 s"},
            {"type": "status", "exchange": evil, "state": "connected",
             "detail": ""},
            # a text compare would call 10.0 lower than 9.99
            trade("okx", "A-USD", "9.99", snapshot=True),
            trade("okx", "A-USD", "10.0"),
            # equal as numbers: no direction, shown as sent
            trade("okx", "B-USD", "100.50", snapshot=True),
            trade("okx", "B-USD", "100.5"),
            # more digits than a double holds
            trade("okx", "C-USD", "2", snapshot=True),
            trade("okx", "C-USD", "1.999999999999999999999"),
            trade("bybit", "C-USD", long),
            # batch frames, junk, and names that are Object keys
            [trade("bybit", "A-USD", "5"), trade("bybit", "A-USD", "4")],
            "not json", b"\x00\x01", "null", "[]", "42",
            {"type": "trade"}, {"type": "trade", "exchange": {"a": 1},
                                "symbol": "X"},
            trade("okx", "__proto__", "1"), trade("constructor", "B-USD", "3"),
            quote(evil, sym, "1.5", "1.6"),
            trade(evil, sym, "<i>9</i>"),
            trade("kraken", "A-USD", "1e3"),
            # last: once shown, everything above has been handled
            trade("zz", "Z-USD", "1"))
        await self.wait_for(b, "[...document.querySelectorAll('td.cell')]"
                            ".some(td => td.dataset.exchange === 'zz' && "
                            "td.querySelector('.price').textContent === '1')",
                            what="the last frame")
        await self.wait_for(b, "[...document.querySelectorAll('#head th')]"
                            ".map(th => th.textContent).join()"
                            ".startsWith('Symbol,bybit,kraken,okx,')",
                            what="columns in /health order")
        s = await self.read(b)
        await self.screenshot(b, "page-states.png")
        cells = {(c["ex"], c["sym"]): c for c in s["cells"]}

        # Text stays text.
        self.assertIsNone(await asyncio.to_thread(b.eval, "window.pwned"))
        self.assertEqual(await asyncio.to_thread(
                b.eval, "document.querySelectorAll('img, i, u, marquee')"
                ".length + document.scripts.length"), 1)
        self.assertIn(evil, s["heads"])
        self.assertIn(sym, s["rows"])
        self.assertEqual(s["version"], "v<u>1</u>")
        badges = {x["name"]: x for x in s["badges"]}
        self.assertIn(self.EVIL_DETAIL, badges["kraken"]["title"])
        self.assertIn("3 reconnects", badges["kraken"]["title"])
        self.assertEqual([x["name"] for x in s["badges"]][:3],
                         ["bybit", "kraken", "okx"])
        self.assertEqual({n: badges[n]["state"] for n in
                          ("kraken", "okx", "bybit", evil)},
                         {"kraken": "down", "okx": "reconnecting",
                          "bybit": "stale", evil: "connected"})
        # A price that is no decimal is not shown; the quote still is.
        c = cells[(evil, sym)]
        self.assertEqual((c["price"], c["bid"], c["ask"]), ("—", "1.5", "1.6"))
        self.assertTrue(cells[("kraken", "A-USD")]["empty"])

        # Prices as sent, directions as numbers say.
        def shown(ex, s):
            c = cells[(ex, s)]
            return c["price"], c["dir"], c["arrow"]
        self.assertEqual(shown("okx", "A-USD"), ("10.0", "up", "▲"))
        self.assertEqual(shown("okx", "B-USD"), ("100.5", "", ""))
        self.assertEqual(shown("okx", "C-USD"),
                         ("1.999999999999999999999", "down", "▼"))
        self.assertEqual(shown("bybit", "C-USD"), (long, "", ""))
        self.assertEqual(shown("bybit", "A-USD"), ("4", "down", "▼"))
        self.assertEqual(shown("okx", "__proto__"), ("1", "", ""))
        self.assertEqual(shown("constructor", "B-USD"), ("3", "", ""))
        # Snapshots are not counted: 10.0, 100.5, 1.99.., long, 5, 4, the
        # two Object-key ones, 1.5/1.6 and Z-USD.
        self.assertEqual(s["ticks"], "10")
        self.assertEqual(b.problems(), [])

    async def test_bbo_and_funding_columns(self):
        port = h.free_port()
        await self.start_daemon(sim_config(port), self.make_tmpdir())
        _, _, page = await asyncio.to_thread(http_get, port, "/")
        fake = await page_fake.FakeTickerd(page, {
                "status": "ok", "version": "1", "uptime_s": 7, "clients": 1,
                "exchanges": [{"name": n, "adapter": n, "state": "connected",
                               "last_tick_age_s": 0.1, "reconnects": 0,
                               "ticks": 1} for n in ("kraken", "okx")]}
                ).start()
        self.addAsyncCleanup(fake.close)
        b = await self.browser()
        await asyncio.to_thread(b.navigate, fake.url)
        await fake.wait_clients(1)
        await self.wait_for(b, "document.body.dataset.conn === 'live'")
        now = int(time.time() * 1e6)

        def bbo(sym, bid, bid_ex, ask, ask_ex, crossed, **kw):
            return dict(type="bbo", symbol=sym, bid=bid,
                        bid_size=bid and "1", bid_exchange=bid_ex, ask=ask,
                        ask_size=ask and "2", ask_exchange=ask_ex,
                        crossed=crossed, ts=now, seq=1, **kw)

        def funding(ex, sym, rate, mark):
            return dict(type="funding", exchange=ex, symbol=sym,
                        mark_price=mark, index_price="100.55", rate=rate,
                        next_funding_ts=1700006400000000, ts=now,
                        recv_ts=now, seq=1)

        await fake.send(
            bbo("A-USD", "100.5", "kraken", "100.9", "okx", False,
                snapshot=True),
            # crossed, then no more: the highlight goes
            bbo("B-USD", "101", "okx", "100", "kraken", True),
            bbo("B-USD", "99", "okx", "100", "kraken", False),
            bbo("C-USD", "102", "kraken", "101.5", "okx", True),
            bbo("D-USD", None, None, "5", "okx", False),
            funding("okx", "A-USD", "0.0001", "100.6"),
            funding("kraken", "A-USD", "-0.000015", "100.61"),
            funding("okx", "A-USD", "0.00012", "100.7"),
            # last: once shown, everything above has been handled
            {"type": "trade", "exchange": "zz", "symbol": "Z-USD",
             "price": "1", "size": "1", "side": "buy", "trade_id": "1",
             "ts": now, "recv_ts": now, "seq": 1})
        await self.wait_for(b, "[...document.querySelectorAll('td.cell')]"
                            ".some(td => td.dataset.exchange === 'zz' && "
                            "td.querySelector('.price').textContent === '1')",
                            what="the last frame")
        s = await self.read(b)
        await self.screenshot(b, "page-bbo.png")
        self.assertEqual(s["heads"][:3], ["Symbol", "Best bid / ask",
                                          "Funding"])
        got = {x["sym"]: (x["bid"], x["bidVenue"], x["ask"], x["askVenue"],
                          x["crossed"]) for x in s["bbo"]}
        self.assertEqual(got["A-USD"],
                         ("100.5", "kraken", "100.9", "okx", False))
        self.assertEqual(got["B-USD"], ("99", "okx", "100", "kraken", False))
        self.assertEqual(got["C-USD"],
                         ("102", "kraken", "101.5", "okx", True))
        self.assertEqual(got["D-USD"], ("—", "", "5", "okx", False))
        self.assertEqual(got["Z-USD"], ("—", "", "—", "", False))
        self.assertEqual(await asyncio.to_thread(b.eval, """
            getComputedStyle(document.querySelector(
              'td.bbo.crossed .tag')).display"""), "block")
        self.assertEqual([(f["sym"], f["ex"], f["rate"], f["mark"])
                          for f in s["funding"]],
                         [("A-USD", "okx", "0.012%", "mark 100.7"),
                          ("A-USD", "kraken", "-0.0015%", "mark 100.61")])
        self.assertIn("index 100.55", s["funding"][0]["title"])
        self.assertIn("2023-11-15T00:00:00", s["funding"][0]["title"])
        # Live funding ticks count, bbo (tickerd's own) and snapshots not.
        self.assertEqual(s["ticks"], "4")
        self.assertEqual(b.problems(), [])


if __name__ == "__main__":
    unittest.main()
