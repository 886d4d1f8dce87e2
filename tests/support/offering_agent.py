"""A scripted ACP agent that advertises what other agents do and gemini does not. Usage: offering_agent.py KIND

KIND "rich": images in promptCapabilities; sign-in methods of the three ACP 1.21 types (agent, env_var,
terminal); `modes` in session/new, and a `current_mode_update` when a prompt says "plan please"; the model as a
session config option of category "model" (chosen over session/set_config_option, recorded in the answer); an
`available_commands_update` after session/new and a `usage_update` (used/size/cost) after each prompt.
KIND "plain": none of that (no images, no modes, no models, no methods); prompts are answered the same way.
Each prompt is answered "ok: <text> [model=<current>]".
"""

from __future__ import annotations

import json
import sys

KIND = sys.argv[1] if len(sys.argv) > 1 else "rich"
RICH = KIND == "rich"
SESSION = "offer-session"
MODELS = [{"value": "small", "name": "Small model", "description": "fast"},
          {"value": "large", "name": "Large model", "description": "careful"}]
AUTH_METHODS = [
    {"id": "agent-login", "name": "Log in with the agent", "description": "Opens the agent's own login"},
    {"id": "key-env", "name": "API key in the environment", "type": "env_var", "link": "https://example.invalid/keys",
     "vars": [{"name": "OFFER_API_KEY", "label": "Your API key"}, {"name": "OFFER_REGION", "secret": False,
                                                                    "optional": True}]},
    {"id": "tty-login", "name": "Log in in a terminal", "type": "terminal", "args": ["--login", "--no browser"],
     "env": {"OFFER_LOGIN": "1"}},
]
state = {"model": "small", "mode": "ask"}


def send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def update(body: dict) -> None:
    send({"jsonrpc": "2.0", "method": "session/update", "params": {"sessionId": SESSION, "update": body}})


def model_option() -> list[dict]:
    return [{"id": "model", "name": "Model", "category": "model", "type": "select",
             "currentValue": state["model"], "options": MODELS}]


def answer(request_id: object, result: dict) -> None:
    send({"jsonrpc": "2.0", "id": request_id, "result": result})


def main() -> None:
    prompts = 0
    for line in sys.stdin:
        message = json.loads(line)
        method, request_id, params = message.get("method"), message.get("id"), message.get("params") or {}
        if method == "initialize":
            answer(request_id, {"protocolVersion": 1, "agentInfo": {"name": "offering", "version": "1.0.0"},
                                "authMethods": AUTH_METHODS if RICH else [],
                                "agentCapabilities": {"promptCapabilities": {"image": RICH}}})
        elif method == "session/new":
            result: dict = {"sessionId": SESSION}
            if RICH:
                result["modes"] = {"currentModeId": "ask", "availableModes": [
                    {"id": "ask", "name": "Ask first"}, {"id": "plan", "name": "Plan only"}]}
                result["configOptions"] = model_option()
            answer(request_id, result)
            if RICH:
                update({"sessionUpdate": "available_commands_update", "availableCommands": [
                    {"name": "review", "description": "Review the changes"},
                    {"name": "compact", "description": "Summarise the conversation"}]})
        elif method == "session/set_config_option":
            state["model"] = params["value"]
            answer(request_id, {"configOptions": model_option()})
        elif method == "session/set_mode":
            state["mode"] = params["modeId"]
            answer(request_id, {})
        elif method == "session/prompt":
            prompts += 1
            text = "".join(block.get("text", "") for block in params["prompt"])
            if RICH and "plan please" in text:
                update({"sessionUpdate": "current_mode_update", "currentModeId": "plan"})
            update({"sessionUpdate": "agent_message_chunk",
                    "content": {"type": "text", "text": f"ok: {text} [model={state['model']}]"}})
            if RICH:
                update({"sessionUpdate": "usage_update", "used": 50_000 * prompts, "size": 200_000,
                        "cost": {"amount": 0.25 * prompts, "currency": "USD"}})
            answer(request_id, {"stopReason": "end_turn"})
        elif request_id is not None:
            send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": "not here"}})


if __name__ == "__main__":
    main()
