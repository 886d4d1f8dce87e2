"""A tiny ACP agent for faults the real CLI cannot be made to show. Usage: scripted_agent.py MODE

Modes:
  normal       answers initialize, session/new and each prompt with "ok: <text>"
  garbage      like normal, but first writes junk: non-JSON, invalid UTF-8, a 10 MB line, a bare array,
               a response to an unknown id, a bad id type, and a request for an unknown method (whose
               error code it then reports in its next answer)
  split-utf8   answers with a multi-byte character written in two separate flushes
  silent       never answers initialize
  exit         exits at once with code 3 after a line on stderr
  loading      still loading for LOADING_S seconds before it reads its stdin (as a starting gemini)
  crash-turn   streams one chunk of the first prompt, then dies with code 9
  hang-turn    never answers prompts (and never streams anything)
  plan         on each prompt, sends three ACP `plan` updates of three steps (none, one, then all done) first
  leak-key     on the first prompt, prints API keys on stderr (as a careless agent might) and dies with code 5
  slow-exit    like normal, but takes SLOW_EXIT_S seconds to exit once its stdin is closed (as a busy gemini can)

Hostile modes (only the first prompt meets the fault; later prompts are answered as in normal mode):
  malformed-prompt:KIND  streams "partial" and answers the first prompt with MALFORMED_ANSWERS[KIND], or with
                         a result nested DEEP levels for KIND "deep-result"
  deep-update      writes, in one write, a session/update nested DEEP levels, then the chunk and the answer
  wedged-cancel    streams one chunk of the first prompt, then never answers it and ignores session/cancel
  deaf-after-cancel  streams one chunk of the prompt "write forever" and holds it; after session/cancel it never
                   answers nor streams anything again, that prompt included (as claude-code-acp 0.16.2 now and then)
  late-chunk:WHEN  streams "partial " for the first prompt and waits for session/cancel; then, WHEN "before-answer",
                   streams "rest" LATE seconds later and answers "cancelled" (in ACP's order, but late), or, WHEN
                   "after-answer", answers "cancelled" and streams "rest" LATE seconds later (against ACP)
  bad-initialize   answers initialize with a result that is not an InitializeResponse (after a line on stderr)
  other-protocol   answers initialize with ACP protocol version 99 (after a line on stderr)
  bad-new          answers session/new with a result that has no session id
  terminal-calls   during the first prompt calls every terminal/* and fs/* method and reports the error codes
"""

from __future__ import annotations

import json
import sys
import time

_WORDS = [word for word in sys.argv[1:] if not word.startswith("--")]  # a profile's own flags (--uid=) are not modes
MODE, _, KIND = (_WORDS[0] if _WORDS else "normal").partition(":")
out = sys.stdout.buffer
LEAKED_KEY = "AIzaSyLeakedByTheScriptedAgent0123456789"
DEEP = 1200
LATE = 0.3
SLOW_EXIT_S = 2.0
LOADING_S = 60.0
MALFORMED_ANSWERS: dict[str, dict] = {
    "null-result": {"result": None},
    "string-result": {"result": "done"},
    "number-result": {"result": 42},
    "unknown-stop-reason": {"result": {"stopReason": "finished_somehow"}},
    "error-without-code": {"error": {"message": "something went wrong"}},
    "error-as-string": {"error": "something went wrong"},
    "neither-result-nor-error": {},
}
CLIENT_CALLS = ("terminal/create", "terminal/output", "terminal/wait_for_exit", "terminal/kill", "terminal/release",
                "fs/read_text_file", "fs/write_text_file")


def write_raw(data: bytes) -> None:
    out.write(data)
    out.flush()


def send(message: dict) -> None:
    write_raw(json.dumps(message).encode() + b"\n")


def chunk(session_id: str, text: str) -> None:
    send({"jsonrpc": "2.0", "method": "session/update", "params": {
        "sessionId": session_id,
        "update": {"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": text}}}})


PLAN_STEPS = ("Read the code", "Change it", "Run the tests")


def send_plans(session_id: str) -> None:
    for done in (0, 1, 3):
        entries = [{"content": step, "priority": "high" if number == 0 else "medium",
                    "status": "completed" if number < done else "in_progress" if number == done else "pending"}
                   for number, step in enumerate(PLAN_STEPS)]
        send({"jsonrpc": "2.0", "method": "session/update", "params": {
            "sessionId": session_id, "update": {"sessionUpdate": "plan", "entries": entries}}})
        time.sleep(0.05)


def deeply_nested(head: str) -> bytes:
    """A JSON object whose last member holds DEEP nested arrays (json.dumps itself cannot go that deep)."""
    return (head + '"deep": ' + "[" * DEEP + "]" * DEEP + "}").encode()


def malformed_answer(request_id: int) -> bytes:
    if KIND == "deep-result":
        return deeply_nested(f'{{"jsonrpc": "2.0", "id": {request_id}, "result": {{"stopReason": "end_turn", '
                             '"_meta": {') + b"}}\n"
    return json.dumps({"jsonrpc": "2.0", "id": request_id, **MALFORMED_ANSWERS[KIND]}).encode() + b"\n"


def call_client_methods(session_id: str) -> str:
    """Call each method in CLIENT_CALLS and wait for the answers; 'method code' for each, in order."""
    params = {"sessionId": session_id, "command": "true", "terminalId": "t1", "path": "/tmp/x", "content": ""}
    for number, method in enumerate(CLIENT_CALLS):
        send({"jsonrpc": "2.0", "id": 900 + number, "method": method, "params": params})
    answers: dict[int, str] = {}
    while len(answers) < len(CLIENT_CALLS):
        message = json.loads(sys.stdin.buffer.readline())
        if message.get("id") in range(900, 900 + len(CLIENT_CALLS)) and "method" not in message:
            error = message.get("error")
            answers[message["id"]] = str(error.get("code")) if isinstance(error, dict) else "success"
    return ", ".join(f"{method} {answers[900 + n]}" for n, method in enumerate(CLIENT_CALLS))


def answer_late(session_id: str, request_id: int) -> None:
    """The cancelled prompt's last chunk, LATE seconds late, before or after its answer (late-chunk mode)."""
    cancelled = {"jsonrpc": "2.0", "id": request_id, "result": {"stopReason": "cancelled"}}
    if KIND == "after-answer":
        send(cancelled)
    time.sleep(LATE)
    chunk(session_id, "rest")
    if KIND != "after-answer":
        send(cancelled)


def junk() -> None:
    write_raw(b"this is not json\n")
    write_raw(b"\xff\xfe\xfa broken utf-8 \xc3\n")
    write_raw(b'{"jsonrpc": "2.0", "method": "session/update", "params": ' + b'"' + b"x" * (10 * 1024 * 1024) + b'"}\n')
    write_raw(b"[1, 2, 3]\n")
    write_raw(b'{"jsonrpc": "2.0", "id": 4242, "result": {}}\n')
    write_raw(b'{"jsonrpc": "2.0", "id": [1], "result": {}}\n')
    send({"jsonrpc": "2.0", "id": 777, "method": "weird/unknownMethod", "params": {}})


def main() -> None:
    if MODE == "loading":
        time.sleep(LOADING_S)
    if MODE == "exit":
        sys.stderr.write("scripted agent: refusing to start\n")
        sys.stderr.flush()
        sys.exit(3)
    unknown_reply = "none"
    prompts = 0
    held: tuple[str, int] | None = None  # session id and request id of the prompt late-chunk holds
    deaf = False  # deaf-after-cancel, once cancelled
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
            if MODE in ("bad-initialize", "other-protocol"):
                sys.stderr.write(f"scripted agent: {MODE} on purpose\n")
                sys.stderr.flush()
            if MODE == "other-protocol":
                send({"jsonrpc": "2.0", "id": request_id, "result": {"protocolVersion": 99, "authMethods": []}})
                continue
            if MODE == "bad-initialize":
                send({"jsonrpc": "2.0", "id": request_id, "result": {"protocolVersion": "one", "authMethods": 7}})
                continue
            send({"jsonrpc": "2.0", "id": request_id, "result": {
                "protocolVersion": 1, "agentCapabilities": {"loadSession": False}, "authMethods": [],
                "agentInfo": {"name": "scripted", "version": "0.0.1"}}})
        elif method == "session/new":
            session = None if MODE == "bad-new" else "scripted-session"
            send({"jsonrpc": "2.0", "id": request_id, "result": {"sessionId": session}})
        elif method == "session/prompt":
            prompts += 1
            session_id = message["params"]["sessionId"]
            text = "".join(b.get("text", "") for b in message["params"]["prompt"])
            if MODE == "hang-turn" or deaf:
                continue
            if MODE == "deaf-after-cancel" and text == "write forever":
                chunk(session_id, "writing")
                continue
            if MODE == "leak-key":
                sys.stderr.write(f"GEMINI_API_KEY={LEAKED_KEY}\nPOST https://example.invalid/v1?key={LEAKED_KEY}\n"
                                 f'fatal: {{"api-key": "{LEAKED_KEY}"}} was rejected\n')
                sys.stderr.flush()
                sys.exit(5)
            first = prompts == 1
            if first and MODE == "malformed-prompt":
                chunk(session_id, "partial")
                write_raw(malformed_answer(request_id))
                continue
            if first and MODE == "wedged-cancel":
                chunk(session_id, "thinking hard")
                continue
            if first and MODE == "late-chunk":
                chunk(session_id, "partial ")
                held = session_id, request_id
                continue
            if first and MODE == "deep-update":
                update = deeply_nested(f'{{"jsonrpc": "2.0", "method": "session/update", "params": {{"sessionId": '
                                       f'"{session_id}", "update": {{"sessionUpdate": "agent_message_chunk", '
                                       '"content": {"type": "text", "text": "never shown"}, ') + b"}}\n"
                answer = {"jsonrpc": "2.0", "id": request_id, "result": {"stopReason": "end_turn"}}
                write_raw(update + json.dumps({"jsonrpc": "2.0", "method": "session/update", "params": {
                    "sessionId": session_id, "update": {"sessionUpdate": "agent_message_chunk",
                                                        "content": {"type": "text", "text": f"ok: {text}"}}}}
                                               ).encode() + b"\n" + json.dumps(answer).encode() + b"\n")
                continue
            if first and MODE == "terminal-calls":
                text = f"{text} ({call_client_methods(session_id)})"
            if MODE == "plan":
                send_plans(session_id)
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
            deaf = MODE == "deaf-after-cancel"
            if held is not None:
                answer_late(*held)
                held = None
        elif request_id is not None:
            send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": "not here"}})
    if MODE == "slow-exit":
        time.sleep(SLOW_EXIT_S)


if __name__ == "__main__":
    main()
