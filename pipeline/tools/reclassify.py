"""Re-run the classifier over stored stories, without refetching anything.

    python -m pipeline.reclassify [--warehouse duckdb:///path/to/news.duckdb] [--model FILE]
    python -m pipeline.reclassify --warehouse bigquery:PROJECT.DATASET

Rereads ``title``, ``text`` and ``language`` from the ``stories`` table and
rewrites the label columns (is_security, is_accident, security_score,
categories, primary_category, matched_terms, places, primary_place,
classifier_version) where they differ. Running it twice changes nothing the
second time. Reads the stories with a read-only connection, classifies with
the file free for others, then writes the changed rows in one transaction
under the writer lock (README "Opening the warehouse"). On BigQuery the
changed labels are merged back in batches
(:mod:`pipeline.warehouse.bigquery_reclassify`). The warehouse defaults to
``./warehouse.duckdb`` like every command and is never created: a missing,
corrupt or locked file is one line and exit 2, and is left untouched.
"""
from __future__ import annotations

import sys

from pipeline.tools.errors import CommandError, CommandParser, command
from pipeline.warehouse.uri import DEFAULT_WAREHOUSE
from transforms.security_model import SecurityClassifier

LABEL_COLUMNS = ("is_security", "is_accident", "security_score", "categories", "primary_category",
                 "matched_terms", "places", "primary_place", "classifier_version")


def relabel_fn(clf: SecurityClassifier):
    """``row -> {label column: new value}`` when the labels changed, else None
    (rows with ``title``, ``text``, ``language`` and the :data:`LABEL_COLUMNS`)."""
    def relabel(row: dict):
        new = labels(clf, row["title"], row["text"], row["language"])
        if all(_same(a, row[c]) for a, c in zip(new, LABEL_COLUMNS)):
            return None
        return dict(zip(LABEL_COLUMNS, new))
    return relabel


def load_classifier(model=None, lexicon=None, gazetteer=None) -> SecurityClassifier:
    """The classifier from its three files (None: the shipped one), or CommandError: one line
    naming the file that is missing, unreadable, not YAML/JSON or not of the expected shape."""
    import yaml

    from transforms.lexicon import Lexicon
    from transforms.places import Gazetteer
    from transforms.security_model import load_model

    def load(what: str, path, loader):
        try:
            return loader(path)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else " ".join(str(exc).split())
            raise CommandError(f"cannot load the classifier's {what} {path or '(shipped)'}: "
                               f"{type(exc).__name__}: {detail}"[:300]) from None

    return SecurityClassifier(load("model", model, load_model), load("lexicon", lexicon, Lexicon.load),
                              load("gazetteer", gazetteer, Gazetteer.load))


def labels(clf: SecurityClassifier, title, text, language) -> tuple:
    c = clf.classify(title or "", text or "", language or "")
    cats = list(c.categories)
    return (c.is_security, c.is_accident, c.security_score, cats, cats[0] if cats else None,
            list(c.matched_terms), list(c.places), c.primary_place, c.classifier_version)


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) < 1e-9
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return list(a or []) == list(b or [])
    return a == b


def reclassify(path: str, clf: SecurityClassifier, batch: int = 500) -> tuple[int, int]:
    """(rows read, rows changed). Raises WarehouseError (one line) for a missing, corrupt or locked file."""
    from pipeline.warehouse.duckdb_setup import read_warehouse, write_warehouse

    cols = ", ".join(f'"{c}"' for c in LABEL_COLUMNS)
    sets = ", ".join(f'"{c}" = ?' for c in LABEL_COLUMNS)
    read = changed = 0
    with read_warehouse(path) as con:      # read, then classify with the file free for others
        rows = con.execute(f"SELECT article_id, title, text, language, {cols} FROM stories").fetchall()
    updates = []
    for row in rows:
        read += 1
        new = labels(clf, row[1], row[2], row[3])
        if not all(_same(a, b) for a, b in zip(new, row[4:])):
            updates.append((*new, row[0]))
    if not updates:
        return read, 0
    with write_warehouse(path, must_exist=True) as con:
        con.execute("BEGIN")
        for i in range(0, len(updates), batch):
            con.executemany(f"UPDATE stories SET {sets} WHERE article_id = ?", updates[i:i + batch])
        con.execute("COMMIT")
        changed = len(updates)
    return read, changed


@command("reclassify")
def main(argv: list[str] | None = None) -> int:
    """``reclassify``: exit 0, or 2 (bad warehouse or model) with one line."""
    ap = CommandParser(prog="python -m pipeline.reclassify", description=__doc__.split("\n\n")[0])
    ap.add_argument("--warehouse", default=DEFAULT_WAREHOUSE,
                    help="duckdb:///path/to/news.duckdb (default ./warehouse.duckdb) or bigquery:PROJECT.DATASET")
    ap.add_argument("--model", default=None, help="model JSON (default: the shipped one)")
    args = ap.parse_args(argv)
    from pipeline.warehouse.uri import parse_warehouse

    wh = parse_warehouse(args.warehouse)
    clf = load_classifier(args.model)
    if wh.kind == "bigquery":
        from pipeline.warehouse.bigquery_reclassify import reclassify_bigquery

        read, changed = reclassify_bigquery(wh.project, wh.dataset, relabel_fn(clf), LABEL_COLUMNS)
    else:
        read, changed = reclassify(wh.path, clf)
    print(f"reclassified {read} stories with {clf.version}: {changed} rows changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
