"""Markdown to Notion blocks and back, for the Notion actions that take or give page content as text.

Markdown is parsed by markdown-it-py (CommonMark); each block becomes a Notion block object: headings (``heading_1``
to ``heading_3``; deeper levels are ``heading_3``), paragraphs, bulleted and numbered list items (nested items as
their ``children``), to-dos (``- [ ]`` / ``- [x]``), quotes, code (a language Notion does not name is ``plain text``)
and dividers. Inline bold, italic, code and links become rich-text annotations and links. A rich-text item holds at
most 2,000 characters, so longer text is split.

Facts from Notion's reference: the block types and their fields (https://developers.notion.com/reference/block),
rich-text objects and their limits (https://developers.notion.com/reference/rich-text and
https://developers.notion.com/reference/request-limits), the code block languages
(https://developers.notion.com/reference/block#code).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

RICH_TEXT_LIMIT = 2000

# A subset of Notion's code languages: the names a Markdown fence commonly carries.
_LANGUAGES = frozenset({
    "bash", "c", "c#", "c++", "css", "diff", "docker", "go", "graphql", "html", "java", "javascript", "json",
    "kotlin", "markdown", "php", "plain text", "python", "ruby", "rust", "scala", "shell", "sql", "swift",
    "typescript", "xml", "yaml",
})
_LANGUAGE_ALIASES = {"js": "javascript", "ts": "typescript", "py": "python", "sh": "shell", "yml": "yaml",
                     "cpp": "c++", "csharp": "c#", "md": "markdown", "text": "plain text", "": "plain text"}
_HEADINGS = {"h1": "heading_1", "h2": "heading_2"}

_parser = MarkdownIt("commonmark")


def markdown_blocks(text: str) -> list[dict[str, Any]]:
    """The Notion blocks of a Markdown text (an empty text has none)."""
    return _blocks(SyntaxTreeNode(_parser.parse(text)).children)


def rich_text(text: str) -> list[dict[str, Any]]:
    """Plain text as Notion rich text (split at the length limit)."""
    return [_text_item(part, {}, None) for part in _chunks(text)]


def _blocks(nodes: Iterable[SyntaxTreeNode]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in nodes:
        out.extend(_block(node))
    return out


def _block(node: SyntaxTreeNode) -> list[dict[str, Any]]:
    kind = node.type
    if kind == "heading":
        return [_text_block(_HEADINGS.get(node.tag, "heading_3"), _inline(node))]
    if kind == "paragraph":
        return [_text_block("paragraph", _inline(node))]
    if kind in ("bullet_list", "ordered_list"):
        return [_list_item(item, "bulleted_list_item" if kind == "bullet_list" else "numbered_list_item")
                for item in node.children]
    if kind == "blockquote":
        parts = [_inline(child) for child in node.children if child.type == "paragraph"]
        joined: list[dict[str, Any]] = []
        for i, part in enumerate(parts):
            joined.extend(([_text_item("\n", {}, None)] if i else []) + part)
        return [_text_block("quote", joined)]
    if kind in ("fence", "code_block"):
        language = (node.info or "").strip().lower()
        language = _LANGUAGE_ALIASES.get(language, language)
        code = {"rich_text": rich_text(node.content.rstrip("\n")),
                "language": language if language in _LANGUAGES else "plain text"}
        return [{"object": "block", "type": "code", "code": code}]
    if kind == "hr":
        return [{"object": "block", "type": "divider", "divider": {}}]
    if node.content.strip():  # html and anything else: kept as its text
        return [_text_block("paragraph", rich_text(node.content.strip()))]
    return []


def _list_item(item: SyntaxTreeNode, kind: str) -> dict[str, Any]:
    children = list(item.children)
    first = children.pop(0) if children and children[0].type == "paragraph" else None
    text = _inline(first) if first is not None else []
    checked: bool | None = None
    if kind == "bulleted_list_item" and text and text[0]["text"]["content"][:4].lower() in ("[ ] ", "[x] "):
        checked = text[0]["text"]["content"][1].lower() == "x"
        text[0]["text"]["content"] = text[0]["text"]["content"][4:]
        kind = "to_do"
    block = _text_block(kind, text)
    if checked is not None:
        block["to_do"]["checked"] = checked
    nested = _blocks(children)
    if nested:
        block[kind]["children"] = nested
    return block


def _text_block(kind: str, text: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "block", "type": kind, kind: {"rich_text": text}}


def _inline(node: SyntaxTreeNode) -> list[dict[str, Any]]:
    inline = node.children[0] if node.children and node.children[0].type == "inline" else node
    out: list[dict[str, Any]] = []
    _walk_inline(inline.children, {}, None, out)
    return out


def _walk_inline(nodes: Sequence[SyntaxTreeNode], marks: Mapping[str, bool], link: str | None,
                 out: list[dict[str, Any]]) -> None:
    for node in nodes:
        kind = node.type
        if kind == "text" or kind == "html_inline":
            out.extend(_text_item(part, marks, link) for part in _chunks(node.content))
        elif kind == "code_inline":
            out.extend(_text_item(part, {**marks, "code": True}, link) for part in _chunks(node.content))
        elif kind in ("softbreak", "hardbreak"):
            out.append(_text_item("\n", marks, link))
        elif kind == "strong":
            _walk_inline(node.children, {**marks, "bold": True}, link, out)
        elif kind == "em":
            _walk_inline(node.children, {**marks, "italic": True}, link, out)
        elif kind == "link":
            _walk_inline(node.children, marks, str(node.attrs.get("href") or "") or None, out)
        elif kind == "image":
            out.append(_text_item(str(node.attrs.get("src") or ""), marks, str(node.attrs.get("src") or "") or None))
        else:
            _walk_inline(node.children, marks, link, out)


def _text_item(content: str, marks: Mapping[str, bool], link: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "text", "text": {"content": content}}
    if link:
        item["text"]["link"] = {"url": link}
    if marks:
        item["annotations"] = dict(marks)
    return item


def _chunks(text: str) -> list[str]:
    return [text[i:i + RICH_TEXT_LIMIT] for i in range(0, len(text), RICH_TEXT_LIMIT)] or []


# --- blocks to Markdown ------------------------------------------------------------------------------------------

_PREFIXES = {"heading_1": "# ", "heading_2": "## ", "heading_3": "### ", "bulleted_list_item": "- ",
             "numbered_list_item": "1. ", "quote": "> ", "toggle": "- ", "callout": "> "}


def blocks_markdown(blocks: Iterable[Mapping[str, Any]], indent: str = "") -> str:
    """Markdown of Notion blocks; a block's ``children`` (when fetched) are indented under it."""
    lines: list[str] = []
    for block in blocks:
        kind = str(block.get("type") or "")
        found = block.get(kind)
        data: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        if kind == "divider":
            line = "---"
        elif kind == "code":
            line = f"```{data.get('language') or ''}\n{plain_text(data.get('rich_text'))}\n```"
        elif kind == "to_do":
            line = f"- [{'x' if data.get('checked') else ' '}] {markdown_text(data.get('rich_text'))}"
        elif kind == "child_page" or kind == "child_database":
            line = f"**{data.get('title') or ''}**"
        elif kind in ("image", "file", "pdf", "video", "bookmark", "embed"):
            url = data.get("url") or (data.get("external") or data.get("file") or {}).get("url") or ""
            line = f"[{plain_text(data.get('caption')) or kind}]({url})"
        else:
            line = _PREFIXES.get(kind, "") + markdown_text(data.get("rich_text"))
        lines.append(indent + line.replace("\n", "\n" + indent))
        children = block.get("children")
        if isinstance(children, list) and children:
            lines.append(blocks_markdown(children, indent + "  "))
    return "\n".join(lines)


def plain_text(items: Any) -> str:
    """The text of a rich-text array."""
    if not isinstance(items, list):
        return ""
    return "".join(str(i.get("plain_text") or (i.get("text") or {}).get("content") or "")
                   for i in items if isinstance(i, Mapping))


def markdown_text(items: Any) -> str:
    if not isinstance(items, list):
        return ""
    out: list[str] = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        text = plain_text([item])
        marks = item.get("annotations") or {}
        if marks.get("code"):
            text = f"`{text}`"
        if marks.get("bold"):
            text = f"**{text}**"
        if marks.get("italic"):
            text = f"*{text}*"
        url = item.get("href") or ((item.get("text") or {}).get("link") or {}).get("url")
        out.append(f"[{text}]({url})" if url else text)
    return "".join(out)
