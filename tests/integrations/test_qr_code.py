"""qr-code through the engine: the PNG's pixels are the QR symbol of the data (no QR decoder is installed, so the
drawing is read back module by module against segno's symbol), the SVG's structure, the options, bad input."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import defusedxml.ElementTree as SafeXml
import pytest
import segno

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import store  # noqa: F401
from tests.integrations.native_engine import NativeEngine, native_engine
from tests.integrations.png_pixels import Png, read_png
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.store import Store
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations import qr_code
from weavz_flow.integrations.output_shapes import output_shape

NAME = qr_code.NAME
URL = "https://example.com/orders/42?ref=qr"
BLACK, WHITE = (0, 0, 0), (255, 255, 255)


@pytest.fixture
def engine(store: Store, sdk_catalog: Catalog) -> Iterator[NativeEngine]:
    with native_engine(store, sdk_catalog, NAME) as engine:
        yield engine


def generate(engine: NativeEngine, **input: Any) -> dict[str, Any]:
    out: dict[str, Any] = engine.execute(NAME, "generate_qr_code", input)
    return out


def image(out: dict[str, Any]) -> bytes:
    data = base64.b64decode(out["base64"])
    assert out["dataUrl"] == f"data:{out['mimeType']};base64,{out['base64']}"
    return data


def assert_draws(png: Png, data: str, level: str, *, border: int, dark: tuple[int, int, int],
                 light: tuple[int, int, int]) -> None:
    """Every module of the symbol segno makes for ``data`` is drawn in its color, the border in the light one."""
    symbol = segno.make_qr(data, error=level, boost_error=False)
    modules = len(symbol.matrix)
    scale = png.width // (modules + 2 * border)
    assert png.width == png.height == (modules + 2 * border) * scale
    for row in range(-border, modules + border):
        for col in range(-border, modules + border):
            inside = 0 <= row < modules and 0 <= col < modules
            expected = dark if inside and symbol.matrix[row][col] else light
            x, y = (col + border) * scale + scale // 2, (row + border) * scale + scale // 2
            assert png.rgb(x, y) == expected, (row, col)


def test_png_by_default(engine: NativeEngine) -> None:
    out = generate(engine, data=URL)
    png = read_png(image(out))
    assert {k: out[k] for k in ("format", "mimeType", "errorCorrectionLevel")} == {
        "format": "png", "mimeType": "image/png", "errorCorrectionLevel": "M"}
    assert out["width"] == out["height"] == png.width and png.width <= 200
    assert out["version"] == segno.make_qr(URL, error="m", boost_error=False).version
    assert_draws(png, URL, "m", border=qr_code.QUIET_ZONE, dark=BLACK, light=WHITE)
    shape = output_shape(NAME, "generate_qr_code")
    assert shape is not None and {f.name for f in shape.fields} == set(out)


def test_png_options(engine: NativeEngine) -> None:
    out = generate(engine, data="hello", size="300x250", color="FF0000", bgcolor="#00f", margin=0,
                   errorCorrectionLevel="h")
    png = read_png(image(out))
    assert out["errorCorrectionLevel"] == "H" and png.width <= 250
    assert_draws(png, "hello", "h", border=0, dark=(255, 0, 0), light=(0, 0, 255))
    decimal = read_png(image(generate(engine, data="hello", color="0-128-0", margin=20)))
    assert (0, 128, 0) in decimal.palette


def test_a_margin_is_whole_modules_at_least_as_wide(engine: NativeEngine) -> None:
    out = generate(engine, data="hello", size="210x210", margin=10)
    png = read_png(image(out))
    modules = len(segno.make_qr("hello", error="m", boost_error=False).matrix)
    scale = (210 - 20) // modules
    border = -(-10 // scale)
    assert border * scale >= 10
    assert_draws(png, "hello", "m", border=border, dark=BLACK, light=WHITE)


def test_svg_is_scaled_to_the_size(engine: NativeEngine) -> None:
    out = generate(engine, data=URL, format="SVG", size="256x256", color="112233")
    svg = SafeXml.fromstring(image(out))
    assert (out["format"], out["mimeType"], out["width"], out["height"]) == ("svg", "image/svg+xml", 256, 256)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert round(float(svg.attrib["width"])) == round(float(svg.attrib["height"])) == 256
    paths = svg.findall(".//{http://www.w3.org/2000/svg}path")
    assert any(p.attrib.get("stroke") in ("#112233", "#123") for p in paths)
    assert any(p.attrib.get("fill") in ("#ffffff", "#fff") for p in paths)


@pytest.mark.parametrize(("input", "field"), [
    ({"size": "big"}, "size"),
    ({"size": "5x5"}, "size"),
    ({"size": "2000x2000"}, "size"),
    ({"color": "red"}, "color"),
    ({"bgcolor": "300-0-0"}, "bgcolor"),
    ({"format": "gif"}, "format"),
    ({"margin": 51}, "margin"),
    ({"margin": 2.5}, "margin"),
    ({"errorCorrectionLevel": "X"}, "errorCorrectionLevel"),
    ({"data": "x" * 3000, "errorCorrectionLevel": "H"}, "data"),
    ({"data": None}, "data"),
])
def test_bad_input_is_a_validation_error_naming_the_field(engine: NativeEngine, input: dict[str, Any],
                                                          field: str) -> None:
    error = engine.error(NAME, "generate_qr_code", {"data": "hello", **input})
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert [f["field"] for f in error.details["fields"]] == [field]


def test_custom_api_call_stays_unsupported(engine: NativeEngine) -> None:
    error = engine.error(NAME, "custom_api_call", {"method": "GET", "path": "/"})
    assert error.code == ErrorCode.NATIVE_ACTION_UNSUPPORTED
