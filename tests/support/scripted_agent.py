"""A tiny ACP agent for faults the real CLI cannot be made to show. Usage: scripted_agent.py MODE

Modes:
  normal       answers initialize, session/new and each prompt with "ok: <text>"
  garbage      like normal, but first writes junk: non-JSON, invalid UTF-8, a 10 MB line, a bare array,
               a response to an unknown id, a bad id type, and a request for an unknown method (whose
               error code it then reports in its next answer)
  split-utf8   answers with a multi-byte character written in two separate flushes
  silent       never answers initialize
  exit         exits at once with code 3 after a line on stderr
  crash-turn   streams one chunk of the first prompt, then dies with code 9
  hang-turn    never answers prompts (and never streams anything)
  leak-key     on the first prompt, prints API keys on stderr (as a careless agent might) and dies with code 5
"""

from __future__ import annotations

import json
import sys
import time

MODE = sys.argv[1] if len(sys.argv) > 1 else "normal"
out = sys.stdout.buffer
LEAKED_KEY = "AIzaSyLeakedByTheScriptedAgent0123456789"


def write_raw(data: bytes) -> None:
    out.write(data)
    out.flush()


def send(message: dict) -> None:
    write_raw(json.dumps(message).encode() + b"\n")


def chunk(session_id: str, text: str) -> None:
    send({"jsonrpc": "2.0", "method": "session/update", "params": {
        "sessionId": session_id,
        "update": {"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": text}}}})


def junk() -> None:
    write_raw(b"this is not json\n")
    write_raw(b"\xff\xfe\xfa broken utf-8 \xc3\n")
    write_raw(b'{"jsonrpc": "2.0", "method": "session/update", "params": ' + b'"' + b"x" * (10 * 1024 * 1024) + b'"}\n')
    write_raw(b"[1, 2, 3]\n")
    write_raw(b'{"jsonrpc": "2.0", "id": 4242, "result": {}}\n')
    write_raw(b'{"jsonrpc": "2.0", "id": [1], "result": {}}\n')
    send({"jsonrpc": "2.0", "id": 777, "method": "weird/unknownMethod", "params": {}})


def main() -> None:
    if MODE == "exit":
        sys.stderr.write("scripted agent: refusing to start\n")
        sys.stderr.flush()
        sys.exit(3)
    unknown_reply = "none"
    prompts = 0
    for line in sys.stdin.buffer:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        method, request_id = message.get("method"), message.get("id")
        if method is None:
            if request_id == 777:
                unknown_reply = str(message.get("error", {}).get("code"))
            continue
        if method == "initialize":
            if MODE == "silent":
                continue
            if MODE == "garbage":
                junk()
            send({"jsonrpc": "2.0", "id": request_id, "result": {
                "protocolVersion": 1, "agentCapabilities": {"loadSession": False}, "authMethods": [],
                "agentInfo": {"name": "scripted", "version": "0.0.1"}}})
        elif method == "session/new":
            send({"jsonrpc": "2.0", "id": request_id, "result": {"sessionId": "scripted-session"}})
        elif method == "session/prompt":
            prompts += 1
            session_id = message["params"]["sessionId"]
            text = "".join(b.get("text", "") for b in message["params"]["prompt"])
            if MODE == "hang-turn":
                continue
            if MODE == "leak-key":
                sys.stderr.write(f"GEMINI_API_KEY={LEAKED_KEY}\nPOST https://example.invalid/v1?key={LEAKED_KEY}\n"
                                 f'fatal: {{"api-key": "{LEAKED_KEY}"}} was rejected\n')
                sys.stderr.flush()
                sys.exit(5)
            if MODE == "crash-turn":
                chunk(session_id, "half an ans")
                time.sleep(0.2)
                sys.exit(9)
            if MODE == "split-utf8":
                encoded = "héllo 世界".encode()
                cut = encoded.index("世".encode()) + 1
                prefix = json.dumps({"jsonrpc": "2.0", "method": "session/update", "params": {
                    "sessionId": session_id, "update": {"sessionUpdate": "agent_message_chunk",
                                                        "content": {"type": "text", "text": "@@"}}}},
                                    ensure_ascii=False).encode()
                head, tail = prefix.split(b"@@")
                write_raw(head + encoded[:cut])
                time.sleep(0.1)
                write_raw(encoded[cut:] + tail + b"\n")
            else:
                chunk(session_id, f"ok: {text}" + (f" (unknown method answered {unknown_reply})"
                                                   if MODE == "garbage" else ""))
            send({"jsonrpc": "2.0", "id": request_id, "result": {"stopReason": "end_turn"}})
        elif method == "session/cancel":
            continue
        elif request_id is not None:
            send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": "not here"}})


if __name__ == "__main__":
    main()
