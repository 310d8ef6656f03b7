"""Check a built site: every internal link and resource exists, and nothing is loaded
from another host.

``python docs/check_links.py docs/_build/html`` reads every HTML file, resolves each
``href`` and ``src`` that points inside the site (a file, and its ``#anchor`` if any),
and fails on a target that does not exist. A resource the browser would fetch by itself
(``<script src>``, ``<img src>``, ``<link href>``, ``<iframe src>``, a CSS ``url(...)``)
must not name another host: the site opens from disk with no network. Links a reader
clicks (``<a href>``) may point outside. Exits 1 and lists the problems.
"""

from __future__ import annotations

import html.parser
import pathlib
import re
import sys
import urllib.parse

# Attributes whose URL the browser fetches on its own when the page opens.
FETCHED = {("script", "src"), ("img", "src"), ("link", "href"), ("iframe", "src")}
FETCHED |= {("source", "src"), ("video", "src"), ("audio", "src"), ("embed", "src")}
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name"):
                self.ids.add(value)
            if name in ("href", "src"):
                self.urls.append((tag, name, value))


def _parse(path: pathlib.Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def check_site(site: pathlib.Path) -> list[str]:
    """The problems of the site under ``site``: broken internal links, outside fetches.

    Args:
      site: the folder of the built HTML (``docs/_build/html``).

    Returns:
      One line per problem; empty if there is none.
    """
    site = site.resolve()
    pages = {p: _parse(p) for p in sorted(site.rglob("*.html"))}
    problems = []
    for path, page in pages.items():
        here = path.relative_to(site)
        for tag, attr, url in page.urls:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme in ("http", "https") or url.startswith("//"):
                if (tag, attr) in FETCHED:
                    problems.append(f"{here}: <{tag} {attr}> loads {url} from another host")
                continue
            if parts.scheme or not (parts.path or parts.fragment):
                continue  # mailto:, javascript:, data: and the like
            target = (path.parent / urllib.parse.unquote(parts.path)).resolve()
            if not parts.path:
                target = path  # "#anchor": this page
            elif parts.path.endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{here}: <{tag} {attr}={url!r}>: no file {target}")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if urllib.parse.unquote(parts.fragment) not in ids:
                    problems.append(f"{here}: {url!r}: no anchor #{parts.fragment}")
    for css in sorted(site.rglob("*.css")):
        for url in _CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace")):
            if url.startswith(("http:", "https:", "//")):
                problems.append(f"{css.relative_to(site)}: url({url}) from another host")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python docs/check_links.py SITE_FOLDER", file=sys.stderr)
        return 2
    site = pathlib.Path(argv[0])
    if not (site / "index.html").is_file():
        print(f"check_links: no index.html in {site}; build the site first (make docs)")
        return 1
    problems = check_site(site)
    for p in problems:
        print(p)
    n = len(list(site.rglob("*.html")))
    print(f"check_links: {n} pages, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
