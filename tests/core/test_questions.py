"""Predict before you reveal: a level's question, from the file to the saved score."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from klgame.core import actions as A
from klgame.core.replay import read_replay, write_replay
from klgame.core.rules import answer_correct, apply, apply_all, new_game
from klgame.core.session import Session
from klgame.levels.errors import LevelError
from klgame.levels.loader import load_catalog, load_level_text
from klgame.store import open_store

LEVEL = """\
id: quiz
title: Quiz
lesson: A level with a question.
intro: Match the hidden curve.
reveal: Well done.
target:
  family: gaussian
  mean: 1
  variance: 2
guess:
  family: gaussian
direction: reverse
question:
  ask: "How low can KL go?"
  choices:
    a: "Zero"
    b: "Above zero"
  answer: a
  explain: "q can be p."
"""


def test_a_question_is_read_in_file_order() -> None:
    question = load_level_text(LEVEL).question
    assert question is not None
    assert question.ask == "How low can KL go?"
    assert question.choices == (("a", "Zero"), ("b", "Above zero"))
    assert (question.answer, question.explain) == ("a", "q can be p.")
    assert load_level_text(LEVEL.split("question:")[0]).question is None


def test_every_problem_of_a_question_is_named_with_its_line() -> None:
    broken = LEVEL.replace('    a: "Zero"', '    A: "Zero"\n    b: ""').replace(
        "  answer: a", "  answer: z\n  hint: no"
    )
    with pytest.raises(LevelError) as caught:
        load_level_text(broken, "quiz.yaml")
    text = str(caught.value)
    assert "quiz.yaml:16:5: question.choices: choice keys are the letters a, b, c, d, e, f" in text
    assert "quiz.yaml:17:" in text and "question.choices.b: must not be empty" in text
    assert "quiz.yaml:20:3: question.hint: unknown field" in text
    one = LEVEL.replace('    b: "Above zero"\n', "")
    with pytest.raises(LevelError, match=r"question.choices: needs at least 2 choices, got 1"):
        load_level_text(one)
    wrong = LEVEL.replace("  answer: a", "  answer: c")
    with pytest.raises(LevelError, match=r"question.answer: unknown value 'c'"):
        load_level_text(wrong)


def test_answering_is_a_pure_rule_before_the_reveal_only() -> None:
    level = load_level_text(LEVEL)
    state = new_game(level, 1)
    assert answer_correct(state) is None
    state = apply(state, A.Answer(choice="b"))
    assert state.answer == "b" and answer_correct(state) is False
    state = apply(state, A.Answer(choice="x"))
    assert state.answer == "b" and "No answer 'x'" in state.message
    state = apply(state, A.Answer(choice="a"))  # a change of mind, before the reveal
    state = apply(state, A.Reveal())
    assert answer_correct(state) is True
    after = apply(state, A.Answer(choice="b"))
    assert after.answer == "a" and "before the reveal" in after.message
    assert apply(state, A.Restart()).answer is None  # a new attempt asks again
    plain = new_game(load_level_text(LEVEL.split("question:")[0]), 1)
    assert "asks no question" in apply(plain, A.Answer(choice="a")).message
    # the points are the fit's alone
    unanswered = apply(new_game(level, 1), A.Reveal())
    assert unanswered.score == state.score


def test_the_answer_is_in_the_replay_and_the_saved_score(tmp_path: Path) -> None:
    level = load_level_text(LEVEL)
    with open_store(tmp_path / "scores.sqlite3") as store:
        session = Session(level, 3, "ann", store=store, replays_dir=tmp_path)
        session.act(A.Nudge(sign=1))
        session.act(A.Answer(choice="b"))
        session.act(A.Reveal())
        saved = store.best("ann", "quiz")
    assert saved is not None and (saved.answer, saved.answer_correct) == ("b", False)
    assert saved.replay_path is not None
    lines = Path(saved.replay_path).read_text().splitlines()
    assert {"action": "answer", "choice": "b"}.items() <= json.loads(lines[2]).items()
    replay = read_replay(saved.replay_path)
    replayed = apply_all(new_game(level, replay.header.seed), replay.actions)
    assert replayed.answer == "b" and replayed.score is not None
    assert replayed.score.points == saved.points
    again = tmp_path / "again.jsonl"
    write_replay(again, replay.header, replay.actions)
    assert read_replay(again).actions == replay.actions


def test_a_bad_answer_line_is_refused() -> None:
    with pytest.raises(A.ActionError, match="choice must be one letter"):
        A.action_from_json({"action": "answer", "choice": "ab"})
    assert A.action_from_json({"action": "answer", "choice": "c", "t": 1}) == A.Answer(
        t=1.0, choice="c"
    )


def test_built_in_questions_have_the_right_answer() -> None:
    """Checked against the maths, not the code: a forward-KL Gaussian fit
    matches p's mean and variance (moment matching)."""
    from klgame.levels.solve import best_fit

    catalog = load_catalog([])
    forward = catalog.get("two-peaks-forward")
    assert forward.question is not None
    assert "mean" in forward.question.text_of(forward.question.answer)
    for seed in (1, 2, 3):
        state = new_game(forward, seed)
        target = state.target
        weights, means = list(target.weights), list(target.means)  # type: ignore[attr-defined]
        mean = sum(w * m for w, m in zip(weights, means, strict=True)) / sum(weights)
        values = best_fit(forward, target).values
        assert values["mean"] == pytest.approx(mean, abs=1e-6)
        variances = list(target.variances)  # type: ignore[attr-defined]
        second = sum(w * (v + m * m) for w, v, m in zip(weights, variances, means, strict=True))
        assert values["variance"] == pytest.approx(second / sum(weights) - mean**2, rel=1e-6)
