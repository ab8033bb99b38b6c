"""weavz-flow: a self-hostable engine for the Weavz unified action API, driven by YAML in git."""

from weavz_flow.catalog import ActionInfo, Catalog, InputField, IntegrationInfo
from weavz_flow.diagnostics import Diagnostic, Position, Severity
from weavz_flow.errors import ApiError, ConfigError, ErrorCode, WeavzFlowError
from weavz_flow.log_lines import install as _install_one_line_logging
from weavz_flow.sensitive import Sensitive

_install_one_line_logging()  # every weavz_flow log record is one line, whichever module logs it

__all__ = [
    "ActionInfo",
    "ApiError",
    "Catalog",
    "ConfigError",
    "Diagnostic",
    "ErrorCode",
    "InputField",
    "IntegrationInfo",
    "Position",
    "Sensitive",
    "Severity",
    "WeavzFlowError",
]
