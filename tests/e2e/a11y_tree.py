"""Print the accessibility tree of one running application as JSON lines (run by the system's python3,
which has pyatspi; the tests' own Python does not): python3 a11y_tree.py APPLICATION-NAME.

Each line: {"role", "name", "x", "y", "w", "h", "states": [...], "depth"} in desktop coordinates."""

import json
import sys

import pyatspi


def walk(node, depth, out):
    try:
        ext = node.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
        box = (ext.x, ext.y, ext.width, ext.height)
    except Exception:  # noqa: BLE001 - not every node has a component
        box = (0, 0, 0, 0)
    states = [pyatspi.stateToString(s) for s in node.getState().getStates()]
    out.append(
        {
            "role": node.getRoleName(),
            "name": node.name or "",
            "x": box[0],
            "y": box[1],
            "w": box[2],
            "h": box[3],
            "states": states,
            "depth": depth,
        }
    )
    for i in range(node.childCount):
        child = node.getChildAtIndex(i)
        if child is not None:
            walk(child, depth + 1, out)


def main() -> int:
    wanted = sys.argv[1]
    out = []
    for app in pyatspi.Registry.getDesktop(0):
        if app is not None and app.name == wanted:
            walk(app, 0, out)
    for node in out:
        print(json.dumps(node, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
