"""Classify stories from JSONL on stdin, JSONL on stdout.

    python -m pipeline.classify < stories.jsonl > labels.jsonl

Each input line is ``{"id": ..., "title": ..., "text": ...}`` (an optional
``language`` skips detection). Each output line, one per input line and in
the same order, holds ``id, language, is_security, is_accident,
security_score, categories, matched_terms, places, primary_place,
classifier_version``. Stories not in Arabic get ``is_security: null`` and no
categories. A line that cannot be read yields ``{"id": ..., "error": ...}``
instead of stopping the run; the exit status is then 1.
"""
from __future__ import annotations

import json
import sys
from typing import IO, Iterable, Iterator

from pipeline.tools.errors import CommandParser, command
from transforms.security_model import SecurityClassifier
from transforms.language import detect_language


def classify_lines(lines: Iterable[str], clf: SecurityClassifier) -> Iterator[dict]:
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            yield {"id": None, "line": lineno, "error": "empty line"}
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"id": None, "line": lineno, "error": f"bad JSON: {exc.msg}"}
            continue
        if not isinstance(obj, dict):
            yield {"id": None, "line": lineno, "error": "not a JSON object"}
            continue
        sid = obj.get("id")
        title, text = obj.get("title") or "", obj.get("text") or ""
        if not isinstance(title, str) or not isinstance(text, str):
            yield {"id": sid, "line": lineno, "error": "title and text must be strings"}
            continue
        try:
            language = obj.get("language") or detect_language(f"{title}\n{text}")
            c = clf.classify(title, text, language)
        except Exception as exc:  # noqa: BLE001 - one bad story must not stop the rest
            yield {"id": sid, "line": lineno, "error": f"{type(exc).__name__}: {exc}"}
            continue
        yield {
            "id": sid,
            "language": language,
            "is_security": c.is_security,
            "is_accident": c.is_accident,
            "security_score": c.security_score,
            "categories": list(c.categories),
            "matched_terms": list(c.matched_terms),
            "places": list(c.places),
            "primary_place": c.primary_place,
            "classifier_version": c.classifier_version,
        }


def run(stdin: IO[str], stdout: IO[str], clf: SecurityClassifier) -> int:
    errors = 0
    for out in classify_lines(stdin, clf):
        errors += "error" in out
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    stdout.flush()
    return 1 if errors else 0


@command("classify")
def main(argv: list[str] | None = None) -> int:
    """``classify``: exit 0, 1 (some line had an ``error`` field) or 2 (bad option or model), one line."""
    from pipeline.tools.reclassify import load_classifier

    ap = CommandParser(prog="python -m pipeline.classify", description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="model JSON (default: the shipped one)")
    ap.add_argument("--lexicon", default=None)
    ap.add_argument("--gazetteer", default=None)
    args = ap.parse_args(argv)
    clf = load_classifier(args.model, args.lexicon, args.gazetteer)
    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)
    stdout = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False)
    return run(stdin, stdout, clf)


if __name__ == "__main__":
    sys.exit(main())
