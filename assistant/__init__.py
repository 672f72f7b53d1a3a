"""窗口服务助手 — the Qt-free core: scripts, rules, the event store and the command line."""

__version__ = "0.1.0"
