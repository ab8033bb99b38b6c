from __future__ import annotations

from weavz_flow.integrations.notion_markdown import RICH_TEXT_LIMIT, blocks_markdown, markdown_blocks


def kinds(blocks: list[dict]) -> list[str]:
    return [b["type"] for b in blocks]


def test_block_types_from_markdown() -> None:
    blocks = markdown_blocks("# A\n\n## B\n\n#### C\n\ntext\n\n1. one\n\n> said\n\n```js\nx()\n```\n\n---\n\n"
                             "- [ ] open\n- [x] closed")
    assert kinds(blocks) == ["heading_1", "heading_2", "heading_3", "paragraph", "numbered_list_item", "quote",
                             "code", "divider", "to_do", "to_do"]
    assert blocks[6]["code"]["language"] == "javascript"
    assert [b["to_do"]["checked"] for b in blocks[-2:]] == [False, True]
    assert blocks[-2]["to_do"]["rich_text"][0]["text"]["content"] == "open"


def test_inline_marks_links_and_nesting() -> None:
    [item] = markdown_blocks("- see [docs](https://example.com) and `code` *now*\n  - inner")
    text = item["bulleted_list_item"]["rich_text"]
    assert text[1] == {"type": "text", "text": {"content": "docs", "link": {"url": "https://example.com"}}}
    assert text[3]["annotations"] == {"code": True} and text[5]["annotations"] == {"italic": True}
    assert kinds(item["bulleted_list_item"]["children"]) == ["bulleted_list_item"]


def test_long_text_is_split_at_the_rich_text_limit_and_unknown_languages_are_plain() -> None:
    [paragraph, code] = markdown_blocks("x" * (RICH_TEXT_LIMIT + 5) + "\n\n```brainfuck\n+\n```")
    assert [len(t["text"]["content"]) for t in paragraph["paragraph"]["rich_text"]] == [RICH_TEXT_LIMIT, 5]
    assert code["code"]["language"] == "plain text"
    assert markdown_blocks("") == []


def test_blocks_back_to_markdown() -> None:
    source = "# Title\nplain **bold**\n- item\n- [x] done\n```python\nprint(1)\n```\n---"
    assert blocks_markdown(markdown_blocks(source)) == source
