"""A small hand-made catalog with the Weavz names and fields that the examples and broken configs use."""

from __future__ import annotations

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import ActionInfo, InputField, IntegrationInfo, TriggerInfo


def _action(integration: str, name: str, *fields: InputField) -> ActionInfo:
    return ActionInfo(integration, name, fields=fields)


def _integration(name: str, auth: tuple[str, ...], *actions: ActionInfo, native: bool = True,
                 triggers: tuple[TriggerInfo, ...] = ()) -> IntegrationInfo:
    return IntegrationInfo(name, auth_types=auth, native=native, actions={a.name: a for a in actions},
                           triggers={t.name: t for t in triggers},
                           native_actions=frozenset(a.name for a in actions) if native else frozenset())


def req(name: str, type_: str | None = "string") -> InputField:
    return InputField(name, type_, required=True)


def opt(name: str, type_: str | None = "string", **kw: object) -> InputField:
    return InputField(name, type_, **kw)  # type: ignore[arg-type]


def small_catalog() -> Catalog:
    return Catalog([
        _integration(
            "slack", ("OAUTH2", "SECRET_TEXT"),
            _action("slack", "send_channel_message", req("channel"), req("text"), opt("blocks", None),
                    opt("thread_ts"), opt("unfurl_links", "boolean")),
        ),
        _integration(
            "github", ("OAUTH2", "SECRET_TEXT"),
            _action("github", "list_issues", req("repository"), opt("state"), opt("labels"), opt("sort"),
                    opt("per_page", "number")),
            _action("github", "create_issue", req("repository"), req("title"), opt("body"), opt("labels"),
                    opt("assignees")),
            triggers=(TriggerInfo("github", "new_issue", fields=(req("repository"), opt("labels"),
                                                                 opt("per_page", "number"))),),
        ),
        _integration(
            "google-sheets", ("OAUTH2",),
            _action("google-sheets", "append_row", req("values", None), opt("spreadsheetId"), opt("sheetName"),
                    opt("valueInputOption")),
        ),
        _integration(
            "http", (),
            _action("http", "send_request", req("method"), req("url"), req("headers", "object"),
                    req("queryParams", "object"), req("authType"), opt("body", "object"), opt("timeout", "number")),
        ),
        _integration(
            "kv-store", (),
            _action("kv-store", "put", req("key"), req("value", None)),
            _action("kv-store", "get", req("key")),
            _action("kv-store", "add_to_list", req("key"), req("value", None)),
        ),
        _integration(
            "storage", (),
            _action("storage", "write_file", req("path"), req("content")),
            _action("storage", "read_file", req("path")),
            _action("storage", "list_files", opt("prefix")),
        ),
        _integration(
            "data-transformer", (),
            _action("data-transformer", "transform_json", req("input", None), req("mapping", None)),
            _action("data-transformer", "merge_objects", req("objects", None), req("strategy")),
            _action("data-transformer", "filter_array", req("array", None), req("conditions", None)),
            _action("data-transformer", "batch_array", req("array", None), req("batchSize", "number")),
        ),
        _integration(
            "notion", ("OAUTH2",),
            _action("notion", "createPage", req("pageId"), opt("title"), opt("content")),
            native=False,
        ),
    ])
