"""Loading and validating ``configs/feeds.yaml``.

Configs are read once, when the pipeline is built, and passed into the
transforms' constructors; no DoFn reads a file. Every field is type-checked
here: a mistake gives a one-line :class:`ConfigError` that names the file,
the field and the value, and says what is expected. Booleans must be YAML
booleans (``true``/``false``, unquoted): the string ``"no"`` is an error,
not "true".

Sections and keys (defaults in brackets):

* ``project``: ``name`` (text), ``contact_url`` (http(s) URL, sent in the
  User-Agent), ``quiet_after_hours`` (> 0 [48]) and ``failing_after``
  (integer >= 1 [3]) for ``feeds status``;
* ``run``: ``max_entries_per_feed`` (integer >= 1 [1000]): entries taken
  from one feed per poll, the newest first; the others are recorded as
  ``over_entry_cap`` errors rows. ``max_failed_feeds_share`` (0-1 [0.5]): a
  run in which a larger share of the polled feeds failed exits with code 3;
* ``http``: the HTTP client's settings (:class:`transforms.http_client.HttpSettings`);
* ``feeds``: a list of feeds, each ``url`` (required, http(s) with a host),
  ``name``, ``language`` (ISO 639 code [ar]), ``source`` (outlet id, no
  spaces [the host]), ``respect_robots`` (boolean [true]), ``max_entries``
  (integer >= 1 [run.max_entries_per_feed]); a bare string is a URL.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional
from urllib.parse import urlsplit

import yaml

from configs import CONFIG_DIR
from transforms.core.records import FeedSpec
from transforms.urls import host_of

DEFAULT_FEEDS = CONFIG_DIR / "feeds.yaml"
DEFAULT_QUIET_HOURS = 48.0
DEFAULT_FAILING_AFTER = 3
DEFAULT_MAX_ENTRIES = 1000
DEFAULT_MAX_FAILED_SHARE = 0.5

_TOP_KEYS = {"project", "http", "feeds", "run"}
_FEED_KEYS = {"url", "name", "language", "source", "respect_robots", "max_entries"}
_PROJECT_KEYS = {"name", "contact_url", "quiet_after_hours", "failing_after"}
_RUN_KEYS = {"max_entries_per_feed", "max_failed_feeds_share"}
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")


class ConfigError(ValueError):
    """A problem in a config file, phrased as what to fix (one line)."""


@dataclass(frozen=True)
class Config:
    """A validated feeds config: ``feeds`` (FeedSpecs, each with its entry cap),
    ``http`` (raw HTTP settings, checked by :func:`http_settings`), ``project``
    and ``run`` (validated, defaults filled in) and the file's ``path``."""

    feeds: tuple[FeedSpec, ...]
    http: dict = field(default_factory=dict)
    project: dict = field(default_factory=dict)
    path: Optional[str] = None
    run: dict = field(default_factory=lambda: {"max_entries_per_feed": DEFAULT_MAX_ENTRIES,
                                               "max_failed_feeds_share": DEFAULT_MAX_FAILED_SHARE})

    @property
    def max_entries_per_feed(self) -> int:
        return int(self.run.get("max_entries_per_feed", DEFAULT_MAX_ENTRIES))

    @property
    def max_failed_feeds_share(self) -> float:
        return float(self.run.get("max_failed_feeds_share", DEFAULT_MAX_FAILED_SHARE))


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _fail(where: str, name: str, value: Any, expected: str) -> ConfigError:
    return ConfigError(f"{where}: {name} must be {expected}, got {_show(value)}")


def _text(where: str, name: str, value: Any, *, spaces: bool = True) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, name, value, "a non-empty text")
    if "\x00" in value or (not spaces and _BAD_CHARS.search(value.strip())):
        raise _fail(where, name, value, "a text without spaces or control characters" if not spaces else "a text")
    return value.strip()


def _boolean(where: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, name, value, "true or false (a YAML boolean, unquoted)")
    return value


def _integer(where: str, name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _fail(where, name, value, f"a whole number >= {minimum}")
    return value


def _number(where: str, name: str, value: Any, *, low: float, high: float = math.inf,
            low_open: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and value <= high
    if not ok:
        bound = f"> {low:g}" if low_open else f">= {low:g}"
        raise _fail(where, name, value, f"a number {bound}" + (f" and <= {high:g}" if math.isfinite(high) else ""))
    return float(value)


def check_url(where: str, name: str, value: Any) -> str:
    """``value`` as an http(s) URL with a host, no spaces and a valid port; ConfigError otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, name, value, "an http:// or https:// URL")
    url = value.strip()
    if _BAD_CHARS.search(url):
        raise _fail(where, name, value, "a URL without spaces or control characters (encode a space as %20)")
    try:
        parts = urlsplit(url)
        parts.port                     # raises ValueError for a port that is not a number in 0-65535
    except ValueError:
        raise _fail(where, name, value, "a valid URL (bad port or brackets)") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ConfigError(f"{where}: {name} {_show(value)} must start with http:// or https://")
    if not parts.hostname:
        raise _fail(where, name, value, "a URL with a host, e.g. https://www.example.ma/feed")
    return url


def _feed_spec(raw: Any, index: int, where: str, default_cap: int) -> FeedSpec:
    if isinstance(raw, str):
        raw = {"url": raw}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: feeds[{index}] must be a mapping with at least a 'url', got {_show(raw)}")
    unknown = set(raw) - _FEED_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: feeds[{index}] has unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"allowed: {', '.join(sorted(_FEED_KEYS))}")
    label = f"feeds[{index}]"
    if isinstance(raw.get("name"), str) and raw["name"].strip():
        label += f" ({raw['name'].strip()})"
    if raw.get("url") in (None, ""):
        raise ConfigError(f"{where}: {label} has no 'url': add the feed's URL")
    url = check_url(where, f"{label} url", raw["url"])
    host = host_of(url)
    name = _text(where, f"{label} name", raw["name"]) if "name" in raw else host
    language = raw.get("language", "ar")
    if not isinstance(language, str) or not _LANGUAGE.match(language.strip()):
        raise _fail(where, f"{label} language", language, "an ISO 639 language code such as ar, fr or en")
    source = (_text(where, f"{label} source", raw["source"], spaces=False) if "source" in raw
              else host.removeprefix("www."))
    robots = _boolean(where, f"{label} respect_robots", raw["respect_robots"]) if "respect_robots" in raw else True
    cap = _integer(where, f"{label} max_entries", raw["max_entries"], 1) if "max_entries" in raw else default_cap
    return FeedSpec(url=url, name=name, language=language.strip().lower(), source=source,
                    respect_robots=robots, max_entries=cap)


def ad_hoc_feeds(urls: Iterable[str], default_cap: int = DEFAULT_MAX_ENTRIES) -> tuple[FeedSpec, ...]:
    """FeedSpecs for ``--feed URL`` flags (defaults for everything but the URL); ConfigError for a bad URL."""
    return tuple(_feed_spec({"url": u}, i, "--feed", default_cap) for i, u in enumerate(urls))


def _section(data: dict, key: str, allowed: set, where: str) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key}' must be a mapping" + (
            f" with keys among {', '.join(sorted(allowed))}" if allowed else "") + f", got {_show(value)}")
    unknown = set(value) - allowed if allowed else set()
    if unknown:
        raise ConfigError(f"{where}: {key} has unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                          f"allowed: {', '.join(sorted(allowed))}")
    return value


def _project(raw: dict, where: str) -> dict:
    out = dict(raw)
    if "name" in raw:
        out["name"] = _text(where, "project.name", raw["name"])
    if "contact_url" in raw:
        out["contact_url"] = check_url(where, "project.contact_url", raw["contact_url"])
    out["quiet_after_hours"] = _number(where, "project.quiet_after_hours",
                                       raw.get("quiet_after_hours", DEFAULT_QUIET_HOURS), low=0, low_open=True)
    out["failing_after"] = _integer(where, "project.failing_after", raw.get("failing_after", DEFAULT_FAILING_AFTER), 1)
    return out


def _run(raw: dict, where: str) -> dict:
    return {
        "max_entries_per_feed": _integer(where, "run.max_entries_per_feed",
                                         raw.get("max_entries_per_feed", DEFAULT_MAX_ENTRIES), 1),
        "max_failed_feeds_share": _number(where, "run.max_failed_feeds_share",
                                          raw.get("max_failed_feeds_share", DEFAULT_MAX_FAILED_SHARE), low=0, high=1),
    }


def _http(raw: dict, where: str) -> dict:
    """Types of the ``http`` section: numbers must be numbers, booleans booleans (not strings)."""
    import dataclasses

    from transforms.http_client import HttpSettings

    fields = {f.name: f.default for f in dataclasses.fields(HttpSettings)}
    for key, value in raw.items():
        if key not in fields:
            raise ConfigError(f"{where}: http has unknown key {key!r}; allowed: {', '.join(sorted(fields))}")
        default = fields[key]
        name = f"http.{key}"
        if isinstance(default, bool):
            _boolean(where, name, value)
        elif isinstance(default, (int, float)):
            _number(where, name, value, low=0)
        elif isinstance(default, tuple):
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
                raise _fail(where, name, value, "a list of host names")
        elif key == "contact_url":
            check_url(where, name, value)
        else:
            _text(where, name, value)
    return dict(raw)


def load_config(path: Optional[str | Path] = None, feeds: Optional[Iterable[str]] = None) -> Config:
    """Load and validate the feeds config (keys and types in the module docstring).

    ``feeds`` (from repeated ``--feed`` flags) replaces the config's feed list;
    with ``feeds`` and no ``path`` the shipped defaults give the other settings.
    Raises :class:`ConfigError` (one line) for anything wrong.
    """
    cfg_path = Path(path) if path else DEFAULT_FEEDS
    data = _read_yaml(cfg_path)
    where = str(cfg_path)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: top level must be a mapping with a 'feeds' list")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown top-level key(s) {', '.join(sorted(map(str, unknown)))}; "
                          f"allowed: {', '.join(sorted(_TOP_KEYS))}")
    project = _project(_section(data, "project", _PROJECT_KEYS, where), where)
    run = _run(_section(data, "run", _RUN_KEYS, where), where)
    http = _http(_section(data, "http", set(), where), where)
    cap = run["max_entries_per_feed"]
    if feeds:
        specs = ad_hoc_feeds(feeds, cap)
    else:
        raw_feeds = data.get("feeds")
        if not isinstance(raw_feeds, list) or not raw_feeds:
            raise ConfigError(f"{where}: 'feeds' must be a non-empty list of feeds (each with a 'url')")
        specs = tuple(_feed_spec(r, i, where, cap) for i, r in enumerate(raw_feeds))
    seen: set[str] = set()
    for s in specs:
        if s.url in seen:
            raise ConfigError(f"{where if not feeds else '--feed'}: feed {s.url} is listed twice: remove the duplicate")
        seen.add(s.url)
    return Config(feeds=specs, http=http, project=project, path=str(cfg_path), run=run)


def _read_yaml(path: Path) -> Any:
    if path.is_dir():
        raise ConfigError(f"config {path} is a directory: pass --config with a YAML file")
    if not path.exists():
        raise ConfigError(f"config file {path} not found: pass --config with an existing YAML file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: invalid YAML{where}: fix the syntax ({getattr(exc, 'problem', exc)})") from None


def http_settings(config: Config, *, allow_private_hosts: bool = False, **overrides):
    """The HttpSettings for a run, built from the config's ``http`` section.

    ``overrides`` replace single settings (the sample run allow-lists its own
    server and drops the politeness delay it does not need). Raises ConfigError.
    """
    from transforms.http_client import HttpSettings

    values = dict(config.http)
    if config.project.get("contact_url"):
        values.setdefault("contact_url", config.project["contact_url"])
    values.update(overrides)
    values["allow_private_hosts"] = allow_private_hosts
    try:
        return HttpSettings.from_config(values)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{config.path}: http: {exc}") from None
