"""Load articles written as Markdown with a small front matter block.

An article file looks like::

    ---
    title: What Is Immunotherapy for Cancer and How Does It Work
    author: Dr James Wilson
    source: where the text comes from
    ---
    # What Is Immunotherapy for Cancer and How Does It Work   (optional, must equal the title)
    Intro paragraphs belong to a section named after the title.
    ## A heading
    Paragraphs, and "- " list items.

Only files are read here; everything else in the package works on the values this returns.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import DataError
from .files import read_text
from .yamlfile import read_yaml

FRONT_MATTER_KEYS = ("title", "author", "source")
REQUIRED_KEYS = ("title",)
PHRASINGS_SUFFIX = ".phrasings.yaml"


@dataclass(frozen=True)
class Block:
    """A paragraph or a list item of a section, with the line it starts on."""

    text: str
    line: int
    is_list_item: bool = False


@dataclass(frozen=True)
class Section:
    """A heading and the blocks under it; the text before the first heading is the title's."""

    heading: str
    blocks: tuple[Block, ...]
    line: int
    phrasings: tuple[str, ...] = ()  # patients' own ways of asking what this section answers


@dataclass(frozen=True)
class Article:
    """One corpus file: its metadata and its sections in order."""

    source: str
    title: str
    author: str
    origin: str
    sections: tuple[Section, ...]

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(section.heading for section in self.sections)


def parse_article(text: str, source: str, where: object = None) -> Article:
    """Parse one Markdown article; raise DataError naming the file (where, else source) and line."""
    where = where if where is not None else source
    if "\x00" in text:
        raise DataError(where, None, "the file holds a NUL byte: it is not a text article")
    lines = text.splitlines()
    meta, body_start = _front_matter(lines, where)
    title = meta["title"]
    sections: list[Section] = []
    heading, heading_line = title, body_start + 1
    blocks: list[Block] = []
    paragraph: list[str] = []
    paragraph_line = 0
    seen_h1 = False

    def flush_paragraph() -> None:
        nonlocal paragraph
        if paragraph:
            blocks.append(Block(" ".join(paragraph), paragraph_line))
            paragraph = []

    def close_section() -> None:
        flush_paragraph()
        if blocks:
            sections.append(Section(heading, tuple(blocks), heading_line))
        elif heading != title:
            raise DataError(where, heading_line, f"the heading {heading!r} has no text under it")

    for number in range(body_start, len(lines)):
        line_no = number + 1
        stripped = lines[number].strip()
        if stripped.startswith("#"):
            level = len(stripped) - len(stripped.lstrip("#"))
            name = stripped[level:].strip()
            if level == 1 and not sections and not blocks and not paragraph and not seen_h1:
                if name != title:
                    raise DataError(where, line_no, f"the '# ' title {name!r} differs from the front matter title {title!r}")
                seen_h1 = True
                continue
            if level != 2 or not name:
                raise DataError(where, line_no, "headings must be '## Heading' (one '# Title' may open the text)")
            if name == title or any(s.heading == name for s in sections) or name == heading:
                raise DataError(where, line_no, f"the heading {name!r} appears twice")
            close_section()
            heading, heading_line, blocks = name, line_no, []
            continue
        if not stripped:
            flush_paragraph()
            continue
        if stripped.startswith(("- ", "* ")):
            flush_paragraph()
            blocks.append(Block(stripped[2:].strip(), line_no, is_list_item=True))
            continue
        if not paragraph:
            paragraph_line = line_no
        paragraph.append(stripped)
    close_section()
    if not sections:
        raise DataError(where, None, "the article has no text")
    return Article(source, title, meta.get("author", ""), meta.get("source", ""), tuple(sections))


def _front_matter(lines: list[str], where: object) -> tuple[dict[str, str], int]:
    """Read the '---' block of 'key: value' lines; return it and the index of the first body line."""
    if not lines or lines[0].strip() != "---":
        raise DataError(where, 1, "an article must start with a '---' front matter line (title, author, source)")
    meta: dict[str, str] = {}
    for index in range(1, len(lines)):
        line = lines[index].strip()
        if line == "---":
            missing = [key for key in REQUIRED_KEYS if not meta.get(key)]
            if missing:
                raise DataError(where, index + 1, f"the front matter lacks {', '.join(missing)}")
            return meta, index + 1
        if line.startswith("#") and line.lstrip("#").startswith(" "):
            raise DataError(where, 1, f"the front matter opened with '---' on line 1 is never closed "
                                      f"(line {index + 1} is a heading)")
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in FRONT_MATTER_KEYS:
            raise DataError(where, index + 1, f"front matter lines are 'key: value' with key one of {', '.join(FRONT_MATTER_KEYS)}")
        if key in meta:
            raise DataError(where, index + 1, f"the front matter names {key!r} twice")
        meta[key] = value.strip().strip("\"'")
    raise DataError(where, 1, "the front matter opened with '---' is never closed with '---'")


def with_phrasings(article: Article, path: Path) -> Article:
    """The article with the phrasings file beside it (NAME.phrasings.yaml), if there is one.

    The file maps a section heading (exactly as in the article) to a list of questions the way
    patients ask them. It is knowledge about this one leaflet, so it lives beside it, and adding a
    leaflet never needs an edit anywhere else.
    """
    if not path.is_file():
        return article
    doc = read_yaml(path)
    data = doc.data or {}
    if not isinstance(data, dict):
        raise DataError(path, doc.line(), "the phrasings file maps section headings to lists of questions")
    headings = article.headings
    for heading, phrasings in data.items():
        if heading not in headings:
            near = difflib.get_close_matches(str(heading), headings, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else f"; the headings are: {', '.join(headings)}"
            raise DataError(path, doc.line(heading), f"{heading!r} is not a heading of {article.source}{hint}")
        if not isinstance(phrasings, list) or not all(isinstance(p, str) and p.strip() for p in phrasings):
            raise DataError(path, doc.line(heading), f"the phrasings of {heading!r} must be a list of questions")
    sections = tuple(replace(s, phrasings=tuple(data.get(s.heading) or ())) for s in article.sections)
    return replace(article, sections=sections)


def load_corpus(folder: Path) -> tuple[Article, ...]:
    """Read every *.md file of the folder, in name order; raise DataError if there is none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(folder, None, "the corpus folder does not exist")
    files = sorted(folder.glob("*.md"))
    if not files:
        raise DataError(folder, None, "the corpus folder holds no *.md article")
    articles = []
    for path in files:
        text = read_text(path)
        articles.append(with_phrasings(parse_article(text, str(path.name), path), path.with_suffix(PHRASINGS_SUFFIX)))
    titles = [a.title for a in articles]
    for article in articles:
        if titles.count(article.title) > 1:
            raise DataError(folder / article.source, 2, f"another article has the same title {article.title!r}")
    return tuple(articles)
