"""docs/lesson.md: every Python block runs, in order, and draws its figures."""

from __future__ import annotations

import re
from pathlib import Path

LESSON = Path(__file__).resolve().parents[1] / "docs" / "lesson.md"


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_lesson_blocks_run_and_draw_their_figures(tmp_path, monkeypatch):
    text = LESSON.read_text(encoding="utf-8")
    blocks = code_blocks(text)
    assert len(blocks) == 4  # setup and the three questions
    monkeypatch.setenv("LESSON_FIGURES", str(tmp_path))
    monkeypatch.chdir(LESSON.parents[1])
    namespace: dict = {"__name__": "lesson"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{LESSON.name} block {i}", "exec"), namespace)
    drawn = sorted(p.name for p in tmp_path.glob("*.png"))
    shown = sorted(Path(m).name for m in re.findall(r"\]\((figures/lesson_[^)]+\.png)\)", text))
    assert drawn == shown
    assert all((LESSON.parent / "figures" / name).exists() for name in shown)
