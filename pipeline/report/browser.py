"""Render the report in real headless Chromium over the DevTools protocol.

Used by ``python -m pipeline.report --screenshot`` and tests/pipeline/report/test_report_browser.py.
No Playwright download: it drives Debian's ``chromium`` (``/usr/bin/chromium``)
directly through a WebSocket (the ``websockets`` package). Chromium is started
with a fresh profile, no background networking, and a host resolver that
resolves nothing, so a page that tried to reach the internet would fail loudly.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

# Plotly marks: bars and scatter points are <path class="point">, heatmaps an <image>.
_COUNT_POINTS_JS = """
Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => ({
  id: p.id,
  points: p.querySelectorAll('.point').length + p.querySelectorAll('g.hm image').length,
  heatmapPixels: Array.from(p.querySelectorAll('g.hm image')).filter(
      i => (i.getAttribute('href') || i.getAttribute('xlink:href') || '').length > 100).length,
}))
"""


class BrowserError(RuntimeError):
    pass


# What the page draws, in CSS pixels of the viewport, for the layout checks:
# per chart, its x range, the text of its count-axis ticks, its annotation
# (label) boxes, its bubble boxes and its plot-area box.
LAYOUT_JS = """
Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const texts = sel => Array.from(p.querySelectorAll(sel)).map(t => t.textContent);
  const full = p._fullLayout || {};
  return {
    id: p.id,
    xrange: full.xaxis ? full.xaxis.range : null,
    xticks: texts('.xaxislayer-above .xtick text'),
    yticks: texts('.yaxislayer-above .ytick text'),
    colorbarTicks: texts('.colorbar .cbaxis text, .colorbar .ytick text'),
    labels: Array.from(p.querySelectorAll('g.annotation-text-g')).map(box),
    bubbles: Array.from(p.querySelectorAll('.scatterlayer .trace:last-child .point')).map(box)
               .filter(b => b[2] - b[0] > 6),
    plotArea: p.querySelector('.nsewdrag') ? box(p.querySelector('.nsewdrag')) : null,
  };
})
"""


@dataclasses.dataclass
class RenderResult:
    points_per_chart: dict[str, int]
    heatmap_images: dict[str, int]
    errors: list[str]              # console errors and uncaught exceptions
    body_text: str
    screenshot: Path | None
    charts: dict[str, dict] = dataclasses.field(default_factory=dict)   # LAYOUT_JS per chart id


def find_chromium() -> str | None:
    for path in CHROMIUM_CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium")


class _CDP:
    def __init__(self, ws_url: str):
        from websockets.sync.client import connect

        self.ws = connect(ws_url, max_size=None, open_timeout=20)
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, name: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev.get("method") == name:
                    return self.events.pop(i)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"timed out waiting for {name}")
            self.events.append(json.loads(self.ws.recv(timeout=remaining)))

    def close(self):
        self.ws.close()


def _errors(events: list[dict]) -> list[str]:
    out = []
    for ev in events:
        method, p = ev.get("method"), ev.get("params", {})
        if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            out.append("exception: " + str(d.get("exception", {}).get("description") or d.get("text")))
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.append("log: " + p["entry"].get("text", "") + " " + p["entry"].get("url", ""))
    return out


def render_in_chromium(html_path: Path, *, screenshot: Path | None = None, width: int = 1280,
                       max_height: int = 3000, chromium: str | None = None,
                       timeout: float = 60) -> RenderResult:
    """Open ``html_path`` in headless Chromium, count chart marks, collect errors, screenshot.

    The layout (:data:`LAYOUT_JS`) is read at ``width`` x 900 CSS pixels, before
    the viewport is stretched for the full-page screenshot. Raises
    :class:`BrowserError` when Chromium is missing, does not start or times out.
    """
    chromium = chromium or find_chromium()
    if not chromium:
        raise BrowserError("no Chromium found (apt-get install -y chromium)")
    profile = tempfile.mkdtemp(prefix="report-chromium-")
    proc = subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--remote-debugging-address=127.0.0.1",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", f"--window-size={width},900",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cdp = None
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if proc.poll() is not None:
                raise BrowserError(f"chromium exited with {proc.returncode}")
            if time.monotonic() > deadline:
                raise BrowserError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        cdp = _CDP(f"ws://127.0.0.1:{port}{path}")
        target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            cdp.send(f"{domain}.enable", session=session)
        cdp.send("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
        cdp.events.clear()
        cdp.send("Page.navigate", {"url": Path(html_path).resolve().as_uri()}, session=session)
        cdp.wait_event("Page.loadEventFired", timeout=timeout)

        def evaluate(expr: str):
            res = cdp.send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=session)
            return res.get("result", {}).get("value")

        # Plotly draws synchronously after load, but give late frames a moment.
        charts: list = []
        for _ in range(50):
            charts = evaluate(_COUNT_POINTS_JS) or []
            if charts and all(c["points"] > 0 for c in charts):
                break
            time.sleep(0.1)
        time.sleep(0.3)
        charts = evaluate(_COUNT_POINTS_JS) or []
        body_text = evaluate("document.body.innerText") or ""
        layout = {c["id"]: c for c in (evaluate(LAYOUT_JS) or [])}
        shot = None
        if screenshot is not None:
            height = min(int(evaluate("document.documentElement.scrollHeight") or 900), max_height)
            cdp.send("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
            time.sleep(0.5)   # let the responsive charts re-layout
            png = cdp.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
            screenshot = Path(screenshot)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(png))
            shot = screenshot
        # Drain events that arrived in the meantime before reading errors.
        try:
            while True:
                cdp.events.append(json.loads(cdp.ws.recv(timeout=0.2)))
        except TimeoutError:
            pass
        return RenderResult({c["id"]: c["points"] for c in charts},
                            {c["id"]: c["heatmapPixels"] for c in charts},
                            _errors(cdp.events), body_text, shot, layout)
    finally:
        if cdp is not None:
            try:
                cdp.close()
            except Exception:
                pass
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
