"""How a turn shows and ends: the engine's turn started/finished/failed signals and its events, fed into the
conversation model and the history.

A mixin of ConversationController: one place decides how an answer ends (complete, cancelled, failed or
interrupted), so the transcript, the database and the views always agree on it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from gemini_desktop.conversation.agent_offer import follow_offer
from gemini_desktop.conversation.model import ConversationModel
from gemini_desktop.conversation.turns import Turn, TurnEnd
from gemini_desktop.engine.diagnosis import diagnose
from gemini_desktop.engine.events import CommandsUpdate, MessageChunk, PlanUpdate, ThoughtChunk, ToolCall
from gemini_desktop.engine.types import AuthRequired, ChatResult, Usage
from gemini_desktop.store import RowRef

if TYPE_CHECKING:
    from gemini_desktop.engine.client import GeminiSessionClient

log = logging.getLogger(__name__)


class TurnProgress:
    """The engine's news about turns, applied to the model and the history."""

    _client: GeminiSessionClient
    _waiting: list[Turn]
    _current: Turn | None
    model: ConversationModel

    def _take_waiting(self, turn_id: int) -> Turn | None:
        for turn in self._waiting:
            if turn.turn_id == turn_id:
                self._waiting.remove(turn)
                return turn
        for turn in self._waiting:
            if turn.turn_id is None:
                self._waiting.remove(turn)
                return turn
        return None

    def _on_turn_started(self, turn_id: int, _text: str) -> None:
        turn = self._take_waiting(turn_id)
        if turn is None:
            log.warning("turn %s started that this window did not send", turn_id)
            return
        turn.turn_id = turn_id
        self._current = turn
        self._save_held(turn)
        self._last_sent = turn.message
        self.model.state.activity = "streaming"
        self.model.mark_sent(turn.user_key)
        turn.assistant_key = self.model.begin_assistant_message()
        self.turn_began.emit(turn.user_key, turn.assistant_key)
        if self._store_session is not None:
            session, answer = self._store_session, RowRef()
            turn.assistant_row = answer
            self._writes.submit(
                lambda store: store.add_message(session.require(), "assistant", "", state="streaming"), into=answer)
        self._checkpoint_timer.start()

    def _on_event(self, event: object) -> None:
        turn = self._current
        if isinstance(event, MessageChunk):
            if event.role == "assistant" and turn is not None and turn.assistant_key is not None:
                turn.chunks.append(event.text)
                self.model.append_text(turn.assistant_key, event.text)
        elif isinstance(event, ThoughtChunk):
            if turn is not None and turn.assistant_key is not None:
                turn.thoughts.append(event.text)
                self.model.append_thought(turn.assistant_key, event.text)
        elif isinstance(event, ToolCall):
            self._tool_calls[event.tool_call_id] = event
            self.model.upsert_tool_call(event)
            self._record_tool_call(event)
        elif isinstance(event, PlanUpdate):
            self.model.show_plan(event)
            self._save_plan(event)
        elif isinstance(event, CommandsUpdate):
            self.commands_changed.emit(event.commands)
        elif follow_offer(self.model.state, event):
            self.choices_changed.emit(event)

    def _streaming_answer(self) -> int | None:
        return self._current.assistant_key if self._current is not None else None

    def _answer(self, turn: Turn) -> tuple[str, str]:
        """The turn's answer so far (text, thoughts), as the model holds it."""
        return self.model.answer_text(turn.assistant_key) if turn.assistant_key is not None else ("", "")

    def _find_turn(self, turn_id: int) -> Turn | None:
        if self._current is not None and self._current.turn_id == turn_id:
            turn, self._current = self._current, None
            self._checkpoint_timer.stop()
            return turn
        return self._take_waiting(turn_id)

    def _on_turn_finished(self, turn_id: int, result: ChatResult) -> None:
        turn = self._find_turn(turn_id)
        if turn is None:
            return
        cancelled = result.stop_reason == "cancelled"
        streamed, streamed_thoughts = self._answer(turn)
        text = result.text or streamed
        self._end_answer(turn, view_state="cancelled" if cancelled else "complete",
                         store_state="interrupted" if cancelled else "complete",
                         text=text, thoughts=result.thoughts or streamed_thoughts, usage=result.usage,
                         stop_reason=result.stop_reason)
        self.model.state.usage = self._client.total_usage
        self._remember_context(result)
        self.usage_changed.emit(result.usage, self._client.total_usage)
        if not cancelled:
            self.answer_finished.emit(text)

    def _remember_context(self, result: ChatResult) -> None:
        if result.context is not None:
            self.model.state.context = result.context

    def _on_turn_failed(self, turn_id: int, reason: str) -> None:
        turn = self._find_turn(turn_id)
        if turn is None:
            return
        text, thoughts = self._answer(turn)
        diagnosis = diagnose(reason, project=self._client.config.sign_in.project
                             if self._client.config.sign_in else "")
        if diagnosis is not None:
            self.model.add_notice(f"{diagnosis.title}. {diagnosis.advice}", kind="error")
            if diagnosis.needs_sign_in:
                if not text:  # nothing was answered: the message waits to be sent again
                    self.held_message.emit(turn.text)
                self.auth_required.emit(AuthRequired(reason, self._client.auth_methods, diagnosis))
        else:
            self.model.add_notice(reason, kind="error")
        self._end_answer(turn, view_state="failed", store_state="failed", text=text, thoughts=thoughts, error=reason)

    def _interrupt_open_turns(self) -> None:
        """The process is going away: keep what streamed, and mark it so the history tells the truth."""
        self._checkpoint_timer.stop()
        turn, self._current = self._current, None
        if turn is not None:
            text, thoughts = self._answer(turn)
            self._end_answer(turn, view_state="interrupted", store_state="interrupted", text=text, thoughts=thoughts)
        waiting, self._waiting = self._waiting, []
        for unsent in waiting:
            self._save_held(unsent)
            self.model.mark_sent(unsent.user_key)
            self.turn_ended.emit(unsent.user_key, TurnEnd("interrupted", error="the session ended before it was sent"))

    def _end_answer(self, turn: Turn, *, view_state: str, store_state: str, text: str, thoughts: str,
                    usage: Usage | None = None, stop_reason: str | None = None, error: str | None = None) -> None:
        """The one place an answer ends: the transcript, the database, the history list and the views that
        follow this turn all learn it."""
        if turn.assistant_key is not None:
            self.model.finish_message(turn.assistant_key, state=view_state)
        else:
            self._save_held(turn)
            self.model.mark_sent(turn.user_key)
        if turn.assistant_row is not None:
            answer = turn.assistant_row
            tokens = (usage.input_tokens, usage.output_tokens) if usage else (0, 0)
            self._writes.submit(lambda store: store.finish_message(
                answer.require(), text, thoughts=thoughts, state=store_state, input_tokens=tokens[0],
                output_tokens=tokens[1]))
        self.model.state.activity = "idle" if self._current is None and not self._waiting else "streaming"
        if self._store_session is not None:
            session = self._store_session
            self._writes.when_saved(lambda: self._on_turn_saved(session))
        self.turn_ended.emit(turn.user_key, TurnEnd(view_state, stop_reason, usage, error))
