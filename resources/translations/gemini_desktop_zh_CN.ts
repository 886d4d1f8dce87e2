<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AgentMenu</name>
    <message>
        <source>New conversation &amp;with</source>
        <translation>新建对话，使用(&amp;W)</translation>
    </message>
    <message>
        <source>{agent} (not installed)</source>
        <translation>{agent}（未安装）</translation>
    </message>
    <message>
        <source>{agent} (default)</source>
        <translation>{agent}（默认）</translation>
    </message>
    <message>
        <source>New conversation with {agent}</source>
        <translation>使用 {agent} 新建对话</translation>
    </message>
</context>
<context>
    <name>AgentsPage</name>
    <message>
        <source>Default agent</source>
        <translation>默认智能体</translation>
    </message>
    <message>
        <source>Default agent:</source>
        <translation>默认智能体：</translation>
    </message>
    <message>
        <source>Looking…</source>
        <translation>正在查找…</translation>
    </message>
    <message>
        <source>Signs in: {how}</source>
        <translation>登录方式：{how}</translation>
    </message>
    <message>
        <source>Its program is chosen on the General page.</source>
        <translation>它的程序在“常规”页中选择。</translation>
    </message>
    <message>
        <source>Google login, a Gemini API key, Vertex AI, Code Assist or a gateway.</source>
        <translation>Google 登录、Gemini API 密钥、Vertex AI、Code Assist 或网关。</translation>
    </message>
    <message>
        <source>A Google account, through its own method.</source>
        <translation>Google 账号，通过它自己的方式登录。</translation>
    </message>
    <message>
        <source>Qwen OAuth, or an OpenAI-compatible key (--auth-type openai).</source>
        <translation>Qwen OAuth，或 OpenAI 兼容的密钥（--auth-type openai）。</translation>
    </message>
    <message>
        <source>ANTHROPIC_API_KEY in its environment, or a Claude login.</source>
        <translation>环境变量中的 ANTHROPIC_API_KEY，或 Claude 登录。</translation>
    </message>
    <message>
        <source>OPENAI_API_KEY in its environment, or a ChatGPT login.</source>
        <translation>环境变量中的 OPENAI_API_KEY，或 ChatGPT 登录。</translation>
    </message>
    <message>
        <source>A GitHub login made with `copilot` in a terminal.</source>
        <translation>在终端中用 `copilot` 完成的 GitHub 登录。</translation>
    </message>
    <message>
        <source>Providers configured with `opencode auth login`.</source>
        <translation>用 `opencode auth login` 配置的服务提供方。</translation>
    </message>
    <message>
        <source>found automatically</source>
        <translation>自动查找</translation>
    </message>
    <message>
        <source>Program of {agent}</source>
        <translation>{agent} 的程序</translation>
    </message>
    <message>
        <source>Choose program…</source>
        <translation>选择程序…</translation>
    </message>
    <message>
        <source>Choose the program of {agent}</source>
        <translation>选择 {agent} 的程序</translation>
    </message>
    <message>
        <source>Program:</source>
        <translation>程序：</translation>
    </message>
    <message>
        <source>Install</source>
        <translation>安装</translation>
    </message>
    <message>
        <source>Install {agent}</source>
        <translation>安装 {agent}</translation>
    </message>
    <message>
        <source>Install progress of {agent}</source>
        <translation>{agent} 的安装进度</translation>
    </message>
    <message>
        <source>the program that speaks ACP on stdin/stdout</source>
        <translation>通过 stdin/stdout 使用 ACP 通信的程序</translation>
    </message>
    <message>
        <source>Arguments of the custom agent</source>
        <translation>自定义智能体的参数</translation>
    </message>
    <message>
        <source>as in a shell, e.g. --acp --model &quot;my model&quot;</source>
        <translation>写法同 shell，例如 --acp --model &quot;my model&quot;</translation>
    </message>
    <message>
        <source>Environment of the custom agent</source>
        <translation>自定义智能体的环境变量</translation>
    </message>
    <message>
        <source>NAME=value, one per line (values kept in the system keyring)</source>
        <translation>NAME=value，每行一个（值保存在系统密钥环中）</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>Start the agent and ask it ACP initialize</source>
        <translation>启动该智能体并发送 ACP initialize 请求</translation>
    </message>
    <message>
        <source>Arguments:</source>
        <translation>参数：</translation>
    </message>
    <message>
        <source>Environment:</source>
        <translation>环境变量：</translation>
    </message>
    <message>
        <source>Update</source>
        <translation>更新</translation>
    </message>
    <message>
        <source>Reinstall</source>
        <translation>重新安装</translation>
    </message>
    <message>
        <source>Found {program}, but it does not run: {problem}</source>
        <translation>找到了 {program}，但无法运行：{problem}</translation>
    </message>
    <message>
        <source>version unknown</source>
        <translation>版本未知</translation>
    </message>
    <message>
        <source>{program} — {version}</source>
        <translation>{program} — {version}</translation>
    </message>
    <message>
        <source>{agent}: no program {command} was found.</source>
        <translation>{agent}：找不到程序 {command}。</translation>
    </message>
    <message>
        <source>{agent} has no command yet: type the program that speaks ACP.</source>
        <translation>{agent} 还没有命令：请输入使用 ACP 通信的程序。</translation>
    </message>
    <message>
        <source>Not found at {path}.</source>
        <translation>在 {path} 找不到。</translation>
    </message>
    <message>
        <source>Not installed.</source>
        <translation>未安装。</translation>
    </message>
    <message>
        <source>Install puts {package} into this app&apos;s own folder with npm (or run `npm install -g {package}`), or choose its program.</source>
        <translation>“安装”会用 npm 将 {package} 装入本应用自己的文件夹（也可以运行 `npm install -g {package}`），或者选择它的程序。</translation>
    </message>
    <message>
        <source>{tools} not found: install Node.js 20 or newer first.</source>
        <translation>找不到 {tools}：请先安装 Node.js 20 或更高版本。</translation>
    </message>
    <message>
        <source>Install downloads it for this computer into this app&apos;s own folder, or choose its program.</source>
        <translation>“安装”会下载适用于本机的版本并放入本应用自己的文件夹，或者选择它的程序。</translation>
    </message>
    <message>
        <source>Run `npm install -g {package}`, or install it from the window&apos;s first-run panel.</source>
        <translation>运行 `npm install -g {package}`，或在窗口的首次运行面板中安装。</translation>
    </message>
    <message>
        <source>Install `{program}` as its maker says so that it is on PATH, or choose its program.</source>
        <translation>按其开发者的说明安装 `{program}` 并使其位于 PATH 中，或者选择它的程序。</translation>
    </message>
    <message>
        <source>{status} {how}</source>
        <translation>{status}{how}</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Installing…</source>
        <translation>正在安装…</translation>
    </message>
    <message>
        <source>The arguments of the custom agent cannot be read: {error}.</source>
        <translation>无法读取自定义智能体的参数：{error}。</translation>
    </message>
    <message>
        <source>Environment line {line} of the custom agent is not NAME=value.</source>
        <translation>自定义智能体的环境变量第 {line} 行不是 NAME=value 格式。</translation>
    </message>
    <message>
        <source>Locate the program of {agent}</source>
        <translation>找到 {agent} 的程序</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Gemini Desktop cannot keep its history.

{error}

Make sure you can write to the folder {folder} (and that its disk is not full), then start Gemini Desktop again. You can also go on now: the app works, but nothing you do in this window will be saved.</source>
        <translation>Gemini Desktop 无法保存历史记录。

{error}

请确认你可以写入文件夹 {folder}（且其所在磁盘未满），然后重新启动 Gemini Desktop。你也可以现在继续：应用可以正常使用，但在此窗口中的任何内容都不会被保存。</translation>
    </message>
    <message>
        <source>Continue without history</source>
        <translation>不保存历史记录，继续</translation>
    </message>
    <message>
        <source>History is not being saved: {error} Make the folder {folder} writable and restart Gemini Desktop to keep your conversations.</source>
        <translation>历史记录未被保存：{error} 请让文件夹 {folder} 可写，然后重新启动 Gemini Desktop，以保留你的对话。</translation>
    </message>
</context>
<context>
    <name>AttachmentStrip</name>
    <message>
        <source>%1 — click to remove</source>
        <translation>%1 — 点击移除</translation>
    </message>
    <message>
        <source>Outside the working folder: gemini asks before reading it.</source>
        <translation>位于工作文件夹之外：gemini 读取前会先征得同意。</translation>
    </message>
    <message>
        <source>Hidden from gemini by .gitignore or .geminiignore: its text is sent along.</source>
        <translation>已被 .gitignore 或 .geminiignore 对 gemini 隐藏：将随消息一并发送其文本。</translation>
    </message>
    <message>
        <source>Attachment %1</source>
        <translation>附件 %1</translation>
    </message>
</context>
<context>
    <name>CommandPalette</name>
    <message>
        <source>Command palette</source>
        <translation>命令面板</translation>
    </message>
    <message>
        <source>Type a command…</source>
        <translation>输入命令…</translation>
    </message>
    <message>
        <source>Search commands</source>
        <translation>搜索命令</translation>
    </message>
    <message>
        <source>Commands</source>
        <translation>命令</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Attach files or images</source>
        <translation>附加文件或图片</translation>
    </message>
    <message>
        <source>Attach files (or drop them, or type @ to mention a file). {reason}</source>
        <translation>附加文件（或拖放文件，或输入 @ 提及文件）。{reason}</translation>
    </message>
    <message>
        <source>Attach files or images (or paste, drop, or type @ to mention a file)</source>
        <translation>附加文件或图片（也可以粘贴、拖放，或输入 @ 提及文件）</translation>
    </message>
    <message>
        <source>Stop the answer</source>
        <translation>停止回答</translation>
    </message>
    <message>
        <source>Stop the answer (Esc)</source>
        <translation>停止回答 (Esc)</translation>
    </message>
    <message>
        <source>Send message</source>
        <translation>发送消息</translation>
    </message>
    <message>
        <source>Send (Enter)</source>
        <translation>发送 (Enter)</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续对话</translation>
    </message>
    <message>
        <source>Start gemini for this conversation now</source>
        <translation>现在为此对话启动 gemini</translation>
    </message>
</context>
<context>
    <name>ContextMeter</name>
    <message>
        <source>Context: –</source>
        <translation>上下文：–</translation>
    </message>
    <message>
        <source>Context: unknown</source>
        <translation>上下文：未知</translation>
    </message>
    <message>
        <source>⚠ Context: {percent:.0f}% full</source>
        <translation>⚠ 上下文：已用 {percent:.0f}%</translation>
    </message>
    <message>
        <source>Context: {percent:.0f}%</source>
        <translation>上下文：{percent:.0f}%</translation>
    </message>
    <message>
        <source>How full the context window is: known after the first answer.</source>
        <translation>上下文窗口的占用情况：第一次回答后可知。</translation>
    </message>
    <message>
        <source>Model: {model}</source>
        <translation>模型：{model}</translation>
    </message>
    <message>
        <source>not known</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Context window: {tokens} tokens</source>
        <translation>上下文窗口：{tokens} 个令牌</translation>
    </message>
    <message>
        <source>Context window: unknown for this model</source>
        <translation>上下文窗口：此模型未知</translation>
    </message>
    <message>
        <source>Last turn: {inp:,} in / {out:,} out</source>
        <translation>上一轮：输入 {inp:,} / 输出 {out:,}</translation>
    </message>
    <message>
        <source>{model}: {inp:,} in / {out:,} out</source>
        <translation>{model}：输入 {inp:,} / 输出 {out:,}</translation>
    </message>
    <message>
        <source>Cost so far: {amount:.2f} {currency}</source>
        <translation>目前费用：{amount:.2f} {currency}</translation>
    </message>
    <message>
        <source>The context is nearly full: gemini will compress older messages. Starting a new conversation keeps answers sharp.</source>
        <translation>上下文即将用满：gemini 会压缩较早的消息。开始新的对话可让回答保持准确。</translation>
    </message>
</context>
<context>
    <name>ConversationController</name>
    <message>
        <source>Resumed: loaded by gemini</source>
        <translation>已恢复：由 gemini 载入</translation>
    </message>
    <message>
        <source>Resumed: rebuilt from our copy</source>
        <translation>已恢复：根据本地副本重建</translation>
    </message>
    <message>
        <source>Resumed: seeded (gemini got the earlier conversation as context)</source>
        <translation>已恢复：以先前对话作为上下文重新开始</translation>
    </message>
    <message>
        <source>This conversation cannot be saved to the history: {error}</source>
        <translation>此对话无法保存到历史记录：{error}</translation>
    </message>
    <message>
        <source>History cannot be saved: disk full. The conversation is kept in memory and will be saved once there is space again.</source>
        <translation>无法保存历史记录：磁盘已满。对话暂存在内存中，磁盘有空间后会再保存。</translation>
    </message>
    <message>
        <source>The history is saved again.</source>
        <translation>历史记录已恢复保存。</translation>
    </message>
    <message>
        <source>That conversation is no longer in the history.</source>
        <translation>该对话已不在历史记录中。</translation>
    </message>
    <message>
        <source>The folder of that conversation ({path}) is gone; continuing in {current}.</source>
        <translation>该对话所在的文件夹（{path}）已不存在；将在 {current} 中继续。</translation>
    </message>
</context>
<context>
    <name>ConversationEdits</name>
    <message>
        <source> and {count} more</source>
        <translation> 等另外 {count} 个</translation>
    </message>
    <message>
        <source>Changes undone: {files} restored.</source>
        <translation>已撤销更改：已恢复 {files}。</translation>
    </message>
    <message>
        <source>Kept as they are now: {files}.</source>
        <translation>保持现状：{files}。</translation>
    </message>
    <message>
        <source>Nothing to redo here: use Redo under the turn that undid these files.</source>
        <translation>此处没有可重做的内容：请使用撤销这些文件的那一轮下方的“重做”。</translation>
    </message>
    <message>
        <source>Changes redone: {files} as the turn left them.</source>
        <translation>已重做更改：{files} 恢复为该轮结束时的内容。</translation>
    </message>
    <message>
        <source>Nothing to undo: those changes were already undone.</source>
        <translation>没有可撤销的内容：这些更改已经撤销过了。</translation>
    </message>
</context>
<context>
    <name>ConversationStack</name>
    <message>
        <source>Gemini</source>
        <translation>Gemini</translation>
    </message>
</context>
<context>
    <name>ConversationView</name>
    <message>
        <source>New conversation</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>That conversation is no longer in the history.</source>
        <translation>该对话已不在历史记录中。</translation>
    </message>
    <message>
        <source>{agent} does not accept images: attach files or text instead.</source>
        <translation>{agent} 不接受图片：请改为附加文件或文本。</translation>
    </message>
    <message>
        <source>This version of gemini does not accept {kinds} attachments; remove them to send the message.</source>
        <translation>此版本的 gemini 不接受 {kinds} 类附件；请移除它们后再发送消息。</translation>
    </message>
    <message>
        <source>Your message was not sent: it is back in the message box. Send it again once signed in.</source>
        <translation>消息未发送：已放回输入框。登录后请重新发送。</translation>
    </message>
    <message>
        <source>gemini has sent nothing for {seconds:.0f} s; press Stop (Esc) to give up.</source>
        <translation>gemini 已有 {seconds:.0f} 秒没有任何输出；按“停止”(Esc) 可放弃本次回答。</translation>
    </message>
    <message>
        <source>Starting gemini… your message will be sent as soon as it is ready.</source>
        <translation>正在启动 gemini……就绪后会立即发送您的消息。</translation>
    </message>
    <message>
        <source>gemini is not available yet.</source>
        <translation>gemini 尚不可用。</translation>
    </message>
    <message>
        <source>Saved (secrets in the system keyring). Starting gemini…</source>
        <translation>已保存（机密信息存于系统钥匙串）。正在启动 gemini…</translation>
    </message>
    <message>
        <source>No usable system keyring: the secrets are used for this run only. Starting gemini…</source>
        <translation>没有可用的系统钥匙串：机密信息仅在本次运行中使用。正在启动 gemini…</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
    <message>
        <source>Signing in did not finish. Try again, or choose another way in.</source>
        <translation>登录未完成。请重试，或选择其他登录方式。</translation>
    </message>
    <message>
        <source>A browser window should open for the Google sign-in. Waiting up to {seconds:.0f} s…</source>
        <translation>浏览器将打开 Google 登录页面。最多等待 {seconds:.0f} 秒…</translation>
    </message>
</context>
<context>
    <name>CrashBanner</name>
    <message>
        <source>Why gemini stopped</source>
        <translation>gemini 停止的原因</translation>
    </message>
    <message>
        <source>Restart</source>
        <translation>重新启动</translation>
    </message>
    <message>
        <source>Start gemini again and continue this conversation</source>
        <translation>重新启动 gemini 并继续此对话</translation>
    </message>
    <message>
        <source>New session</source>
        <translation>新会话</translation>
    </message>
    <message>
        <source>Gemini stopped unexpectedly: {reason}</source>
        <translation>Gemini 意外停止：{reason}</translation>
    </message>
    <message>
        <source>(gemini printed nothing on stderr)</source>
        <translation>（gemini 未在 stderr 输出任何内容）</translation>
    </message>
</context>
<context>
    <name>Details</name>
    <message>
        <source>Details</source>
        <translation>详细信息</translation>
    </message>
</context>
<context>
    <name>Diagnosis</name>
    <message>
        <source>Google no longer serves gemini-cli to this Google account</source>
        <translation>Google 已不再向此 Google 账号提供 gemini-cli 服务</translation>
    </message>
    <message>
        <source>Since 18 June 2026 Google refuses “Log in with Google” in gemini-cli for individual accounts (free, Google AI Pro and Ultra) and points them to Google Antigravity. What still works: a Gemini API key from a paid project, Vertex AI, a Code Assist Standard or Enterprise licence (Google login with a Cloud project), or an AI API gateway.</source>
        <translation>自 2026 年 6 月 18 日起，Google 拒绝个人账号（免费版、Google AI Pro 和 Ultra）在 gemini-cli 中“使用 Google 登录”，并引导其改用 Google Antigravity。仍然可用的方式：付费项目的 Gemini API 密钥、Vertex AI、Code Assist 标准版或企业版许可（使用 Google 登录并指定 Cloud 项目），或 AI API 网关。</translation>
    </message>
    <message>
        <source>Google does not accept this API key</source>
        <translation>Google 不接受此 API 密钥</translation>
    </message>
    <message>
        <source>The key is wrong, expired or deleted. Create a key at aistudio.google.com/apikey (or in your Cloud project&apos;s credentials) and enter it again.</source>
        <translation>密钥错误、已过期或已删除。请在 aistudio.google.com/apikey（或 Cloud 项目的凭据页面）创建密钥后重新输入。</translation>
    </message>
    <message>
        <source>The project {project} does not allow this: enable the Gemini API (or the Vertex AI API) on it, and check that your account or service account may use it.</source>
        <translation>项目 {project} 不允许此操作：请在该项目上启用 Gemini API（或 Vertex AI API），并确认你的账号或服务账号有权使用。</translation>
    </message>
    <message>
        <source>The account does not allow this: enable the Gemini API (or the Vertex AI API) on its project, and check that it may use it.</source>
        <translation>该账号不允许此操作：请在其项目上启用 Gemini API（或 Vertex AI API），并确认它有权使用。</translation>
    </message>
    <message>
        <source>Permission denied</source>
        <translation>权限被拒绝</translation>
    </message>
    <message>
        <source>The quota of this account or key is used up for now. Try again in {seconds} s, or use a key or project with more quota.</source>
        <translation>此账号或密钥的配额暂时已用完。请在 {seconds} 秒后重试，或使用配额更多的密钥或项目。</translation>
    </message>
    <message>
        <source>The quota of this account or key is used up for now. Try again later, or use a key or project with more quota.</source>
        <translation>此账号或密钥的配额暂时已用完。请稍后重试，或使用配额更多的密钥或项目。</translation>
    </message>
    <message>
        <source>Quota exhausted</source>
        <translation>配额已用完</translation>
    </message>
    <message>
        <source>{host} could not be reached. Check the network connection, a proxy (HTTPS_PROXY) or a firewall, then try again.</source>
        <translation>无法连接 {host}。请检查网络连接、代理（HTTPS_PROXY）或防火墙，然后重试。</translation>
    </message>
    <message>
        <source>Google&apos;s servers could not be reached. Check the network connection, a proxy (HTTPS_PROXY) or a firewall, then try again.</source>
        <translation>无法连接 Google 的服务器。请检查网络连接、代理（HTTPS_PROXY）或防火墙，然后重试。</translation>
    </message>
    <message>
        <source>No connection</source>
        <translation>无网络连接</translation>
    </message>
    <message>
        <source>gemini is not signed in</source>
        <translation>gemini 尚未登录</translation>
    </message>
    <message>
        <source>Choose how gemini should reach Gemini: an API key, Vertex AI, a Code Assist licence or an AI API gateway.</source>
        <translation>请选择 gemini 连接 Gemini 的方式：API 密钥、Vertex AI、Code Assist 许可或 AI API 网关。</translation>
    </message>
</context>
<context>
    <name>EmptyState</name>
    <message>
        <source>Explain what this project does and how it is organised</source>
        <translation>解释这个项目做什么、如何组织</translation>
    </message>
    <message>
        <source>Find likely bugs in the most recently changed files</source>
        <translation>在最近修改的文件中找出可能的错误</translation>
    </message>
    <message>
        <source>Write tests for the main module</source>
        <translation>为主模块编写测试</translation>
    </message>
    <message>
        <source>Summarise the README in five bullet points</source>
        <translation>用五个要点总结 README</translation>
    </message>
    <message>
        <source>Ask Gemini anything</source>
        <translation>向 Gemini 提问吧</translation>
    </message>
    <message>
        <source>Enter sends, Shift+Enter starts a new line, / lists gemini&apos;s commands. Tool calls ask before they act.</source>
        <translation>Enter 发送，Shift+Enter 换行，/ 列出 gemini 的命令。工具调用在执行前会先征求同意。</translation>
    </message>
    <message>
        <source>Example: {prompt}</source>
        <translation>示例：{prompt}</translation>
    </message>
    <message>
        <source>Working in {folder}</source>
        <translation>工作文件夹：{folder}</translation>
    </message>
</context>
<context>
    <name>Engine</name>
    <message>
        <source>{agent} did not answer this message (nothing for {seconds} s after the previous answer was stopped), so it was restarted and the conversation resumed. Send the message again.</source>
        <translation>{agent} 没有回答这条消息（上一个回答被停止后 {seconds} 秒内没有任何回应），已将其重新启动并恢复对话。请再次发送这条消息。</translation>
    </message>
</context>
<context>
    <name>FindBar</name>
    <message>
        <source>Find in this conversation</source>
        <translation>在此对话中查找</translation>
    </message>
    <message>
        <source>Previous match (Shift+Enter)</source>
        <translation>上一个匹配 (Shift+Enter)</translation>
    </message>
    <message>
        <source>Next match (Enter)</source>
        <translation>下一个匹配 (Enter)</translation>
    </message>
    <message>
        <source>Close the find bar (Esc)</source>
        <translation>关闭查找栏 (Esc)</translation>
    </message>
    <message>
        <source>{current} of {total}</source>
        <translation>第 {current} 个，共 {total} 个</translation>
    </message>
    <message>
        <source>No matches</source>
        <translation>无匹配</translation>
    </message>
</context>
<context>
    <name>GeminiMissingPanel</name>
    <message>
        <source>&lt;b&gt;Gemini CLI is needed&lt;/b&gt;</source>
        <translation>&lt;b&gt;需要 Gemini CLI&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Install command</source>
        <translation>安装命令</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Install for this app</source>
        <translation>为本应用安装</translation>
    </message>
    <message>
        <source>Runs npm to install gemini-cli into this app&apos;s own data folder</source>
        <translation>运行 npm，将 gemini-cli 安装到本应用自己的数据文件夹中</translation>
    </message>
    <message>
        <source>Locate…</source>
        <translation>手动定位…</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Install output</source>
        <translation>安装输出</translation>
    </message>
    <message>
        <source>Install it for all your terminals with this command, then press Retry:</source>
        <translation>使用以下命令安装（所有终端均可使用），然后点击“重试”：</translation>
    </message>
    <message>
        <source>Installing gemini-cli with npm…</source>
        <translation>正在使用 npm 安装 gemini-cli…</translation>
    </message>
    <message>
        <source>Locate the gemini program</source>
        <translation>定位 gemini 程序</translation>
    </message>
    <message>
        <source>gemini (gemini gemini.cmd gemini.exe *.js *.mjs);;All files (*)</source>
        <translation>gemini (gemini gemini.cmd gemini.exe *.js *.mjs);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>ImageViewer</name>
    <message>
        <source>This image cannot be shown (it is gone, damaged or too big).</source>
        <translation>无法显示此图片（它已不存在、已损坏或过大）。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>gemini {version} ({path}) is too old: Gemini Desktop needs gemini {minimum} or newer. Update it with: {command}</source>
        <translation>gemini {version}（{path}）版本过旧：Gemini Desktop 需要 gemini {minimum} 或更新版本。请用以下命令更新：{command}</translation>
    </message>
    <message>
        <source>Gemini Desktop talks to Google&apos;s gemini command-line tool, and it was not found on this computer.</source>
        <translation>Gemini Desktop 需要通过 Google 的 gemini 命令行工具工作，但在此电脑上未找到它。</translation>
    </message>
    <message>
        <source>Gemini asks for permission</source>
        <translation>Gemini 请求权限</translation>
    </message>
    <message>
        <source>Working folder for a new conversation</source>
        <translation>新对话的工作文件夹</translation>
    </message>
    <message>
        <source>Conversation copied as Markdown.</source>
        <translation>对话已复制为 Markdown。</translation>
    </message>
    <message>
        <source>Opened in your browser: {url}</source>
        <translation>已在浏览器中打开：{url}</translation>
    </message>
    <message>
        <source>Gemini answered</source>
        <translation>Gemini 已回复</translation>
    </message>
</context>
<context>
    <name>MarkdownRenderer</name>
    <message>
        <source>code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>not highlighted: this message has too much code</source>
        <translation>未高亮：此消息中的代码过多</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>nested too deeply to format; shown as plain text</source>
        <translation>嵌套层级过深，无法排版；以纯文本显示</translation>
    </message>
    <message>
        <source>too long to format; shown as plain text</source>
        <translation>内容过长，无法排版；以纯文本显示</translation>
    </message>
    <message>
        <source>table too big to lay out; shown as plain text</source>
        <translation>表格过大，无法排版；以纯文本显示</translation>
    </message>
    <message>
        <source>a long block, formatted once it is complete</source>
        <translation>较长的内容块，完整接收后再排版</translation>
    </message>
    <message>
        <source>could not be formatted; shown as plain text</source>
        <translation>无法排版；以纯文本显示</translation>
    </message>
    <message>
        <source>[image: %1]</source>
        <translation>[图片：%1]</translation>
    </message>
    <message>
        <source>[image]</source>
        <translation>[图片]</translation>
    </message>
</context>
<context>
    <name>McpServerEditor</name>
    <message>
        <source>MCP server</source>
        <translation>MCP 服务器</translation>
    </message>
    <message>
        <source>Command (stdio)</source>
        <translation>命令（stdio）</translation>
    </message>
    <message>
        <source>Streamable HTTP</source>
        <translation>可流式 HTTP</translation>
    </message>
    <message>
        <source>SSE</source>
        <translation>SSE</translation>
    </message>
    <message>
        <source>NAME=value, one per line (kept in the system keyring)</source>
        <translation>名称=值，每行一个（保存在系统密钥环中）</translation>
    </message>
    <message>
        <source>Name: value, one per line (kept in the system keyring)</source>
        <translation>名称: 值，每行一个（保存在系统密钥环中）</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>类型：</translation>
    </message>
    <message>
        <source>Command:</source>
        <translation>命令：</translation>
    </message>
    <message>
        <source>Environment:</source>
        <translation>环境变量：</translation>
    </message>
    <message>
        <source>URL:</source>
        <translation>URL：</translation>
    </message>
    <message>
        <source>Headers:</source>
        <translation>请求头：</translation>
    </message>
    <message>
        <source>Another server is already named {name}.</source>
        <translation>已有另一个服务器名为 {name}。</translation>
    </message>
    <message>
        <source>The command cannot be read: {error}.</source>
        <translation>无法解析该命令：{error}。</translation>
    </message>
    <message>
        <source>Environment line {line} is not NAME=value.</source>
        <translation>环境变量第 {line} 行不是“名称=值”格式。</translation>
    </message>
    <message>
        <source>Header line {line} is not Name: value.</source>
        <translation>请求头第 {line} 行不是“名称: 值”格式。</translation>
    </message>
</context>
<context>
    <name>McpServersDialog</name>
    <message>
        <source>{server} (from the {source} settings: {path})</source>
        <translation>{server}（来自 {source} 设置：{path}）</translation>
    </message>
    <message>
        <source> — excluded</source>
        <translation> — 已排除</translation>
    </message>
    <message>
        <source>MCP servers</source>
        <translation>MCP 服务器</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>Choose a server and press Test to list its tools.</source>
        <translation>选择一个服务器并点击“测试”以列出其工具。</translation>
    </message>
    <message>
        <source>Loaded by gemini from its own settings (change them there):</source>
        <translation>gemini 从其自身设置中加载（请在那里修改）：</translation>
    </message>
    <message>
        <source>The app&apos;s servers, given to every new conversation (tick to enable):</source>
        <translation>本应用的服务器，提供给每个新对话（勾选以启用）：</translation>
    </message>
    <message>
        <source>Testing {name}… (at most {seconds:.0f} s)</source>
        <translation>正在测试 {name}…（最多 {seconds:.0f} 秒）</translation>
    </message>
    <message>
        <source>{name}: {count} tool(s)</source>
        <translation>{name}：{count} 个工具</translation>
    </message>
    <message>
        <source>{name} failed: {error}</source>
        <translation>{name} 失败：{error}</translation>
    </message>
    <message>
        <source>Its error output:</source>
        <translation>其错误输出：</translation>
    </message>
    <message>
        <source>No usable system keyring: the MCP servers&apos; environment and header values last for this run only.</source>
        <translation>没有可用的系统密钥环：MCP 服务器的环境变量和请求头的值仅在本次运行中有效。</translation>
    </message>
</context>
<context>
    <name>MessageActionBar</name>
    <message>
        <source>Message actions</source>
        <translation>消息操作</translation>
    </message>
</context>
<context>
    <name>MessageActions</name>
    <message>
        <source>Nothing to retry here yet.</source>
        <translation>这里还没有可以重试的内容。</translation>
    </message>
    <message>
        <source>This message is not in the history yet.</source>
        <translation>这条消息还不在历史记录中。</translation>
    </message>
    <message>
        <source>Edit and resend</source>
        <translation>编辑并重新发送</translation>
    </message>
    <message>
        <source>A new conversation starts from the turns before this message; this one is kept.</source>
        <translation>将从这条消息之前的对话开始一个新对话；当前对话会保留。</translation>
    </message>
</context>
<context>
    <name>NpmInstaller</name>
    <message>
        <source>{tools} not found. Install Node.js 20 or newer (it includes npm) from https://nodejs.org or your package manager, then try again.</source>
        <translation>未找到 {tools}。请从 https://nodejs.org 或通过系统的包管理器安装 Node.js 20 或更高版本（已包含 npm），然后重试。</translation>
    </message>
    <message>
        <source>npm could not be started: {error}</source>
        <translation>无法启动 npm：{error}</translation>
    </message>
    <message>
        <source>gemini-cli was installed for this app.</source>
        <translation>已为本应用安装 gemini-cli。</translation>
    </message>
    <message>
        <source>npm failed (exit code {code}); see the log above.</source>
        <translation>npm 执行失败（退出代码 {code}）；请查看上方日志。</translation>
    </message>
</context>
<context>
    <name>PermissionPrompt</name>
    <message>
        <source>Permission request: %1</source>
        <translation>权限请求：%1</translation>
    </message>
    <message>
        <source>Allow this?</source>
        <translation>是否允许？</translation>
    </message>
    <message>
        <source>Permission question</source>
        <translation>权限确认</translation>
    </message>
    <message>
        <source>Shortcut: %1, or %2 while this request has the keyboard focus</source>
        <translation>快捷键：%1；焦点在此请求上时也可按 %2</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>拒绝</translation>
    </message>
</context>
<context>
    <name>PlanPanel</name>
    <message>
        <source>pending</source>
        <translation>待办</translation>
    </message>
    <message>
        <source>in progress</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>blocked</source>
        <translation>受阻</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>计划</translation>
    </message>
    <message>
        <source>Show or hide the agent&apos;s plan</source>
        <translation>显示或隐藏智能体的计划</translation>
    </message>
    <message>
        <source>Plan: {done} of {total} done</source>
        <translation>计划：已完成 {done}/{total}</translation>
    </message>
    <message>
        <source>… {count} more</source>
        <translation>… 还有 {count} 项</translation>
    </message>
</context>
<context>
    <name>PromptInput</name>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Message {agent} — Enter to send, Shift+Enter for a new line</source>
        <translation>给 {agent} 发消息 — Enter 发送，Shift+Enter 换行</translation>
    </message>
    <message>
        <source>Message Gemini — Enter to send, Shift+Enter for a new line</source>
        <translation>给 Gemini 发消息 — Enter 发送，Shift+Enter 换行</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>附加文件</translation>
    </message>
    <message>
        <source>The clipboard image could not be read.</source>
        <translation>无法读取剪贴板中的图片。</translation>
    </message>
    <message>
        <source>pasted image</source>
        <translation>粘贴的图片</translation>
    </message>
</context>
<context>
    <name>QueueRow</name>
    <message>
        <source>Edit the message before it is sent</source>
        <translation>在发送前编辑这条消息</translation>
    </message>
    <message>
        <source>Send earlier</source>
        <translation>提前发送</translation>
    </message>
    <message>
        <source>Send later</source>
        <translation>推后发送</translation>
    </message>
    <message>
        <source>Send now</source>
        <translation>立即发送</translation>
    </message>
    <message>
        <source>Stop the running answer and send this message now</source>
        <translation>停止当前回答并立即发送这条消息</translation>
    </message>
    <message>
        <source>Remove this message</source>
        <translation>移除这条消息</translation>
    </message>
</context>
<context>
    <name>SessionActions</name>
    <message>
        <source>Rename conversation</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
    <message>
        <source>Delete “%1” from the history?</source>
        <translation>要从历史记录中删除“%1”吗？</translation>
    </message>
    <message>
        <source>Untitled conversation</source>
        <translation>未命名对话</translation>
    </message>
    <message>
        <source>Delete conversation</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <source>Export as Markdown</source>
        <translation>导出为 Markdown</translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown 文件 (*.md)</translation>
    </message>
    <message>
        <source>Export as JSON</source>
        <translation>导出为 JSON</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
        <source>The export failed: %1</source>
        <translation>导出失败：%1</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>found automatically</source>
        <translation>自动查找</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>gemini&apos;s default</source>
        <translation>gemini 默认</translation>
    </message>
    <message>
        <source>your home folder</source>
        <translation>您的主文件夹</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>as gemini&apos;s own settings say</source>
        <translation>按 gemini 自身的设置</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Forget the way in and its secrets in the keyring; the next gemini started asks how to sign in</source>
        <translation>忘记登录方式及其保存在钥匙串中的机密信息；下次启动的 gemini 会询问如何登录</translation>
    </message>
    <message>
        <source>Change…</source>
        <translation>更改…</translation>
    </message>
    <message>
        <source>Save these settings and choose another way in</source>
        <translation>保存这些设置并选择其他登录方式</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source> MB</source>
        <translation> MB</translation>
    </message>
    <message>
        <source>Keep one gemini started, so a new conversation is ready at once</source>
        <translation>预先启动一个 gemini，使新对话立即可用</translation>
    </message>
    <message>
        <source>Closing the window keeps the app running in the tray</source>
        <translation>关闭窗口时让应用在托盘中继续运行</translation>
    </message>
    <message>
        <source>Serve the local API to programs on this computer</source>
        <translation>向本机上的程序提供本地 API</translation>
    </message>
    <message>
        <source>Local API port</source>
        <translation>本地 API 端口</translation>
    </message>
    <message>
        <source>Listening on {address}</source>
        <translation>正在监听 {address}</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>Copy token</source>
        <translation>复制令牌</translation>
    </message>
    <message>
        <source>Regenerate token</source>
        <translation>重新生成令牌</translation>
    </message>
    <message>
        <source>gemini program:</source>
        <translation>gemini 程序：</translation>
    </message>
    <message>
        <source>Default model:</source>
        <translation>默认模型：</translation>
    </message>
    <message>
        <source>Default working folder:</source>
        <translation>默认工作文件夹：</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>Signed in with:</source>
        <translation>登录方式：</translation>
    </message>
    <message>
        <source>Undo snapshots:</source>
        <translation>撤销快照：</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>Agents</source>
        <translation>智能体</translation>
    </message>
    <message>
        <source>Signed out: the next gemini started asks how to sign in.</source>
        <translation>已退出登录：下次启动的 gemini 会询问如何登录。</translation>
    </message>
    <message>
        <source>gemini processes at most:</source>
        <translation>gemini 进程数上限：</translation>
    </message>
    <message>
        <source>Suspend a conversation idle for:</source>
        <translation>对话空闲多久后挂起：</translation>
    </message>
    <message>
        <source>Restart an idle gemini above:</source>
        <translation>空闲的 gemini 内存超过此值时重启：</translation>
    </message>
    <message>
        <source>Local API:</source>
        <translation>本地 API：</translation>
    </message>
    <message>
        <source>Local API token:</source>
        <translation>本地 API 令牌：</translation>
    </message>
    <message>
        <source>Changes apply to the next session or the next start.</source>
        <translation>更改将在下一个会话或下次启动时生效。</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从不</translation>
    </message>
    <message>
        <source>Locate the gemini program</source>
        <translation>定位 gemini 程序</translation>
    </message>
    <message>
        <source>Default working folder</source>
        <translation>默认工作文件夹</translation>
    </message>
    <message>
        <source>Token copied.</source>
        <translation>令牌已复制。</translation>
    </message>
    <message>
        <source>New token copied; programs using the old one must be given the new one.</source>
        <translation>新令牌已复制；仍在使用旧令牌的程序需要换成新令牌。</translation>
    </message>
    <message>
        <source>The token file cannot be written: {error}</source>
        <translation>无法写入令牌文件：{error}</translation>
    </message>
</context>
<context>
    <name>ShortcutsSheet</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>命令</translation>
    </message>
    <message>
        <source>Shortcut</source>
        <translation>快捷键</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>waiting for a free {agent} ({busy} of {cap} busy)</source>
        <translation>等待空闲的 {agent}（{cap} 个中 {busy} 个忙碌）</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>正在启动</translation>
    </message>
    <message>
        <source>resuming</source>
        <translation>正在恢复</translation>
    </message>
    <message>
        <source>streaming</source>
        <translation>正在回答</translation>
    </message>
    <message>
        <source>waiting for approval</source>
        <translation>等待批准</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>suspended</source>
        <translation>已挂起</translation>
    </message>
    <message>
        <source>crashed</source>
        <translation>已崩溃</translation>
    </message>
    <message>
        <source>not started</source>
        <translation>未启动</translation>
    </message>
    <message>
        <source>queued {count}</source>
        <translation>排队 {count} 条</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <source>Previous 7 days</source>
        <translation>过去 7 天</translation>
    </message>
    <message>
        <source>MMMM yyyy</source>
        <translation>yyyy年M月</translation>
    </message>
    <message>
        <source>Search all conversations…</source>
        <translation>搜索所有对话…</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Enter opens, F2 renames, Delete deletes, the menu key shows all actions</source>
        <translation>Enter 打开，F2 重命名，Delete 删除，菜单键显示全部操作</translation>
    </message>
    <message>
        <source>No conversation contains “%1”.</source>
        <translation>没有包含“%1”的对话。</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Close conversation</source>
        <translation>关闭对话</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续对话</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Export as Markdown…</source>
        <translation>导出为 Markdown…</translation>
    </message>
    <message>
        <source>Export as JSON…</source>
        <translation>导出为 JSON…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
</context>
<context>
    <name>SidebarModel</name>
    <message>
        <source>imported from gemini CLI</source>
        <translation>从 gemini CLI 导入</translation>
    </message>
    <message numerus="yes">
        <source>%n message(s)</source>
        <translation>
            <numerusform>%n 条消息</numerusform>
        </translation>
    </message>
    <message>
        <source>Untitled conversation</source>
        <translation>未命名对话</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Gemini</source>
        <translation>Gemini</translation>
    </message>
</context>
<context>
    <name>SignIn</name>
    <message>
        <source>Gemini API key</source>
        <translation>Gemini API 密钥</translation>
    </message>
    <message>
        <source>Vertex AI (express mode, API key)</source>
        <translation>Vertex AI（快速模式，API 密钥）</translation>
    </message>
    <message>
        <source>gcloud default credentials</source>
        <translation>gcloud 默认凭据</translation>
    </message>
    <message>
        <source>Vertex AI: project {project}, {location} ({credentials})</source>
        <translation>Vertex AI：项目 {project}，{location}（{credentials}）</translation>
    </message>
    <message>
        <source>AI API gateway at {url}</source>
        <translation>位于 {url} 的 AI API 网关</translation>
    </message>
    <message>
        <source>Code Assist Standard/Enterprise: Google login, project {project}</source>
        <translation>Code Assist 标准版/企业版：Google 登录，项目 {project}</translation>
    </message>
    <message>
        <source>Log in with Google</source>
        <translation>使用 Google 登录</translation>
    </message>
    <message>
        <source>“{location}” is not a Vertex AI location (for example us-central1, europe-west4 or global).</source>
        <translation>“{location}”不是 Vertex AI 区域（例如 us-central1、europe-west4 或 global）。</translation>
    </message>
    <message>
        <source>“{name}” is not a valid header name.</source>
        <translation>“{name}”不是有效的请求头名称。</translation>
    </message>
    <message>
        <source>A header is written NAME=VALUE, not “{item}”.</source>
        <translation>请求头的格式是 NAME=VALUE，而不是“{item}”。</translation>
    </message>
    <message>
        <source>The API key is empty.</source>
        <translation>API 密钥为空。</translation>
    </message>
    <message>
        <source>An API key has no spaces or control characters: check what was pasted.</source>
        <translation>API 密钥不含空格或控制字符：请检查粘贴的内容。</translation>
    </message>
    <message>
        <source>The Google Cloud project id is empty.</source>
        <translation>Google Cloud 项目 ID 为空。</translation>
    </message>
    <message>
        <source>“{project}” is a project number: gemini needs the project id (for example my-project-123).</source>
        <translation>“{project}”是项目编号：gemini 需要的是项目 ID（例如 my-project-123）。</translation>
    </message>
    <message>
        <source>“{project}” is not a Google Cloud project id: 6 to 30 lowercase letters, digits and hyphens, starting with a letter.</source>
        <translation>“{project}”不是 Google Cloud 项目 ID：应为 6 到 30 个小写字母、数字和连字符，并以字母开头。</translation>
    </message>
    <message>
        <source>“{url}” is not a web address (https://host/…).</source>
        <translation>“{url}”不是网址（https://host/…）。</translation>
    </message>
    <message>
        <source>The gateway must use https: over plain http its headers (often a key) cross the network readable by anyone on the way. Plain http is allowed only for this computer (localhost, 127.0.0.1, ::1).</source>
        <translation>网关必须使用 https：通过明文 http，其请求头（通常包含密钥）在网络上传输时，途经的任何人都能读取。只有本机（localhost、127.0.0.1、::1）允许使用明文 http。</translation>
    </message>
    <message>
        <source>{path} does not exist or is not a file.</source>
        <translation>{path} 不存在或不是文件。</translation>
    </message>
    <message>
        <source>{path} is too large to be a credentials file.</source>
        <translation>{path} 太大，不可能是凭据文件。</translation>
    </message>
    <message>
        <source>{path} cannot be read: {reason}</source>
        <translation>无法读取 {path}：{reason}</translation>
    </message>
    <message>
        <source>{path} is not a JSON credentials file.</source>
        <translation>{path} 不是 JSON 凭据文件。</translation>
    </message>
    <message>
        <source>{path} is not a service-account key (a JSON file with client_email and private_key, from Google Cloud › IAM › Service accounts › Keys).</source>
        <translation>{path} 不是服务账号密钥（应为包含 client_email 和 private_key 的 JSON 文件，来自 Google Cloud › IAM › 服务账号 › 密钥）。</translation>
    </message>
</context>
<context>
    <name>SignInPanel</name>
    <message>
        <source>What to do</source>
        <translation>解决办法</translation>
    </message>
    <message>
        <source>Way to sign in</source>
        <translation>登录方式</translation>
    </message>
    <message>
        <source>Keep the current way in</source>
        <translation>保持当前登录方式</translation>
    </message>
    <message>
        <source>Sign in to {agent}</source>
        <translation>登录 {agent}</translation>
    </message>
    <message>
        <source>Choose another way in: the conversations started from now on use it.</source>
        <translation>选择其他登录方式：此后新开始的对话将使用它。</translation>
    </message>
    <message>
        <source>{agent} is installed but not signed in. Choose how it should sign in.</source>
        <translation>{agent} 已安装但尚未登录。请选择它的登录方式。</translation>
    </message>
    <message>
        <source>Gemini API key</source>
        <translation>Gemini API 密钥</translation>
    </message>
    <message>
        <source>Vertex AI (Google Cloud)</source>
        <translation>Vertex AI（Google Cloud）</translation>
    </message>
    <message>
        <source>Code Assist Standard/Enterprise (Google login + project)</source>
        <translation>Code Assist 标准版/企业版（Google 登录 + 项目）</translation>
    </message>
    <message>
        <source>AI API gateway</source>
        <translation>AI API 网关</translation>
    </message>
    <message>
        <source>Log in with Google (personal account)</source>
        <translation>使用 Google 登录（个人账号）</translation>
    </message>
    <message>
        <source>Gemini API key (from Google AI Studio)</source>
        <translation>Gemini API 密钥（来自 Google AI Studio）</translation>
    </message>
    <message>
        <source>Google serves gemini-cli on API keys of projects with billing (paid tier). The key is kept in the system keyring.</source>
        <translation>Google 为已启用结算（付费层级）的项目的 API 密钥提供 gemini-cli 服务。密钥保存在系统钥匙串中。</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Use an API key</source>
        <translation>使用 API 密钥</translation>
    </message>
    <message>
        <source>Project id, e.g. my-project-123</source>
        <translation>项目 ID，例如 my-project-123</translation>
    </message>
    <message>
        <source>Vertex AI location</source>
        <translation>Vertex AI 区域</translation>
    </message>
    <message>
        <source>Service-account key file (empty: gcloud&apos;s default credentials)</source>
        <translation>服务账号密钥文件（留空：使用 gcloud 默认凭据）</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Or an express-mode API key alone</source>
        <translation>或仅使用快速模式 API 密钥</translation>
    </message>
    <message>
        <source>Vertex AI bills your Google Cloud project. Give the project and location with a service-account key file (or gcloud&apos;s default credentials), or an express-mode API key.</source>
        <translation>Vertex AI 从你的 Google Cloud 项目计费。请提供项目和区域以及服务账号密钥文件（或 gcloud 默认凭据），或提供快速模式 API 密钥。</translation>
    </message>
    <message>
        <source>Project</source>
        <translation>项目</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>区域</translation>
    </message>
    <message>
        <source>Credentials</source>
        <translation>凭据</translation>
    </message>
    <message>
        <source>Express key</source>
        <translation>快速模式密钥</translation>
    </message>
    <message>
        <source>Use Vertex AI</source>
        <translation>使用 Vertex AI</translation>
    </message>
    <message>
        <source>Project id of the licence</source>
        <translation>许可所属的项目 ID</translation>
    </message>
    <message>
        <source>For a Gemini Code Assist Standard or Enterprise licence: the Google login opens in the browser, with your organisation&apos;s project.</source>
        <translation>适用于 Gemini Code Assist 标准版或企业版许可：将在浏览器中打开 Google 登录，并使用你所在组织的项目。</translation>
    </message>
    <message>
        <source>Log in with Google</source>
        <translation>使用 Google 登录</translation>
    </message>
    <message>
        <source>https://gateway.example.com</source>
        <translation>https://gateway.example.com</translation>
    </message>
    <message>
        <source>Gateway headers, one NAME=VALUE per line</source>
        <translation>网关请求头，每行一个 NAME=VALUE</translation>
    </message>
    <message>
        <source>One header per line: NAME=VALUE</source>
        <translation>每行一个请求头：NAME=VALUE</translation>
    </message>
    <message>
        <source>An AI API gateway that speaks the Gemini API. Header values are kept in the system keyring.</source>
        <translation>支持 Gemini API 的 AI API 网关。请求头的值保存在系统钥匙串中。</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Headers</source>
        <translation>请求头</translation>
    </message>
    <message>
        <source>Use this gateway</source>
        <translation>使用此网关</translation>
    </message>
    <message>
        <source>Since 18 June 2026 Google refuses this login for individual accounts (free, AI Pro, Ultra); it still works for accounts Google serves gemini-cli to.</source>
        <translation>自 2026 年 6 月 18 日起，Google 拒绝个人账号（免费版、AI Pro、Ultra）使用此登录方式；Google 仍为其提供 gemini-cli 服务的账号可以继续使用。</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Set these environment variables for the agent, then press Sign in:</source>
        <translation>请为该代理设置以下环境变量，然后点击“登录”：</translation>
    </message>
    <message>
        <source>Get them here: {link}</source>
        <translation>在此获取：{link}</translation>
    </message>
    <message>
        <source>Run this once in a terminal, then press Sign in:</source>
        <translation>请在终端中运行一次以下命令，然后点击“登录”：</translation>
    </message>
    <message>
        <source>The agent signs in by itself: press Sign in.</source>
        <translation>该代理会自行登录：请点击“登录”。</translation>
    </message>
    <message>
        <source>Service-account key file</source>
        <translation>服务账号密钥文件</translation>
    </message>
    <message>
        <source>JSON key files (*.json);;All files (*)</source>
        <translation>JSON 密钥文件 (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Paste an API key first.</source>
        <translation>请先粘贴 API 密钥。</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <source>restarting…</source>
        <translation>正在重启…</translation>
    </message>
    <message>
        <source>crashed</source>
        <translation>已崩溃</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>not set up</source>
        <translation>尚未配置</translation>
    </message>
    <message>
        <source>{total} ({inp} in / {out} out)</source>
        <translation>{total}（输入 {inp} / 输出 {out}）</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Approval mode</source>
        <translation>审批模式</translation>
    </message>
    <message>
        <source>MCP servers a new conversation gets: click to see, add or test them</source>
        <translation>新对话将获得的 MCP 服务器：点击以查看、添加或测试</translation>
    </message>
    <message>
        <source>{agent}: {state}</source>
        <translation>{agent}：{state}</translation>
    </message>
    <message>
        <source>Gemini: {state}</source>
        <translation>Gemini：{state}</translation>
    </message>
    <message>
        <source>Signed in with: {way}</source>
        <translation>登录方式：{way}</translation>
    </message>
    <message>
        <source>Signed in as gemini&apos;s own settings say</source>
        <translation>按 gemini 自身的设置登录</translation>
    </message>
    <message>
        <source>{count} queued</source>
        <translation>{count} 条排队中</translation>
    </message>
    <message>
        <source>Working folder: {path}</source>
        <translation>工作文件夹：{path}</translation>
    </message>
    <message>
        <source>MCP: {count}</source>
        <translation>MCP：{count}</translation>
    </message>
    <message>
        <source>Tokens: last {last} · session {session}</source>
        <translation>Token：上次 {last} · 本会话 {session}</translation>
    </message>
</context>
<context>
    <name>ToolCard</name>
    <message>
        <source>Read</source>
        <translation>读取</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Move</source>
        <translation>移动</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Think</source>
        <translation>思考</translation>
    </message>
    <message>
        <source>Fetch</source>
        <translation>获取</translation>
    </message>
    <message>
        <source>Switch mode</source>
        <translation>切换模式</translation>
    </message>
    <message>
        <source>Tool</source>
        <translation>工具</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>(no changes)</source>
        <translation>（无改动）</translation>
    </message>
    <message>
        <source>▾ Hide details</source>
        <translation>▾ 隐藏详情</translation>
    </message>
    <message>
        <source>▸ Show details</source>
        <translation>▸ 显示详情</translation>
    </message>
    <message>
        <source>… (output shortened)</source>
        <translation>……（输出已截断）</translation>
    </message>
    <message>
        <source>Allow once</source>
        <translation>允许一次</translation>
    </message>
    <message>
        <source>Allow for this session</source>
        <translation>本次会话内始终允许</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <source>Always reject</source>
        <translation>始终拒绝</translation>
    </message>
    <message>
        <source>✗ Rejected</source>
        <translation>✗ 已拒绝</translation>
    </message>
</context>
<context>
    <name>TranscriptView</name>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Gemini</source>
        <translation>Gemini</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>计划</translation>
    </message>
    <message>
        <source>Still being written</source>
        <translation>仍在生成中</translation>
    </message>
    <message>
        <source>Interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Jump to latest ↓</source>
        <translation>跳到最新 ↓</translation>
    </message>
    <message>
        <source>Jump to latest</source>
        <translation>跳到最新</translation>
    </message>
    <message>
        <source>Scroll to the newest output and keep following it</source>
        <translation>滚动到最新输出并持续跟随</translation>
    </message>
    <message>
        <source>This is the beginning of the conversation.</source>
        <translation>这是对话的开头。</translation>
    </message>
    <message>
        <source>{hidden} earlier messages are not shown.</source>
        <translation>还有 {hidden} 条更早的消息未显示。</translation>
    </message>
    <message>
        <source>Show {count} more</source>
        <translation>再显示 {count} 条</translation>
    </message>
    <message>
        <source>Undo this call&apos;s changes</source>
        <translation>撤销此调用的更改</translation>
    </message>
    <message>
        <source>Undo changes</source>
        <translation>撤销更改</translation>
    </message>
    <message>
        <source>Not in the snapshot (too big or too many files): {files}</source>
        <translation>未包含在快照中（文件太大或文件太多）：{files}</translation>
    </message>
    <message>
        <source>Looking at what this turn changed…</source>
        <translation>正在查看这一轮更改了什么…</translation>
    </message>
    <message>
        <source>Changes undone</source>
        <translation>更改已撤销</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <source>Thoughts</source>
        <translation>思考过程</translation>
    </message>
    <message>
        <source>Hide thoughts</source>
        <translation>隐藏思考过程</translation>
    </message>
    <message>
        <source>Show thoughts</source>
        <translation>显示思考过程</translation>
    </message>
    <message>
        <source>… earlier thoughts are shown in full when thinking ends</source>
        <translation>……思考结束后将完整显示之前的思考内容</translation>
    </message>
    <message>
        <source> and {count} more</source>
        <translation> 等另外 {count} 个</translation>
    </message>
    <message>
        <source>Address copied</source>
        <translation>链接地址已复制</translation>
    </message>
    <message>
        <source>Open this link?</source>
        <translation>打开此链接？</translation>
    </message>
    <message>
        <source>This link may not go where its text says. It really opens:</source>
        <translation>此链接的实际去向可能与其文字不符。它实际打开的是：</translation>
    </message>
    <message>
        <source>Open link</source>
        <translation>打开链接</translation>
    </message>
    <message>
        <source>Code copied</source>
        <translation>代码已复制</translation>
    </message>
    <message>
        <source>outside the working folder</source>
        <translation>位于工作文件夹之外</translation>
    </message>
    <message>
        <source>{name} is no longer there.</source>
        <translation>{name} 已不存在。</translation>
    </message>
    <message>
        <source>Copy message as Markdown</source>
        <translation>以 Markdown 复制消息</translation>
    </message>
    <message>
        <source>Copy message as plain text</source>
        <translation>以纯文本复制消息</translation>
    </message>
    <message>
        <source>Edit and resend…</source>
        <translation>编辑并重新发送…</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Undo this turn&apos;s changes…</source>
        <translation>撤销这一轮的更改…</translation>
    </message>
    <message>
        <source>Redo this turn&apos;s changes</source>
        <translation>重做这一轮的更改</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>{count} waiting for approval</source>
        <translation>{count} 个等待批准</translation>
    </message>
    <message>
        <source>{count} with news</source>
        <translation>{count} 个有新消息</translation>
    </message>
    <message>
        <source>Open {app}</source>
        <translation>打开 {app}</translation>
    </message>
</context>
<context>
    <name>TurnSnapshotter</name>
    <message>
        <source>No snapshot of this turn: {reason}</source>
        <translation>本轮没有快照：{reason}</translation>
    </message>
</context>
<context>
    <name>TurnUndoDialog</name>
    <message>
        <source>Undo changes</source>
        <translation>撤销更改</translation>
    </message>
    <message>
        <source>Undoing puts the ticked files back as they were before this turn. A file you changed since is kept as it is now unless you tick it.</source>
        <translation>撤销会把勾选的文件恢复为这一轮之前的样子。你之后改过的文件会保持现状，除非你勾选它。</translation>
    </message>
    <message>
        <source>Files the turn changed</source>
        <translation>这一轮更改的文件</translation>
    </message>
    <message>
        <source> (changed since the turn: kept unless ticked)</source>
        <translation>（这一轮之后被改过：除非勾选，否则保留）</translation>
    </message>
    <message>
        <source>Changes in the selected file</source>
        <translation>所选文件的更改</translation>
    </message>
    <message>
        <source>Not in the snapshot (too big or too many files), so never touched: {files}</source>
        <translation>未包含在快照中（文件太大或文件太多），因此不会被改动：{files}</translation>
    </message>
</context>
<context>
    <name>UndoBar</name>
    <message>
        <source>Conversation deleted.</source>
        <translation>对话已删除。</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Undo delete</source>
        <translation>撤销删除</translation>
    </message>
</context>
<context>
    <name>UndoSettings</name>
    <message>
        <source>Snapshot the folder around each turn</source>
        <translation>在每一轮前后为文件夹拍快照</translation>
    </message>
    <message>
        <source>Undo changes then covers whatever a turn changed, shell commands included; the snapshots stay in the app&apos;s data folder</source>
        <translation>这样“撤销更改”可覆盖一轮所做的任何更改（包括 shell 命令）；快照保存在应用的数据文件夹中</translation>
    </message>
    <message>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <source>Keep undo snapshots for at most</source>
        <translation>撤销快照最多保留</translation>
    </message>
    <message>
        <source> MB</source>
        <translation> MB</translation>
    </message>
    <message>
        <source>Disk for the undo snapshots of one folder at most</source>
        <translation>单个文件夹的撤销快照最多占用的磁盘空间</translation>
    </message>
</context>
<context>
    <name>WindowCommands</name>
    <message>
        <source>Command palette…</source>
        <translation>命令面板…</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>放大</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>缩小</translation>
    </message>
    <message>
        <source>Actual size</source>
        <translation>实际大小</translation>
    </message>
    <message>
        <source>Text size {percent}%</source>
        <translation>文字大小 {percent}%</translation>
    </message>
</context>
<context>
    <name>WindowDialogs</name>
    <message>
        <source>No usable system keyring: the custom agent&apos;s environment values last for this run only.</source>
        <translation>没有可用的系统密钥环：自定义智能体的环境变量值仅在本次运行中有效。</translation>
    </message>
    <message>
        <source>{app} shows the new language after a restart.</source>
        <translation>{app} 重新启动后将显示新的语言。</translation>
    </message>
    <message>
        <source>Restart now? The conversation continues where it is.</source>
        <translation>现在重新启动吗？当前对话会接着进行。</translation>
    </message>
    <message>
        <source>Language changed</source>
        <translation>语言已更改</translation>
    </message>
    <message>
        <source>Restart now</source>
        <translation>立即重新启动</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <source>About {app}</source>
        <translation>关于 {app}</translation>
    </message>
    <message>
        <source>not found</source>
        <translation>未找到</translation>
    </message>
    <message>
        <source>&lt;b&gt;{app}&lt;/b&gt; {version}&lt;br&gt;A desktop chat window for Google&apos;s gemini CLI.&lt;br&gt;&lt;br&gt;gemini-cli: {gemini}&lt;br&gt;Qt: {qt}&lt;br&gt;PySide6: {pyside}</source>
        <translation>&lt;b&gt;{app}&lt;/b&gt; {version}&lt;br&gt;Google gemini CLI 的桌面聊天窗口。&lt;br&gt;&lt;br&gt;gemini-cli：{gemini}&lt;br&gt;Qt：{qt}&lt;br&gt;PySide6：{pyside}</translation>
    </message>
</context>
<context>
    <name>WindowMenus</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;New conversation</source>
        <translation>新建对话(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Close conversation</source>
        <translation>关闭对话(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Restart session</source>
        <translation>重启会话(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Open folder…</source>
        <translation>打开文件夹(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Copy conversation as Markdown</source>
        <translation>将对话复制为 Markdown(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;MCP servers…</source>
        <translation>MCP 服务器(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Stop answer</source>
        <translation>停止回答</translation>
    </message>
    <message>
        <source>Allow the permission request once</source>
        <translation>允许此权限请求一次</translation>
    </message>
    <message>
        <source>Allow the permission request for this session</source>
        <translation>在本次会话中允许此权限请求</translation>
    </message>
    <message>
        <source>Reject the permission request</source>
        <translation>拒绝此权限请求</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;History</source>
        <translation>历史记录(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Find in conversation…</source>
        <translation>在对话中查找(&amp;F)…</translation>
    </message>
    <message>
        <source>Find &amp;next</source>
        <translation>查找下一个(&amp;N)</translation>
    </message>
    <message>
        <source>Find &amp;previous</source>
        <translation>查找上一个(&amp;P)</translation>
    </message>
    <message>
        <source>Next conversation</source>
        <translation>下一个对话</translation>
    </message>
    <message>
        <source>Previous conversation</source>
        <translation>上一个对话</translation>
    </message>
    <message>
        <source>Conversation {number}</source>
        <translation>对话 {number}</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About {app}</source>
        <translation>关于 {app}(&amp;A)</translation>
    </message>
    <message>
        <source>Open &amp;log folder</source>
        <translation>打开日志文件夹(&amp;L)</translation>
    </message>
</context>
<context>
    <name>_Browser</name>
    <message>
        <source>Copy conversation as Markdown</source>
        <translation>将对话复制为 Markdown</translation>
    </message>
</context>
</TS>
