"""The local API: programs drive the same long-lived conversations as the window, over HTTP on loopback.

A second view over the workspace's open conversations (`conversation.open_conversations`): it sends through
their controllers and follows their models, never the gemini clients themselves. Imports conversation, engine
and store, never ui (and ui never imports it).
"""
