"""The user documentation's links: every relative link of README.md and docs/*.md names a file that
exists and, with `#anchor`, a heading of that page (GitHub's anchor rule); every docs/ page is in the
README's Documentation list. No network: web links are not followed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import DOCS_DIR, REPO_ROOT, doc_pages

# Pages other branches write (Kafka Connect, security, config files): the README links them already. Once a page
# exists it is checked like every other; remove it from here when it has landed.
PENDING_PAGES: set = set()

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def _prose(text: str) -> str:
    """The page without fenced code blocks and inline code spans (no links or headings there)."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation but `-` and `_` dropped, spaces to `-`,
    repeats numbered -1, -2..."""
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", FENCE.sub("", page.read_text()), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def links(page: Path) -> list[str]:
    return [t for t in LINK.findall(_prose(page.read_text())) if not re.match(r"[a-z][a-z+.-]*:", t)]


def test_the_anchor_rule_is_githubs():
    page = DOCS_DIR / "produce-consume.md"
    assert "looking-inside-records---where-and-kctl-search" in anchors(page)
    assert "exit-codes" in anchors(REPO_ROOT / "README.md")


def test_the_pages_are_found():
    names = {p.name for p in doc_pages()}
    assert {"README.md", "cli.md", "safety.md", "python-api.md", "reliability.md"} <= names


@pytest.mark.parametrize("page", doc_pages(), ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_every_relative_link_resolves(page):
    broken = []
    for target in links(page):
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if dest in PENDING_PAGES and not dest.exists():
            continue
        if not dest.exists():
            broken.append(f"{target}: no file {dest.relative_to(REPO_ROOT) if dest.is_relative_to(REPO_ROOT) else dest}")
        elif anchor and (dest.suffix != ".md" or anchor not in anchors(dest)):
            broken.append(f"{target}: no heading #{anchor} in {dest.name}")
    assert broken == []


def test_every_docs_page_is_in_the_readme_documentation_list():
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("\n## Documentation\n", 1)[1].split("\n## ", 1)[0]
    listed = {(REPO_ROOT / t).resolve() for t in LINK.findall(section)}
    pages = set(DOCS_DIR.glob("*.md"))
    assert sorted(p.name for p in pages - listed) == []
    assert sorted(p.name for p in listed - pages - PENDING_PAGES if p.parent == DOCS_DIR) == []
