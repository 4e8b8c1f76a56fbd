"""The numbers a chapter's "Check your understanding" quotes must be the ones its code computes.

Convention (any chapter can adopt it): one code cell tagged ``check-numbers`` calls
``nnbook.examples.quote_numbers({...})`` with each number as the text writes it ("1.716",
"-0.284", "147", "1/4") mapped to the value the chapter's code computes. After the chapter has run,
`check` compares:

- every key appears in the "Check your understanding" section, as a whole number (not inside a
  longer one);
- every computed value rounds to its key: to the decimals the key shows, integers exactly,
  fractions to 1e-12;
- every decimal number written in that section is a key (a new quoted number cannot slip in
  unchecked); integers and fractions in questions are often data, so only decimals are required.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

from nnbook.examples import QUOTED_NUMBERS_MARK

TAG = "check-numbers"
HEADING = "## Check your understanding"
DECIMAL = re.compile(r"(?<![\w.])-?\d+\.\d+(?![\d])")


def check_section(cells: list[dict]) -> str:
    """The markdown from the "Check your understanding" heading to the next level-2 heading."""
    text = "\n".join(
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in cells
        if c["cell_type"] == "markdown"
    )
    start = text.find(HEADING)
    if start < 0:
        return ""
    end = text.find("\n## ", start + len(HEADING))
    return text[start : end if end >= 0 else len(text)]


def quoted_cell(cells: list[dict]) -> dict | None:
    tagged = [c for c in cells if TAG in c.get("metadata", {}).get("tags", [])]
    if len(tagged) > 1:
        raise AssertionError(f"{len(tagged)} cells tagged {TAG!r}; there must be one")
    return tagged[0] if tagged else None


def computed_numbers(cell: dict) -> dict[str, float]:
    """The dict `quote_numbers` printed in the executed cell's output."""
    for output in cell.get("outputs", []):
        text = output.get("text", "")
        text = "".join(text) if isinstance(text, list) else text
        for line in text.splitlines():
            if line.startswith(QUOTED_NUMBERS_MARK):
                return json.loads(line[len(QUOTED_NUMBERS_MARK) :])
    raise AssertionError(f"the {TAG!r} cell printed no line starting {QUOTED_NUMBERS_MARK!r}")


def matches(quoted: str, value: float) -> bool:
    """Does ``value`` round to the number as written?"""
    if "/" in quoted:
        return abs(value - float(Fraction(quoted))) <= 1e-12 * max(1.0, abs(value))
    decimals = len(quoted.split(".")[1]) if "." in quoted else 0
    return abs(value - float(quoted)) <= 0.5 * 10.0**-decimals * (1 + 1e-9)


def appears(quoted: str, text: str) -> bool:
    pattern = r"(?<![\w.])" + re.escape(quoted).replace(r"\-", "[-−]") + r"(?![\w]|\.\d)"
    return re.search(pattern, text.replace("−", "-")) is not None


def problems(cells: list[dict]) -> list[str]:
    """What is wrong with the quoted numbers of an executed notebook (empty: all agree)."""
    section = check_section(cells)
    cell = quoted_cell(cells)
    if cell is None:
        return []
    numbers = computed_numbers(cell)
    found = []
    for quoted, value in numbers.items():
        if not appears(quoted, section):
            found.append(f"{quoted!r} is listed but not written in {HEADING!r}")
        if not matches(quoted, value):
            found.append(f"the text says {quoted}, the code computes {value!r}")
    for decimal in DECIMAL.findall(section.replace("−", "-")):
        if decimal not in numbers:
            found.append(f"{decimal} is quoted in {HEADING!r} but not computed in the {TAG!r} cell")
    return found
