"""Authoring: what `nnlab build` generates from solutions/ (stubs, public checks, notebooks).

The package itself imports nothing: the graders import `public_case` on every grading, and
`exercises` pulls in jupytext and nbformat, whose schema validator takes about a second to
import. `from nnlab.authoring.exercises import build_exercises` where a build is wanted.
"""
