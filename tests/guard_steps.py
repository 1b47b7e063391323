"""A guarded child's handler for tests of :func:`transforms.guarded_process.note`: it
notes each step it enters; ``slow`` at step ``b`` sleeps past any short timeout."""
from __future__ import annotations

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
