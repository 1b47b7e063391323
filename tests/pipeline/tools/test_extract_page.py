import json
import subprocess
import sys

import pytest
from helpers import HTML_FIXTURES, REPO

ROOT = REPO
FIX = HTML_FIXTURES


def run(*args):
    return subprocess.run([sys.executable, "-m", "pipeline.extract", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_html_file_prints_one_json_object():
    r = run(str(FIX / "ar_wp_drugs.html"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) >= {"title", "author", "date", "text", "language"}
    assert out["title"].startswith("أمن طنجة")
    assert out["date"] == "2020-10-03T07:50:00+01:00"        # the page's offset, never shifted to UTC
    assert out["published_date"] == "2020-10-03"
    assert out["text"] == (FIX / "ar_wp_drugs.expected.txt").read_text(encoding="utf-8").strip()
    assert out["language"] in ("ar", "und")


def test_text_file_is_only_cleaned(tmp_path):
    p = tmp_path / "story.txt"
    p.write_text("23 / 10 / 2017\nعنوان خبر عن توقيف شخصين بفاس\n"
                 "أوقفت الشرطة بمدينة فاس شخصين يشتبه في تورطهما في السرقة بالعنف، وذلك بعد أبحاث ميدانية دامت عدة أيام.\n"
                 "اترك تعليقاً\n", encoding="utf-8")
    r = run(str(p))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["title"] == "عنوان خبر عن توقيف شخصين بفاس"
    assert out["date"].startswith("2017-10-23")
    assert out["text"].startswith("أوقفت الشرطة") and "اترك" not in out["text"]


@pytest.mark.parametrize("name, kind", [("bad_js_only", "js_only"), ("bad_tag_listing", "not_article"),
                                        ("bad_empty", "empty_page")])
def test_bad_input_one_line_error(name, kind):
    r = run(str(FIX / f"{name}.html"))
    assert r.returncode != 0 and r.stdout == ""
    assert r.stderr.strip().count("\n") == 0 and kind in r.stderr


def test_missing_file():
    r = run("/nonexistent/file.html")
    assert r.returncode == 2 and r.stderr.startswith("error:")


def test_url_fetched_from_local_server():
    import http.server
    import threading

    html = (FIX / "fr_wp_theft.html").read_bytes()

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        r = run(f"http://127.0.0.1:{srv.server_address[1]}/article/1", "--allow-private-hosts")
    finally:
        srv.shutdown()
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["title"].startswith("Marrakech") and out["language"] in ("fr", "und")
