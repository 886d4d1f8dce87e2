"""What the agent offers (modes, models, ways in, what a prompt may carry) and what the client asks of it besides
turns: signing in (before a session, or when gemini asks for it), the mode and the model. A mixin of
GeminiSessionClient (it uses the client's connection, process and configuration).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import acp

from gemini_desktop.engine.agent_updates import AgentOffer, auth_methods
from gemini_desktop.engine.attachments import Message, PromptCapabilities, missing_capabilities
from gemini_desktop.engine.diagnosis import diagnose
from gemini_desktop.engine.events import AuthMethod, ModelUpdate, ModeUpdate, SlashCommand
from gemini_desktop.engine.session_opening import is_auth_error
from gemini_desktop.engine.sign_in import SignIn
from gemini_desktop.engine.types import AuthRequired, EngineError

log = logging.getLogger(__name__)

API_KEY_METHOD = "gemini-api-key"
API_KEY_META = "api-key"  # gemini-cli advertises it on the gemini-api-key method when authenticate takes a key


class AgentRequests:
    """The agent's offer, sign-in, set_mode and set_model."""

    _config: Any
    _offer: AgentOffer
    _init: Any

    @property
    def modes(self) -> ModeUpdate | None:
        return self._offer.modes

    @property
    def models(self) -> ModelUpdate | None:
        return self._offer.models

    @property
    def commands(self) -> tuple[SlashCommand, ...]:
        """The slash commands the agent announced last in this session (none yet: empty)."""
        return self._offer.commands.commands if self._offer.commands is not None else ()

    @property
    def auth_methods(self) -> tuple[AuthMethod, ...]:
        return auth_methods(self._init.auth_methods if self._init is not None else None)

    @property
    def prompt_capabilities(self) -> PromptCapabilities | None:
        """What the running agent accepts besides text and file references; None before it has started."""
        capabilities = self._init.agent_capabilities if self._init is not None else None
        if capabilities is None:
            return None
        return PromptCapabilities.from_schema(capabilities.prompt_capabilities)

    def missing_capabilities(self, message: Message) -> list[str]:
        """What this message needs that the agent did not advertise (checked again when it is sent; an agent
        not started yet is assumed to accept everything until it says otherwise)."""
        capabilities = self.prompt_capabilities
        return [] if capabilities is None else missing_capabilities(message.attachments, capabilities)

    async def _sign_in_first(self, sign_in: SignIn) -> None:
        """Vertex AI, Code Assist and gateways are chosen by `authenticate` before any session, so gemini never
        falls back to whatever its own settings name (a terminal's key, a refused Google login)."""
        log.info("signing gemini in: %s", sign_in.kind)
        try:
            await self._authenticate(sign_in.method, None, sign_in.authenticate_meta())
        except EngineError as exc:
            raise self._auth_required(str(exc)) from None

    def _auth_required(self, reason: str) -> AuthRequired:
        """The failure to raise, announced first (with what it means) so a sign-in panel can show it."""
        diagnosis = diagnose(reason, project=self._config.sign_in.project if self._config.sign_in else "")
        required = AuthRequired(f"{self.agent_name} is not signed in: {reason}", self.auth_methods, diagnosis)
        self.auth_required.emit(required)
        return required

    def _takes_api_key_over_acp(self) -> bool:
        methods = self._init.auth_methods if self._init is not None and self.agent.api_key_over_authenticate else None
        return any(method.id == API_KEY_METHOD and API_KEY_META in (method.field_meta or {})
                   for method in methods or [])

    async def _signed_in(self, request: Callable[[], Awaitable[Any]]) -> Any:
        """Run a session request; if gemini asks to be signed in, offer our API key (once per process) over ACP
        `authenticate` and run it again. Someone signed in another way is never switched to the key."""
        try:
            return await request()
        except acp.RequestError as exc:
            process = self._process
            if (not is_auth_error(exc) or not self._config.api_key or self._api_key_in_env
                    or process is None or self._key_offered_to is process or not self._takes_api_key_over_acp()):
                raise
            self._key_offered_to = process
            log.info("gemini asks to be signed in: authenticating with the API key over ACP")
            try:
                await self._authenticate(API_KEY_METHOD, self._config.api_key)
            except EngineError as failure:
                log.warning("the API key was not accepted: %s", failure)
                raise exc from None
        return await request()

    async def set_mode(self, mode_id: str) -> None:
        """`session/set_mode`, or `session/set_config_option` when the modes came as a config option."""
        chosen = await self._offer.set_mode(self._require_conn(), self._require_session(), mode_id, self.agent_name)
        for update in chosen:
            self.event.emit(update)

    async def set_model(self, model_id: str) -> None:
        """gemini's `session/set_model`, or `session/set_config_option` for a config option of category model."""
        self.reconfigure(model=model_id)
        if self._conn is None or self._session_id is None:
            return
        for update in await self._offer.set_model(self._conn, self._raw_request, self._session_id, model_id,
                                                  self.agent_name):
            self.event.emit(update)

    async def authenticate(self, method_id: str, api_key: str | None = None) -> None:
        """Sign the agent in; bounded by auth_timeout because an offline key check never answers."""
        async with self._lifecycle:
            await self._ensure_process()
        await self._authenticate(method_id, api_key)

    async def _authenticate(self, method_id: str, api_key: str | None,
                            meta: dict[str, Any] | None = None) -> None:
        conn = self._require_conn()
        meta = meta if meta is not None else {API_KEY_META: api_key} if api_key else {}
        try:
            await asyncio.wait_for(conn.authenticate(method_id=method_id, **meta), self._config.auth_timeout)
        except TimeoutError:
            raise EngineError(f"Signing in did not finish within {self._config.auth_timeout:.0f} s.") from None
        except acp.RequestError as exc:
            raise EngineError(f"Signing in failed: {exc}") from None

    async def _raw_request(self, method: str, params: dict[str, Any]) -> Any:
        """A request the SDK has no typed call for (gemini's session/set_model)."""
        connection = getattr(self._require_conn(), "_conn", None)
        if connection is None:
            raise EngineError(f"this ACP SDK cannot send {method}")
        return await connection.send_request(method, params)
