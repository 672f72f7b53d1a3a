"""The desktop platform: paste, focus, dock, hotkey bridge, tray, scripts watcher."""
