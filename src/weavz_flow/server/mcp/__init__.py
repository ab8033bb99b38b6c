"""The MCP protocol endpoint: a server's tools over Streamable HTTP (``/mcp/{serverId}``) and stdio, on the
official ``mcp`` package, over the engine's execute pipeline."""
