"""A guarded child's handler for tests of :func:`transforms.guarded_process.note`: it
notes each step it enters; ``slow`` at step ``b`` sleeps past any short timeout."""
from __future__ import annotations

import os
import time

from transforms.guarded_process import note


def stepper():
    def handle(slow_step: str):
        for step in ("a", "b", "c"):
            note(f"step-{step}")
            if step == slow_step:
                time.sleep(30)
        return "done"

    return handle


def crasher():
    """``"die"``: the child dies (os._exit) in every call; ``"die-once:PATH"``: only when PATH
    does not exist yet (it is created first), so a retry in a fresh child succeeds."""
    def handle(how: str):
        if how == "die":
            os._exit(3)
        if how.startswith("die-once:"):
            path = how.split(":", 1)[1]
            if not os.path.exists(path):
                open(path, "w").close()
                os._exit(3)
        return "done"

    return handle
