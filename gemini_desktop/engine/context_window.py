"""How full a conversation's context window is: the figure behind the status bar's context meter. Qt-free.

gemini reports per turn, in the prompt result's `_meta.quota`, the tokens it sent (the whole conversation so far:
each request carries all of it) and got back, in total and per model. A turn that called tools made several
requests and gemini sums them, so the share errs high there: the warning then comes early, never late.
"""

from __future__ import annotations

from gemini_desktop.engine.types import ContextUsage

CONTEXT_WARNING_SHARE = 0.8  # from here on the meter warns: gemini starts compressing the history near its limit

# Input token limits. Sources: Google's model pages (ai.google.dev/gemini-api/docs/models, "Input token limit",
# read 2026-12) and gemini-cli 0.61's own `tokenLimit()` (packages/core/src/core/tokenLimits.ts), which gives
# 1,048,576 for gemini-3-pro/flash-preview, gemini-2.5-pro/flash/flash-lite and 256,000 for the Gemma 4 models;
# its DEFAULT_TOKEN_LIMIT, 1,048,576, covers gemini-3.1-pro-preview, which its "Auto" routes to.
MODEL_CONTEXT_WINDOWS: dict[str, int] = {
    "gemini-3.1-pro-preview": 1_048_576,
    "gemini-3-pro-preview": 1_048_576,
    "gemini-3-flash-preview": 1_048_576,
    "gemini-2.5-pro": 1_048_576,
    "gemini-2.5-flash": 1_048_576,
    "gemini-2.5-flash-lite": 1_048_576,
    "gemini-2.0-flash": 1_048_576,
    "gemini-2.0-flash-lite": 1_048_576,
    "gemini-1.5-pro": 2_097_152,
    "gemini-1.5-flash": 1_048_576,
    "gemini-1.5-flash-8b": 1_048_576,
    "gemma-4-31b-it": 256_000,
    "gemma-4-26b-a4b-it": 256_000,
}


def context_window(model: str | None) -> int | None:
    """The window of `model`; a dated or numbered variant ("gemini-1.5-pro-002", "gemini-2.5-flash-preview-05-20")
    has its family's window. None when the model is not known: the meter then says "unknown", not a guess."""
    if not model:
        return None
    name = model.removeprefix("models/").strip().lower()
    family = max((known for known in MODEL_CONTEXT_WINDOWS if name == known or name.startswith(known + "-")),
                 key=len, default=None)
    return MODEL_CONTEXT_WINDOWS[family] if family is not None else None


def context_share(model: str | None, usage: ContextUsage | None) -> float | None:
    """The share (0..1, may pass 1) of `model`'s window the conversation fills after the turn `usage` reports:
    what it sent plus what came back, which the next request carries. The model's own line of the per-model
    usage is used when gemini gave one; None for an unknown model or no usage."""
    if usage is not None and usage.window:
        return (usage.input_tokens + usage.output_tokens) / usage.window
    if usage is not None and context_window(model) is None:
        model = answering_model(usage)  # on "Auto" (gemini-cli's default) the model is gemini's choice per turn
    window = context_window(model)
    if window is None or usage is None:
        return None
    own = next((line for line in usage.per_model if context_window(line.model) is not None
                and line.model.removeprefix("models/") == (model or "").removeprefix("models/")), None)
    tokens = own.input_tokens + own.output_tokens if own is not None else usage.input_tokens + usage.output_tokens
    return tokens / window


def answering_model(usage: ContextUsage) -> str | None:
    """The model that answered a turn, from the per-model usage lines: of the known models, the one that was
    sent the most (each of its requests carries the whole conversation; Auto's routing call is a short one)."""
    known = [line for line in usage.per_model if context_window(line.model) is not None]
    return max(known, key=lambda line: line.input_tokens).model if known else None


def needs_warning(share: float | None) -> bool:
    return share is not None and share >= CONTEXT_WARNING_SHARE
