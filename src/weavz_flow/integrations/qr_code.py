"""QR Code (``qr-code``): ``generate_qr_code`` draws a QR code here with segno, no provider involved.

The catalog's options, read as the goQR.me ``create-qr-code`` API documents parameters of the same names
(qrserver.com/api/documentation/create-qr-code): ``size`` ``WxH`` in pixels (default ``200x200``, each side 10 to
1000; a QR code is square, so the smaller side is used), ``color`` / ``bgcolor`` as hex without ``#`` (``000000``,
``f00``; a leading ``#`` and decimal ``255-0-0`` are read too), ``margin`` in pixels (0 to 50), ``format`` png
(default) or svg, ``errorCorrectionLevel`` L, M (default), Q or H.

A PNG is drawn at the largest whole number of pixels per module that fits ``size``; an SVG is scaled to it exactly.
With no ``margin`` the code keeps the standard quiet zone of 4 modules; a ``margin`` is rounded up to whole modules.
The output says the size drawn. Always a full QR code (never a Micro QR, which many phone cameras cannot read), at
the smallest version that holds the data at the level asked.

The catalog's ``custom_api_call`` of this integration is not run here: no public source says which API the hosted
integration calls, so it stays ``NATIVE_ACTION_UNSUPPORTED``.
"""

from __future__ import annotations

import base64
import io
import math
import re
from typing import Any

import segno

from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.catalog_action import catalog_actions
from weavz_flow.integrations.native_action import choice, invalid_input

NAME = "qr-code"
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
LEVELS = ("l", "m", "q", "h")
DEFAULT_SIZE = 200
SIZE_RANGE = (10, 1000)
MARGIN_MAX = 50
QUIET_ZONE = 4  # modules, the standard's minimum
_SIZE = re.compile(r"^\s*(\d+)\s*[xX]\s*(\d+)\s*$")
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_DECIMAL = re.compile(r"^(\d{1,3})-(\d{1,3})-(\d{1,3})$")


def _side(ctx: ActionContext, values: dict[str, Any]) -> int:
    size = values.get("size")
    if size is None or str(size).strip() == "":
        return DEFAULT_SIZE
    match = _SIZE.match(str(size))
    low, high = SIZE_RANGE
    if match is None or not all(low <= int(n) <= high for n in match.groups()):
        raise invalid_input(ctx, "size", f"must be WIDTHxHEIGHT in pixels, each from {low} to {high} (200x200)")
    return min(int(n) for n in match.groups())


def _color(ctx: ActionContext, values: dict[str, Any], field: str, default: str) -> str:
    text = str(values.get(field) or default).strip()
    if _HEX.match(text):
        return "#" + text.lstrip("#").lower()
    decimal = _DECIMAL.match(text)
    if decimal and all(int(n) <= 255 for n in decimal.groups()):
        return "#" + "".join(f"{int(n):02x}" for n in decimal.groups())
    raise invalid_input(ctx, field, "must be a hex color without # (000000, f00) or decimal r-g-b (255-0-0)")


def _margin(ctx: ActionContext, values: dict[str, Any]) -> int | None:
    margin = values.get("margin")
    if margin is None:
        return None
    if not isinstance(margin, int) or not 0 <= margin <= MARGIN_MAX:
        raise invalid_input(ctx, "margin", f"must be a whole number of pixels from 0 to {MARGIN_MAX}")
    return margin


def _layout(modules: int, side: int, margin: int | None, *, exact: bool) -> tuple[float, int]:
    """(pixels per module, border in modules) for a code of ``modules`` drawn within ``side`` pixels."""
    if margin is None:
        scale = side / (modules + 2 * QUIET_ZONE)
        return (scale if exact else max(1, math.floor(scale))), QUIET_ZONE
    scale = max(side - 2 * margin, modules) / modules
    scale = scale if exact else max(1, math.floor(scale))
    return scale, math.ceil(margin / scale)


def generate_qr_code(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    kind = choice(ctx, {"format": values.get("format") or "png"}, "format", tuple(FORMATS))
    level = choice(ctx, {"errorCorrectionLevel": values.get("errorCorrectionLevel") or "m"},
                   "errorCorrectionLevel", LEVELS)
    side, margin = _side(ctx, values), _margin(ctx, values)
    dark, light = _color(ctx, values, "color", "000000"), _color(ctx, values, "bgcolor", "ffffff")
    try:
        code = segno.make_qr(values["data"], error=level, boost_error=False)
    except segno.DataOverflowError:
        raise invalid_input(ctx, "data", f"is too long for a QR code at error correction level {level.upper()}") \
            from None
    modules = int(code.symbol_size(scale=1, border=0)[0])
    scale, border = _layout(modules, side, margin, exact=kind == "svg")
    scale = round(scale, 4)
    out = io.BytesIO()
    extra = {"xmldecl": False, "svgclass": None, "lineclass": None} if kind == "svg" else {}
    code.save(out, kind=kind, scale=scale, border=border, dark=dark, light=light, **extra)
    encoded = base64.b64encode(out.getvalue()).decode("ascii")
    pixels = round((modules + 2 * border) * scale)
    return {
        "format": kind, "mimeType": FORMATS[kind], "width": pixels, "height": pixels, "version": code.version,
        "errorCorrectionLevel": level.upper(), "base64": encoded, "dataUrl": f"data:{FORMATS[kind]};base64,{encoded}",
    }


INTEGRATION = NativeIntegration(
    name=NAME,
    display_name="QR Code",
    description="Generate QR codes as PNG or SVG images.",
    actions=catalog_actions(NAME, {"generate_qr_code": generate_qr_code}),
)
