"""Side effects at the edges: clock, clock watch, speech, hotkeys, queue, environment, lead PIN."""
