"""The suggested fix for a YAML syntax error, from the parser's problem, its marks and the character it stopped at.

PyYAML's messages say what the parser expected, which is rarely what the author got wrong: an unquoted template, a tab,
a key off by one column. These hints name the likely mistake. They never quote the offending line (it may hold a
secret); they name at most a single syntax character and positions. Both the C loader's and the pure loader's
wordings are matched, since which one runs depends on how PyYAML was built.
"""

from __future__ import annotations

import yaml

TEMPLATE_HINT = 'quote a value that starts with a template, e.g. text: "{{ inputs.name }}"'
_RESERVED = frozenset("@`%|>")


def _line(text: str, mark: yaml.Mark | None) -> str:
    if mark is None:
        return ""
    lines = text.splitlines()
    return lines[mark.line] if 0 <= mark.line < len(lines) else ""


def _char(text: str, mark: yaml.Mark | None) -> str:
    line = _line(text, mark)
    return line[mark.column] if mark is not None and 0 <= mark.column < len(line) else ""


def _at(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "above"


def syntax_hint(exc: yaml.MarkedYAMLError, text: str) -> str | None:
    problem = (exc.problem or "").lower()
    context = (exc.context or "").lower()
    where, opened = exc.problem_mark, exc.context_mark
    char = _char(text, where)
    templated = "{{" in _line(text, where) or "{{" in _line(text, opened)

    if char == "\t" or "tab" in problem:
        return "indent with spaces: YAML does not allow tabs in indentation"
    if "cannot start any token" in problem and char in _RESERVED:
        return f"quote the value: YAML reserves '{char}' at the start of an unquoted value"
    if "directive" in context:
        return "a line that starts with '%' is read as a YAML directive: quote the value, or indent it under its key"
    if "block scalar" in context:
        return ("quote a value that starts with '|' or '>', such as '>= 5': YAML reads it as a block of text; or "
                "start the text on the next line, indented")
    if "scanning an anchor" in context:
        return "quote a value that starts with '&': YAML reads it as an anchor name"
    if "scanning a tag" in context or "parsing a tag" in context:
        return "quote a value that starts with '!': YAML reads it as a tag"
    if "sequence entries are not allowed" in problem:
        return "start a '- item' list on the line after its key, indented, or write it inline as [a, b]"
    if "mapping keys are not allowed" in problem:
        return "quote a value that starts with '?': YAML reads it as a complex key"
    if "document start" in problem:
        return ("check the indentation: the file's top-level keys start in the same column as its first key, "
                "or the line above is missing a ':'")
    if "single document" in context:
        return "a config file holds one document: remove the '---' line or move what follows it to its own file"
    if "quoted scalar" in context:
        return f"close the quote opened at {_at(opened)}"
    if templated and ("flow" in context or "block mapping" in context):
        return TEMPLATE_HINT
    if "flow sequence" in context:
        return f"close the list opened at {_at(opened)} with ']', or separate its items with ','"
    if "flow mapping" in context:
        return f"close the mapping opened at {_at(opened)} with '}}', or separate its entries with ','"
    if "mapping values are not allowed" in problem:
        return "quote a value that contains ': ', or put a nested key on its own line, indented"
    if "expected ':'" in problem:
        return (f"add ':' after the key at {_at(opened)}, or, if that line continues the value above it, "
                "quote or indent it")
    if "block mapping" in context:
        if char == "-":
            return "a list item cannot follow keys of the same mapping: put the list under a key of its own"
        before = _line(text, where)[: where.column].rstrip() if where is not None else ""
        if before.endswith(("'", '"')):
            return "a quoted value must be the whole value: put the quotes around all of it"
        if opened is None:
            return "check the indentation: this line lines up with no key above it"
        return (f"check the indentation: this line lines up with no key above it; the enclosing mapping's keys "
                f"start at {_at(opened)}")
    if "block collection" in context:
        return (f"line this item's '-' up with the list's first item ({_at(opened)}), or indent a key that belongs "
                "to the item above")
    if "undefined alias" in problem or "scanning an alias" in context:
        return "'*name' refers to an anchor '&name' defined earlier; quote the value if '*' is meant literally"
    if "duplicate anchor" in context:
        return "give each anchor ('&name') a name of its own"
    if "node content" in problem or "expected the node content" in problem:
        return "quote the value"
    return None
