"""Grading: the harness a submission runs in, its sandbox, and the grader that compares answers."""
