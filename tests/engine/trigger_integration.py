"""A native integration with triggers, registered by injection, whose polling trigger asks the items stub over HTTP.

``items-test.new_item`` (POLLING): baseline = the highest item id now; a poll answers the items above the cursor,
oldest first. ``items-test.caught`` (WEBHOOK): accepts a JSON body when the ``X-Test-Secret`` header equals the
source's ``secret`` input (constant-time compare), else 401 WEBHOOK_SIGNATURE_INVALID. Both need a SECRET_TEXT
connection (the webhook one only to show that an inbound request resolves its source's connection too)."""

from __future__ import annotations

import hmac
import json
from typing import Any

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import InputField, TriggerInfo
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.trigger_base import Cursor, InboundRequest, PollResult, TriggerEvent

ITEMS = "items-test"
SAMPLE = {"id": 7, "title": "sample item", "createdAt": "2026-12-01T09:00:00Z"}


def _items(ctx: ActionContext, since: int) -> list[dict[str, Any]]:
    assert ctx.credentials is not None
    response = ctx.http.get(f"{ctx.base_url}/items", params={"since": since},
                            headers={"Authorization": f"Bearer {ctx.credentials.token()}"})
    if response.status_code != 200:
        raise ApiError(ErrorCode.ACTION_FAILED, f"items answered {response.status_code}: {response.text}")
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class NewItem:
    info = TriggerInfo(ITEMS, "new_item", display_name="New item", type="POLLING", sample_data=SAMPLE,
                       fields=(InputField("label", "string", required=True),
                               InputField("tag", "string", default="none")))

    def baseline(self, ctx: ActionContext, input: dict[str, Any]) -> Cursor:
        return {"seen": max((i["id"] for i in _items(ctx, 0)), default=0)}

    def poll(self, ctx: ActionContext, input: dict[str, Any], cursor: Cursor) -> PollResult:
        items = _items(ctx, int(cursor["seen"]))
        events = [TriggerEvent(id=str(i["id"]), data={**i, "label": input["label"], "tag": input.get("tag")},
                               occurred_at=i["createdAt"]) for i in items]
        return PollResult(events, {"seen": max((i["id"] for i in items), default=cursor["seen"])})


class Caught:
    info = TriggerInfo(ITEMS, "caught", display_name="Caught", type="WEBHOOK", sample_data={"hello": "world"},
                       fields=(InputField("secret", "string", required=True),))

    def accept(self, ctx: ActionContext, input: dict[str, Any], request: InboundRequest) -> list[TriggerEvent]:
        given = request.headers.get("x-test-secret", "")
        if not hmac.compare_digest(given.encode("utf-8"), str(input["secret"]).encode("utf-8")):
            raise ApiError(ErrorCode.WEBHOOK_SIGNATURE_INVALID, "The webhook secret does not match")
        body = json.loads(request.body or b"{}")
        return [TriggerEvent(id=request.headers.get("x-event-id") or str(body.get("id")), data={"body": body})]


ITEMS_INTEGRATION = NativeIntegration(
    name=ITEMS, display_name="Items test", description="test only", actions={}, auth_types=("SECRET_TEXT",),
    default_base_url="https://items.invalid", triggers={"new_item": NewItem(), "caught": Caught()},
)


def with_items(catalog: Catalog) -> Catalog:
    return catalog.overlay([ITEMS_INTEGRATION.catalog_entry()])
