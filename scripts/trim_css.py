"""The theme's style sheet, trimmed to the rules this site can use.

pydata-sphinx-theme ships one style sheet (about 400 kB, 66 kB compressed) that every page loads
before it can paint anything; about nine tenths of it styles what no page of this book has
(Bootstrap's components, the theme's optional widgets). On a phone over a slow network that is
about two seconds before the first paint. After the build, `trim_site` keeps a rule only if one
of its selectors could match: every tag name, class, id and attribute name the selector requires
occurs on some page of the site or as a word in one of the site's scripts (which add classes
such as ``show`` or ``active`` as the reader clicks). The test is generous on purpose: it looks at
names, not at how they combine, so a rule is dropped only when it cannot apply anywhere. At-rules
that hold rules (``@media``, ``@supports``, ``@layer``, ``@container``) are trimmed inside; the
others (``@font-face``, ``@keyframes``, ...) and custom properties stay as they are. Trimming a
trimmed sheet changes nothing.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import tinycss2

#: The sheets trimmed, relative to the site's root (the small ones are not worth it).
SHEETS = ("_static/styles/pydata-sphinx-theme.css",)
GROUPING_AT_RULES = {"media", "supports", "layer", "container", "document"}
WORD = re.compile(r"[A-Za-z_][\w-]*")
ATTRIBUTE = re.compile(r"\[\s*([\w-]+)[^\]]*\]")
# :not(...), :is(...), :nth-child(...): what is inside never makes a selector require a name
FUNCTIONAL_PSEUDO = re.compile(r"::?[\w-]+\((?:[^()]|\([^()]*\))*\)")
PSEUDO = re.compile(r"::?[\w-]+")
CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
ID = re.compile(r"#(-?[_a-zA-Z][\w-]*)")
TAG = re.compile(r"(?:^|[\s>+~])([a-zA-Z][\w-]*)")


class Names(HTMLParser):
    """The tag names, classes, ids and attribute names of the pages fed to it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = {"html", "head", "body"}
        self.classes: set[str] = set()
        self.ids: set[str] = set()
        self.attributes: set[str] = set()
        self.scripts: set[str] = set()  # every script a page loads
        self.script_parts: set[str] = set()
        self.page: Path | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add(name)
            if name == "class" and value:
                self.classes.update(value.split())
            elif name == "id" and value:
                self.ids.add(value)
            elif tag == "script" and name == "src" and value and self.page:
                url = value.split("?")[0].split("#")[0]
                if "//" not in url:
                    self.scripts.add(str((self.page.parent / url).resolve()))

    def add_script_words(self, text: str) -> None:
        """A script may add any of its words as a class, an id or an attribute, and build names
        from them (Bootstrap writes `bs-${name}-auto`): a name counts as present if each of its
        hyphenated parts is a script's word."""
        for word in WORD.findall(text):
            self.script_parts.update(parts(word))

    def has(self, present: set[str], wanted: set[str]) -> bool:
        return all(name in present or parts(name) <= self.script_parts for name in wanted)


def parts(name: str) -> set[str]:
    return {part for part in name.split("-") if part}


def site_names(site: Path) -> Names:
    """The names of every page, and the words of every script a page loads."""
    names = Names()
    for page in site.rglob("*.html"):
        names.page = page
        names.feed(page.read_text(encoding="utf-8", errors="replace"))
    for script in sorted(names.scripts):
        path = Path(script)
        if path.is_file() and path.name != "searchindex.js":  # the search's data: words, not code
            names.add_script_words(path.read_text(encoding="utf-8", errors="replace"))
    return names


def selector_can_match(selector: str, names: Names) -> bool:
    """False only if `selector` requires a name that occurs nowhere in the site."""
    if "\\" in selector:  # escaped characters: not worth parsing, keep the rule
        return True
    attributes = set(ATTRIBUTE.findall(selector))
    rest = FUNCTIONAL_PSEUDO.sub("", ATTRIBUTE.sub("", selector))
    rest = PSEUDO.sub("", rest)
    return (
        names.has(names.attributes, attributes)
        and names.has(names.classes, set(CLASS.findall(rest)))
        and names.has(names.ids, set(ID.findall(rest)))
        and {tag.lower() for tag in TAG.findall(CLASS.sub("", ID.sub("", rest)))} <= names.tags
    )


def selectors(prelude: list) -> list[str]:
    """The selectors of a rule: its prelude split at its top-level commas (tinycss2 has already
    nested what is inside brackets, such as ``:is(a, b)``)."""
    parts, current = [], []
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            parts.append(current)
            current = []
        else:
            current.append(token)
    parts.append(current)
    return [text for part in parts if (text := tinycss2.serialize(part).strip())]


def trim_rules(rules: list, names: Names) -> list:
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            if any(selector_can_match(s, names) for s in selectors(rule.prelude)):
                kept.append(rule)
        elif rule.type == "at-rule" and rule.lower_at_keyword in GROUPING_AT_RULES and rule.content:
            inner = trim_rules(
                tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True),
                names,
            )
            if inner:
                body = "\n".join(tinycss2.serialize([r]) for r in inner)
                prelude = tinycss2.serialize(rule.prelude).strip()
                kept.append(f"@{rule.at_keyword} {prelude} {{\n{body}\n}}")
        elif rule.type != "error":
            kept.append(rule)
    return kept


def trim_css(css: str, names: Names) -> str:
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    kept = trim_rules(rules, names)
    return "\n".join(rule if isinstance(rule, str) else tinycss2.serialize([rule]) for rule in kept)


def trim_site(site: Path) -> list[str]:
    """Trim the theme's sheets in place; one line per sheet: its size before and after."""
    names = site_names(site)
    report = []
    for relative in SHEETS:
        sheet = site / relative
        if not sheet.is_file():
            continue
        before = sheet.read_text(encoding="utf-8")
        after = trim_css(before, names) + "\n"
        if after != before:
            sheet.write_text(after, encoding="utf-8")
        report.append(f"{relative}: {len(before) // 1024} kB, trimmed to {len(after) // 1024} kB")
    return report
