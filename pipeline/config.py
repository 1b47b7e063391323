"""Loading and validating ``configs/feeds.yaml``.

Configs are read once, when the pipeline is built, and passed into the
transforms' constructors; no DoFn reads a file. Every mistake a user can
make in the file gives a one-line ``ConfigError`` saying what to fix.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

from configs import CONFIG_DIR
from transforms.core.records import FeedSpec
from transforms.urls import host_of

DEFAULT_FEEDS = CONFIG_DIR / "feeds.yaml"

_TOP_KEYS = {"project", "http", "feeds"}
_FEED_KEYS = {"url", "name", "language", "source", "respect_robots"}
_PROJECT_KEYS = {"name", "contact_url", "quiet_after_hours", "failing_after"}


class ConfigError(ValueError):
    """A problem in a config file, phrased as what to fix."""


@dataclass(frozen=True)
class Config:
    feeds: tuple[FeedSpec, ...]
    http: dict = field(default_factory=dict)
    project: dict = field(default_factory=dict)
    path: Optional[str] = None


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        raise ConfigError(f"config file {path} not found: pass --config with an existing YAML file")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: invalid YAML{where}: fix the syntax ({getattr(exc, 'problem', exc)})") from None


def _feed_spec(raw: Any, index: int, where: str) -> FeedSpec:
    if isinstance(raw, str):
        raw = {"url": raw}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: feeds[{index}] must be a mapping with at least a 'url'")
    unknown = set(raw) - _FEED_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: feeds[{index}] has unknown key(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(_FEED_KEYS))}")
    url = raw.get("url")
    if not url or not isinstance(url, str):
        raise ConfigError(f"{where}: feeds[{index}] ({raw.get('name', 'unnamed')}) has no 'url': add the feed's URL")
    if not url.lower().startswith(("http://", "https://")):
        raise ConfigError(f"{where}: feeds[{index}] url {url!r} must start with http:// or https://")
    host = host_of(url)
    return FeedSpec(
        url=url.strip(),
        name=str(raw.get("name") or host),
        language=str(raw.get("language") or "ar"),
        source=str(raw.get("source") or host.removeprefix("www.")),
        respect_robots=bool(raw.get("respect_robots", True)),
    )


def ad_hoc_feeds(urls: Iterable[str]) -> tuple[FeedSpec, ...]:
    return tuple(_feed_spec({"url": u}, i, "--feed") for i, u in enumerate(urls))


def load_config(path: Optional[str | Path] = None, feeds: Optional[Iterable[str]] = None) -> Config:
    """Load the feeds config.

    ``feeds`` (from repeated ``--feed`` flags) replaces the config's feed list;
    with ``feeds`` and no ``path`` the shipped defaults give the HTTP settings.
    """
    cfg_path = Path(path) if path else DEFAULT_FEEDS
    data = _read_yaml(cfg_path)
    where = str(cfg_path)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: top level must be a mapping with a 'feeds' list")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown top-level key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_TOP_KEYS))}")
    project = data.get("project") or {}
    if not isinstance(project, dict) or set(project) - _PROJECT_KEYS:
        raise ConfigError(f"{where}: 'project' must be a mapping with keys among {', '.join(sorted(_PROJECT_KEYS))}")
    http = data.get("http") or {}
    if not isinstance(http, dict):
        raise ConfigError(f"{where}: 'http' must be a mapping of HTTP settings")
    if feeds:
        specs = ad_hoc_feeds(feeds)
    else:
        raw_feeds = data.get("feeds")
        if not isinstance(raw_feeds, list) or not raw_feeds:
            raise ConfigError(f"{where}: 'feeds' must be a non-empty list of feeds (each with a 'url')")
        specs = tuple(_feed_spec(r, i, where) for i, r in enumerate(raw_feeds))
        seen: set[str] = set()
        for s in specs:
            if s.url in seen:
                raise ConfigError(f"{where}: feed {s.url} is listed twice: remove the duplicate")
            seen.add(s.url)
    return Config(feeds=specs, http=dict(http), project=dict(project), path=str(cfg_path))


def http_settings(config: Config, *, allow_private_hosts: bool = False, **overrides):
    """The HttpSettings for a run, built from the config's ``http`` section.

    ``overrides`` replace single settings (the sample run allow-lists its own
    server and drops the politeness delay it does not need).
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
