"""The reference pages' front matter (data/reference/pages/**.md: `---` YAML `---`, then the page),
read in one place: by the library's `pages` reader (retrieval/reference.py) and by the router's list
of medical names (router/terms.py), which share it through here."""
from __future__ import annotations

import re

FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def front_matter(text: str) -> tuple[object, int] | None:
    """(the front matter's YAML value, where the page body starts), or None when `text` has none.
    Malformed YAML raises yaml.YAMLError; the value is whatever the YAML holds (callers check for a dict)."""
    import yaml

    m = FRONT.match(text)
    if not m:
        return None
    return yaml.safe_load(m.group(1)) or {}, m.end()
