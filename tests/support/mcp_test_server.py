"""A small MCP stdio server for the tests, written with the official `mcp` SDK: one tool, `shout`.

`--hang` makes it a server that starts and never answers (a probe must give up on it in time).
"""

from __future__ import annotations

import sys
import time

from mcp.server.mcpserver import MCPServer

server = MCPServer("desktop-test-tools")


@server.tool()
def shout(text: str) -> str:
    """Return the text in capitals, with an exclamation mark."""
    return text.upper() + "!"


if __name__ == "__main__":
    print("desktop-test-tools starting", file=sys.stderr, flush=True)
    if "--hang" in sys.argv:
        time.sleep(3600)
    server.run()
