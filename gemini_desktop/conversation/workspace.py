"""The app's conversations without any widget: find gemini, load the engine, own the SessionManager, shut down.

The window is one view over it (later the local API is another). The engine's ACP schema takes seconds to
import, so it is imported off the UI thread while the window is already on screen; everything that needs a
process waits for `ready()`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from gemini_desktop.conversation.agent_choice import is_gemini, launcher_from, resolve_default_agent
from gemini_desktop.conversation.file_edits import EditJournal
from gemini_desktop.conversation.sign_in_choice import forget_sign_in, load_sign_in, save_sign_in
from gemini_desktop.engine.agents.launch import AgentLauncher, agent_key
from gemini_desktop.engine.file_index import FileIndexCache
from gemini_desktop.engine.locate import GeminiNotFound, GeminiTooOld, find_gemini
from gemini_desktop.engine.sign_in import SignIn, SignInMethod
from gemini_desktop.engine.types import EngineConfig, EngineError, GeminiCommand, TranscriptTurn
from gemini_desktop.mcp_config import McpServerConfig
from gemini_desktop.paths import data_dir
from gemini_desktop.settings import AppSettings, LaunchOptions

if TYPE_CHECKING:
    from gemini_desktop.engine.session_manager import Conversation, ManagerPolicy, SessionManager

log = logging.getLogger(__name__)

MANAGER_MODULE = "gemini_desktop.engine.session_manager"


class GeminiUnavailable(EngineError):
    """gemini cannot be used (not found, too old): the window shows its first-run panel."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


async def load_manager_module() -> object:
    """Import the engine (the ACP SDK's pydantic schema takes seconds) off the UI thread, once."""
    module = sys.modules.get(MANAGER_MODULE)
    if module is None:
        module = await asyncio.to_thread(importlib.import_module, MANAGER_MODULE)
    return module


def policy_from(settings: AppSettings, policy_class: type[ManagerPolicy]) -> ManagerPolicy:
    return policy_class(max_live_processes=settings.max_live_processes,
                        idle_suspend_minutes=settings.idle_suspend_minutes,
                        recycle_rss_mb=settings.recycle_memory_mb, warm_spare=settings.warm_spare,
                        max_waiting=settings.max_waiting_turns)


def usable_folder(text: str) -> Path | None:
    """A folder named by untrusted input (another launch): absolute, existing, a directory; else None."""
    if not text or "\0" in text or len(text) > 4096:
        return None
    path = Path(text)
    try:
        return path.resolve() if path.is_absolute() and path.is_dir() else None
    except (OSError, RuntimeError):
        return None


class Workspace(QObject):
    """Owns the SessionManager; opens, closes and restores conversations for whichever view asks."""

    attached = Signal()  # the manager exists: conversations can get processes
    unavailable = Signal(object)  # GeminiUnavailable: nothing can start until gemini is set up
    sign_in_changed = Signal()  # `sign_in` is another way in (or none): the status bar says which

    def __init__(self, settings: AppSettings, options: LaunchOptions | None = None,
                 engine_config: EngineConfig | None = None, *, install_dir: Path | None = None,
                 journal: EditJournal | None = None, agents: AgentLauncher | None = None,
                 parent: QObject | None = None) -> None:
        """`journal`: where every conversation's file edits are kept (so a turn can be undone); `agents`: how
        the agents other than gemini are launched (default: as Settings say)."""
        super().__init__(parent)
        launcher, self.agent_setups = launcher_from(settings)
        self.agents = agents or launcher
        self.journal = journal
        self._install_dir = install_dir  # where the first-run panel installs gemini-cli for this app
        self.settings = settings
        self.options = options or LaunchOptions()
        self._given_config = engine_config
        self.manager: SessionManager | None = None
        self._attaching: asyncio.Future[SessionManager | None] | None = None
        self._closing = False
        self._registering = asyncio.Lock()
        self.problem: GeminiUnavailable | None = None  # why no conversation can start (until gemini is set up)
        self.sign_in: SignIn | None = None  # the way in new conversations use (None: gemini's own settings)
        self.file_indexes = FileIndexCache()  # one for the app: conversations in one folder share its index

    @property
    def default_folder(self) -> Path:
        """Where a conversation starts when nothing names a folder: the launch's, else the last used one."""
        if self._given_config is not None and self.options.cwd is None:
            return self._given_config.cwd
        return self.options.cwd or self.settings.working_dir or Path.home()

    @property
    def env(self) -> Mapping[str, str]:
        """The environment gemini runs in (its CLI home holds the sessions the history imports)."""
        return self._given_config.env if self._given_config is not None else os.environ

    @property
    def default_agent(self) -> str:
        """The agent of a new conversation that names none: this launch's --agent, else the saved default."""
        return resolve_default_agent(self.options.agent, self.settings)

    def agent_installed(self, name: str) -> bool:
        """Whether a new conversation of agent `name` can start (gemini: unless it was found unusable)."""
        return self.agents.installed(name) and not (is_gemini(name) and self.problem is not None)

    @property
    def closing(self) -> bool:
        return self._closing

    def attach(self) -> asyncio.Future[SessionManager | None]:
        """Start (once, or again after a failure) finding gemini and loading the engine; nothing once quitting."""
        attaching = self._attaching
        failed = attaching is not None and attaching.done() and (
            attaching.cancelled() or attaching.exception() is not None or attaching.result() is None)
        if self._closing and (attaching is None or failed):
            nothing: asyncio.Future[SessionManager | None] = asyncio.get_running_loop().create_future()
            nothing.set_result(None)
            return nothing
        if attaching is None or failed:
            self.problem = None  # looking again: what is typed meanwhile waits for the outcome
            self._attaching = attaching = asyncio.ensure_future(self._attach())
        return attaching

    async def ready(self) -> SessionManager | None:
        """The manager, once the engine is loaded; None when gemini is unusable or the app is quitting."""
        return await asyncio.shield(self.attach())

    def forget_gemini_path(self) -> None:
        """The user located or installed gemini: the next attach looks again instead of using --gemini."""
        self.options = dataclasses.replace(self.options, gemini=None)

    async def _attach(self) -> SessionManager | None:
        try:
            config = self._given_config or await self.resolve_config()
            await self.agent_setups.load()
            config = dataclasses.replace(config, file_journal=config.file_journal or self.journal,
                                         mcp_servers=config.mcp_servers + tuple(await self.load_mcp_servers()))
            module = await load_manager_module()
        except ImportError as error:  # a broken install: said once in the window, never a silent hang
            log.exception("the engine could not be loaded")
            return self._unavailable(GeminiUnavailable(EngineError(str(error))))
        except GeminiUnavailable as problem:
            return self._unavailable(problem)
        if self._closing:  # quit while the engine was loading: start nothing that could outlive us
            return None
        manager: SessionManager = module.SessionManager(  # type: ignore[attr-defined]
            config, policy_from(self.settings, module.ManagerPolicy),  # type: ignore[attr-defined]
            parent=self, launcher=self.agents, default_agent=self.default_agent)
        self.manager = manager
        manager.warm_up(self.default_folder, config.model if is_gemini(self.default_agent) else self.model_for(None))
        self.attached.emit()
        return manager

    def _unavailable(self, problem: GeminiUnavailable) -> None:
        self.problem = problem
        self.unavailable.emit(problem)

    async def resolve_config(self) -> EngineConfig:
        """gemini's configuration. Without a usable gemini the app still runs another default agent; only
        gemini's conversations then fail, with the reason."""
        try:
            command = self._find(self.options.gemini or self.settings.gemini_path, self._install_dir)
        except GeminiUnavailable as problem:
            if is_gemini(self.default_agent):
                raise
            self.agents.gemini_problem = problem
            command = GeminiCommand(program="")
        sign_in = await self.load_sign_in()
        if sign_in is not None and sign_in.method is SignInMethod.API_KEY and "GEMINI_API_KEY" in os.environ:
            sign_in = None  # a key in the environment is the user's explicit choice for this run
        self.sign_in = sign_in
        self.sign_in_changed.emit()
        api_key = sign_in.api_key if sign_in is not None and sign_in.method is SignInMethod.API_KEY else None
        return EngineConfig(gemini=command, cwd=self.default_folder, model=self.options.model or self.settings.model,
                            api_key=api_key or None, sign_in=sign_in, state_dir=data_dir() / "engine")

    async def load_sign_in(self) -> SignIn | None:
        """The saved way in. The keyring can be slow (D-Bus, an unlock prompt): never on the UI thread. The engine
        hands keys to gemini over ACP, so the tools the model runs never see them in their environment."""
        self.settings.sync()
        path = self.settings.path
        return await asyncio.to_thread(lambda: load_sign_in(AppSettings(path)))

    def use_sign_in(self, sign_in: SignIn) -> bool:
        """Sign in another way from now on (saved; False when a secret could not reach the keyring): the
        conversations opened from now on and the spare use it."""
        stored = save_sign_in(self.settings, sign_in)
        self._switch_sign_in(sign_in)
        return stored

    def sign_out(self) -> None:
        """Forget the way in and its secrets: the next gemini started asks again (open conversations keep
        theirs until they restart)."""
        forget_sign_in(self.settings)
        self._switch_sign_in(None)

    def _switch_sign_in(self, sign_in: SignIn | None) -> None:
        self.sign_in = sign_in
        if self.manager is not None:
            api_key = sign_in.api_key if sign_in is not None and sign_in.method is SignInMethod.API_KEY else None
            self.manager.reconfigure(api_key=api_key, sign_in=sign_in)
        self.sign_in_changed.emit()

    async def load_mcp_servers(self) -> list[McpServerConfig]:
        """The app's own MCP servers; their secrets come from the keyring, so off the UI thread (the worker
        reads the INI file through a QSettings of its own: one QSettings is not shared across threads)."""
        self.settings.sync()
        path = self.settings.path
        return await asyncio.to_thread(lambda: AppSettings(path).load_mcp_servers())

    def use_mcp_servers(self, servers: Sequence[McpServerConfig]) -> None:
        """The list saved in Settings goes to every conversation opened from now on."""
        if self.manager is not None:
            self.manager.reconfigure(mcp_servers=tuple(servers))

    @staticmethod
    def _find(explicit: str | None, install_dir: Path | None) -> GeminiCommand:
        try:
            return find_gemini(explicit, install_dir)
        except (GeminiNotFound, GeminiTooOld, EngineError) as error:
            log.warning("gemini not usable: %s", error)
            raise GeminiUnavailable(error) from error

    # ---- conversations

    async def open_new(self, folder: Path | None = None,
                       on_open: Callable[[Conversation], None] | None = None, *, model: str | None = None,
                       mode: str | None = None, agent: str | None = None) -> Conversation | None:
        """A new conversation with `agent` (None: the default one), ready to send (the warm spare's child when
        it is for this folder, model and agent), in approval `mode` (None: the agent's default).

        `on_open` gets the conversation the moment it exists, before its child starts, so whoever shows it hears
        everything the start says (a sign-in request, a crash)."""
        manager = await self.ready()
        if manager is None or self._closing:
            return None
        folder = folder or self.default_folder
        self.settings.working_dir = folder
        async with self._registering:  # one new conversation registers at a time: `opened` names ours
            registered: asyncio.Future[None] = asyncio.get_running_loop().create_future()

            def opened(key: str) -> None:
                conversation = manager.get(key)
                if conversation is not None and not registered.done():
                    registered.set_result(None)
                    if on_open is not None:
                        on_open(conversation)

            manager.opened.connect(opened)
            opening = asyncio.ensure_future(
                manager.open_new(folder, model or self.model_for(agent), mode, agent))
            try:
                await asyncio.wait([opening, registered], return_when=asyncio.FIRST_COMPLETED)
            finally:
                manager.opened.disconnect(opened)
        return await opening

    async def open_suspended(self, history_id: int, gemini_session_id: str | None,
                             transcript: Sequence[TranscriptTurn], folder: Path, agent: str = ""
                             ) -> Conversation | None:
        """An earlier conversation of `agent` ("": gemini), open without a child: it starts on its first message
        or on Resume. One that never reached its agent gets a name of its own, so two are never taken for one."""
        manager = await self.ready()
        if manager is None or self._closing:
            return None
        return await manager.open_existing(gemini_session_id or f"unstarted-{history_id}", transcript, folder,
                                           self.model_for(agent), agent=agent)

    def model_for(self, agent: str | None) -> str | None:
        """--model is the launch's default agent's; otherwise the model last chosen for this agent."""
        chosen = agent_key(self.default_agent if agent is None else agent)
        if self.options.model and chosen == self.default_agent:
            return self.options.model
        return self.settings.agent_model(chosen)

    async def close(self, key: str) -> None:
        if self.manager is not None:
            await self.manager.close(key)

    def remember_open(self, history_ids: list[int], current: int | None) -> None:
        """What comes back, suspended, on the next launch."""
        self.settings.open_conversations = history_ids
        self.settings.current_conversation = current
        self.settings.sync()

    def apply_policy(self) -> None:
        """The process policies from the settings, for the running manager too (it reads them at each decision)."""
        manager = self.manager
        if manager is not None:
            manager.policy = policy_from(self.settings, type(manager.policy))

    def process_ids(self) -> list[int]:
        """Every gemini child running now, the spare's included (to kill them when a clean stop hangs)."""
        manager = self.manager
        if manager is None:
            return []
        pids = [conversation.client.process_id for conversation in manager.conversations]
        return [pid for pid in (*pids, manager.spare_process_id) if pid is not None]

    async def shutdown(self) -> None:
        """Stop every child, the spare's included; nothing starts afterwards."""
        self._closing = True
        if self._attaching is not None and not self._attaching.done():
            self._attaching.cancel()
        if self.manager is not None:
            await self.manager.shutdown()
