"""The status bar's context meter: how full the shown conversation's context window is after its last turn.

The figure is gemini's own usage (the prompt result's `_meta.quota`) against the model's window; a model not in
the table says "unknown" rather than a guess, and from 80% the meter warns (gemini compresses the history near
its limit, and the answers start to forget)."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QWidget

from gemini_desktop.engine.context_window import answering_model, context_share, context_window, needs_warning
from gemini_desktop.engine.types import ContextUsage
from gemini_desktop.ui.theme import Theme


class ContextMeter(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contextMeter")
        self.share: float | None = None
        self.warning = False
        self.show_usage(None, None)

    def show_usage(self, model: str | None, usage: ContextUsage | None) -> None:
        """`usage` of the conversation's last turn (None before its first answer) with `model` (on "Auto", the
        model gemini chose for the turn)."""
        if usage is not None and context_window(model) is None:
            model = answering_model(usage) or model
        self.share = share = context_share(model, usage)
        self.warning = needs_warning(share)
        self.setProperty("contextWarning", self.warning)
        if usage is None:
            text = self.tr("Context: –")
        elif share is None:
            text = self.tr("Context: unknown")
        elif self.warning:
            text = self.tr("⚠ Context: {percent:.0f}% full").format(percent=share * 100)
        else:
            text = self.tr("Context: {percent:.0f}%").format(percent=share * 100)
        colour = Theme.from_palette(self.palette()).warning if self.warning else ""
        self.setStyleSheet(f"color: {colour}; font-weight: bold" if colour else "")
        self.setText(text)
        self.setToolTip(self._tooltip(model, usage))

    def _tooltip(self, model: str | None, usage: ContextUsage | None) -> str:
        if usage is None:
            return self.tr("How full the context window is: known after the first answer.")
        window = usage.window or context_window(model)
        lines = [self.tr("Model: {model}").format(model=model or self.tr("not known")),
                 self.tr("Context window: {tokens} tokens").format(tokens=f"{window:,}") if window is not None
                 else self.tr("Context window: unknown for this model"),
                 self.tr("Last turn: {inp:,} in / {out:,} out").format(inp=usage.input_tokens,
                                                                        out=usage.output_tokens)]
        lines += [self.tr("{model}: {inp:,} in / {out:,} out").format(model=line.model, inp=line.input_tokens,
                                                                      out=line.output_tokens)
                  for line in usage.per_model]
        if usage.cost is not None:
            lines.append(self.tr("Cost so far: {amount:.2f} {currency}").format(amount=usage.cost,
                                                                                 currency=usage.currency))
        if self.warning:
            lines.append(self.tr("The context is nearly full: gemini will compress older messages. Starting a "
                                 "new conversation keeps answers sharp."))
        return "<br>".join(html.escape(line) for line in lines)
