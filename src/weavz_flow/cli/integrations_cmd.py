"""``weavz-flow integrations``: browse the catalog (list, show) and build its cache."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from typing import Any

import click

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import ActionInfo, IntegrationInfo, TriggerInfo
from weavz_flow.catalog.sdk_cache import CacheInfo, build_sdk_cache, sdk_cache_info
from weavz_flow.cli.catalog_loading import load_catalog
from weavz_flow.integrations.output_shapes import OutputShape, output_shape
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS


@click.group()
def integrations() -> None:
    """Browse the integration catalog: the Weavz catalog shipped in weavz-io-sdk plus the native integrations."""


@integrations.command("list")
@click.option("--native", is_flag=True, help="Only the integrations this engine executes itself.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the GET /api/v1/integrations?summary=true shape).")
def list_integrations(native: bool, as_json: bool) -> None:
    """List integrations: name, display name, native or not, action and trigger counts."""
    catalog = _catalog()
    names = NATIVE_INTEGRATIONS if native else catalog.names
    infos = [catalog.integration(n) for n in sorted(names)]
    counts = coverage_counts(infos)
    if as_json:
        summaries = [i.metadata(summary=True) for i in infos]
        _echo_json({"integrations": summaries, "total": len(summaries), "counts": counts})
        return
    rows = [[i.name, i.display_name, "yes" if i.native else "", str(len(i.actions))] for i in infos]
    for line in _table(["NAME", "DISPLAY NAME", "NATIVE", "ACTIONS"], rows, right_aligned={3}):
        click.echo(line)
    click.echo(f"{len(infos)} integrations, {sum(len(i.actions) for i in infos)} actions, "
               f"{counts['triggers']} triggers")
    click.echo(f"executable here: {counts['nativeActions']} actions; every action of {counts['fullyNative']} "
               f"integrations; custom_api_call of {counts['customApiCall']}")


def coverage_counts(infos: Sequence[IntegrationInfo]) -> dict[str, int]:
    """What this engine executes among ``infos``: actions, integrations with every catalog action, integrations
    whose custom_api_call runs (the figures issue 20 measures) and triggers."""
    native = [i for i in infos if i.native]
    return {
        "nativeIntegrations": len(native),
        "nativeActions": sum(len(i.native_actions & set(i.actions)) for i in native),
        "fullyNative": sum(1 for i in native if set(i.actions) <= i.native_actions),
        "customApiCall": sum(1 for i in native if i.runs_here("custom_api_call")),
        "triggers": sum(len(i.triggers) for i in native),  # only natives have any: the SDK ships none
    }


@integrations.command("show")
@click.argument("name")
@click.argument("action", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the Weavz metadata, or the action's input JSON Schema.")
def show(name: str, action: str | None, as_json: bool) -> None:
    """Show an integration's actions and their required fields, or one ACTION's input fields and, for an action this
    engine runs itself, its output. ACTION may name a trigger: its input fields and sample event."""
    catalog = _catalog()
    info = catalog.integration(name)
    if action is None:
        _show(as_json, info.metadata, lambda: _integration_lines(info))
        return
    trigger = info.triggers.get(action)
    if trigger is not None:
        _show(as_json, trigger.metadata, lambda: _trigger_lines(trigger))
        return
    found = catalog.action(name, action)
    _show(as_json, found.input_schema, lambda: _action_lines(info, found))


def _show(as_json: bool, document: Callable[[], Any], lines: Callable[[], list[str]]) -> None:
    if as_json:
        _echo_json(document())
        return
    for line in lines():
        click.echo(line)


@integrations.command("cache")
@click.option("--rebuild", is_flag=True, help="Rebuild even when the cache is current.")
def cache(rebuild: bool) -> None:
    """Build the catalog cache (done automatically on first use; about 10 s once per SDK version)."""
    info = None if rebuild else sdk_cache_info()
    if info is None:
        click.echo("Building the catalog cache from weavz-io-sdk (about 10 s)...", err=True)
        info = build_sdk_cache()
        click.echo(_cache_line("Built", info))
    else:
        click.echo(_cache_line("Up to date", info))


def _catalog() -> Catalog:
    return load_catalog()


def _cache_line(state: str, info: CacheInfo) -> str:
    return (
        f"{state}: {info.path} ({info.integrations} integrations, {info.actions} actions, "
        f"weavz-io-sdk {info.sdk_version})"
    )


def _integration_lines(info: IntegrationInfo) -> list[str]:
    auth = ", ".join(info.auth_types) if info.needs_connection else "none"
    lines = [
        f"{info.name}: {info.display_name}" + (" (native)" if info.native else ""),
        f"connection types: {auth}",
        f"{len(info.actions)} actions (* = required):",
    ]
    rows = [[a.name, _fields_summary(a)] for a in info.actions.values()]
    lines += ["  " + line for line in _table(["ACTION", "FIELDS"], rows)]
    if info.triggers:
        lines.append(f"{len(info.triggers)} triggers:")
        rows = [[t.name, t.type, _fields_summary(t)] for t in info.triggers.values()]
        lines += ["  " + line for line in _table(["TRIGGER", "TYPE", "FIELDS"], rows)]
    return lines


def _fields_summary(action: ActionInfo) -> str:
    optional = len(action.fields) - len(action.required)
    fields = ", ".join(f"{r}*" for r in action.required)
    if optional:
        fields += (" " if fields else "") + f"(+{optional} optional)"
    return fields


def _action_lines(integration: IntegrationInfo, action: ActionInfo) -> list[str]:
    lines = [f"{action.key}: {integration.display_name} — {action.display_name}"]
    if action.description:
        lines.append(action.description)
    if not action.fields:
        lines.append("no input fields")
    else:
        rows = [[f.name, f.type or "any", "yes" if f.required else "no", f.description] for f in action.fields]
        lines += _table(["FIELD", "TYPE", "REQUIRED", "DESCRIPTION"], rows)
    return [*lines, "", *_output_lines(integration, action)]


def _trigger_lines(trigger: TriggerInfo) -> list[str]:
    lines = [f"{trigger.key}: {trigger.display_name or trigger.name} ({trigger.type} trigger)"]
    if trigger.description:
        lines.append(trigger.description)
    rows = [[f.name, f.type or "any", "yes" if f.required else "no", f.description] for f in trigger.fields]
    lines += _table(["FIELD", "TYPE", "REQUIRED", "DESCRIPTION"], rows) if rows else ["no input fields"]
    return [*lines, "", "Sample event data:", *json.dumps(dict(trigger.sample_data), indent=2).splitlines()]


def _output_lines(integration: IntegrationInfo, action: ActionInfo) -> list[str]:
    shape = output_shape(integration.name, action.name) if integration.native else None
    if shape is None:
        return ["Output: not described here (this engine does not run this action itself; see the provider's or "
                "Weavz's documentation)."]
    lines = [f"Output ({_output_kind(shape)}): {shape.description}"]
    if shape.fields:
        rows = [[f.name, f.type, f.description] for f in shape.fields]
        lines += _table(["OUTPUT FIELD", "TYPE", "DESCRIPTION"], rows)
    return lines


def _output_kind(shape: OutputShape) -> str:
    if shape.type == "array":
        return "an array; each item has these fields" if shape.fields else "an array"
    return {"object": "an object", "string": "text"}.get(shape.type, "any JSON value")


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right_aligned: Collection[int] = ()
) -> list[str]:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def fmt(cells: Sequence[str]) -> str:
        padded = (
            cell.rjust(width) if i in right_aligned else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    return [fmt(headers), *(fmt(r) for r in rows)]


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))
