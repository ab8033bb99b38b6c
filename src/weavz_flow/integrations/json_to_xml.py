"""XML (``xml``): ``convert-json-to-xml`` writes JSON as XML text, computed here with no provider.

The mapping follows the ``json2xml`` npm package that the catalog's piece calls (facts from its README and the
Activepieces ``xml`` piece, packages/pieces/community/xml: the piece's default attributes key is ``attr``, ``header``
prefixes ``<?xml version="1.0" encoding="UTF-8"?>``):

* an object's keys become elements in order, ``{"a": 1, "b": {"c": "x"}}`` -> ``<a>1</a><b><c>x</c></b>``; no root
  element is added (give one top-level key for a well-formed document);
* ``null`` and ``""`` become an empty element ``<a/>``; ``true``/``false`` and numbers their JSON text;
* the object under the attributes key gives attributes to each sibling element:
  ``{"a": 1, "attr": {"b": 2}}`` -> ``<a b="2">1</a>``;
* an array under a key is wrapped in that key's element and each item converted inside it,
  ``{"items": [{"item": 1}, {"item": 2}]}`` -> ``<items><item>1</item><item>2</item></items>``; an item that is not
  an object (a string, a number, an array) becomes ``<item>...</item>`` (json2xml would run such items together);
  a top-level array converts each item in turn.

What json2xml leaves unchecked is made safe here: text and attribute values are escaped (``&``, ``<``, ``>``, and
quotes in attributes), and a key that is not an XML name becomes one: each character a name may not hold becomes
``_`` (``first name`` -> ``first_name``; ``:`` too, as a prefix would need a namespace declaration), ``_`` goes before
a first character a name may not start with (``1st`` -> ``_1st``), and an empty key is ``_``. Text holding a character
XML 1.0 cannot carry at all (a control character other than tab, newline and carriage return) is a VALIDATION_ERROR
naming its place in ``json``. ``json`` given as text holding a JSON object or array is read as that JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.catalog_action import catalog_actions
from weavz_flow.integrations.native_action import invalid_input

NAME = "xml"
ACTION = "convert-json-to-xml"
HEADER = '<?xml version="1.0" encoding="UTF-8"?>'
DEFAULT_ATTRIBUTES_KEY = "attr"
ITEM = "item"

# XML 1.0 (fifth edition) NameStartChar and NameChar, less ':' (see above).
_START = ("A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
          "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_REST = _START + r"\-.0-9\u00b7\u0300-\u036f\u203f-\u2040"
_NOT_NAME_CHAR = re.compile(f"[^{_REST}]")
_NAME_START = re.compile(f"[{_START}]")
# Characters no XML 1.0 document can hold, escaped or not.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ATTRIBUTE_ESCAPES = {**_ESCAPES, '"': "&quot;"}


def xml_name(key: str) -> str:
    """``key`` as a valid XML name (see the module docstring)."""
    name = _NOT_NAME_CHAR.sub("_", key)
    return name if name and _NAME_START.match(name) else "_" + name


class _Writer:
    def __init__(self, ctx: ActionContext, attributes_key: str) -> None:
        self.ctx = ctx
        self.attributes_key = attributes_key
        self.out: list[str] = []

    def value(self, value: Any, path: str) -> None:
        if isinstance(value, dict):
            self.members(value, path)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.value(item, f"{path}.{index}")
        else:
            self.out.append(self.text(value, path, _ESCAPES))

    def members(self, members: dict[str, Any], path: str) -> None:
        attributes = self.attributes(members.get(self.attributes_key), f"{path}.{self.attributes_key}")
        for key, value in members.items():
            if key != self.attributes_key:
                self.element(xml_name(key), attributes, value, f"{path}.{key}")

    def element(self, name: str, attributes: str, value: Any, path: str) -> None:
        if value is None or value == "":
            self.out.append(f"<{name}{attributes}/>")
            return
        self.out.append(f"<{name}{attributes}>")
        if isinstance(value, list):
            for index, item in enumerate(value):
                here = f"{path}.{index}"
                if isinstance(item, dict):
                    self.members(item, here)
                else:
                    self.element(ITEM, "", item, here)
        else:
            self.value(value, path)
        self.out.append(f"</{name}>")

    def attributes(self, attributes: Any, path: str) -> str:
        if attributes is None:
            return ""
        if not isinstance(attributes, dict):
            raise invalid_input(self.ctx, path, "must be an object of attribute names and values")
        named = {xml_name(k): self.text(v, f"{path}.{k}", _ATTRIBUTE_ESCAPES) for k, v in attributes.items()}
        return "".join(f' {name}="{value}"' for name, value in named.items())

    def text(self, value: Any, path: str, escapes: dict[str, str]) -> str:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if _NOT_XML_CHAR.search(text):
            raise invalid_input(self.ctx, path, "holds a character XML 1.0 cannot carry (a control character)")
        return "".join(escapes.get(c, c) for c in text)


def convert_json_to_xml(ctx: ActionContext, values: dict[str, Any]) -> str:
    data = values["json"]
    if isinstance(data, str) and data.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(data)
        except ValueError:
            raise invalid_input(ctx, "json", "looks like JSON text but is not valid JSON") from None
    writer = _Writer(ctx, values.get("attributes_key") or DEFAULT_ATTRIBUTES_KEY)
    writer.value(data, "json")
    return (HEADER if values.get("header") else "") + "".join(writer.out)


INTEGRATION = NativeIntegration(
    name=NAME,
    display_name="XML",
    description="Convert JSON to XML text.",
    actions=catalog_actions(NAME, {ACTION: convert_json_to_xml}),
)
