#!/usr/bin/env python3
"""Prints, as a JSON list, the URLs a page opened from a file:// URL requested, read from Chromium's NetLog
(`chromium --log-net-log=FILE`). Chromium's own background requests (updates, accounts) are not the page's: a
request is the page's when one of its events names the page's file:// origin (its network isolation key).
Used by the headless-Chromium test of the HTML report, which expects an empty list."""

import json
import sys


def main(path):
    with open(path) as f:
        log = json.load(f)
    events_by_source = {}
    for event in log.get("events", []):
        events_by_source.setdefault(event.get("source", {}).get("id"), []).append(event)
    urls = set()
    for events in events_by_source.values():
        found = {e["params"][k] for e in events for k in ("url", "original_url") if k in e.get("params", {})}
        found = {u for u in found if not u.startswith("file:") and not u.startswith("data:")}
        if found and "file://" in json.dumps(events):
            urls |= found
    print(json.dumps(sorted(urls)))


if __name__ == "__main__":
    main(sys.argv[1])
