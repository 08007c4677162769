"""The master seed never leaves the trusted parent: what grading elsewhere gets is derived.

Unit properties of nnlab.seeds, and a real Dask cluster (dask.distributed LocalCluster,
processes) whose workers were started without the secret seed in their environment: it grades
exactly like the local run, because the client hands each task its learner's seeds; a task
handed none is refused in one line.
"""

from __future__ import annotations

import json
import os

import pytest

from nnlab.course import DEVELOPMENT_SEED
from nnlab.grading.batch import grade_batch, grade_task
from nnlab.intake import Entry, load
from nnlab.seeds import LearnerSeeds, ModuleKeys, SeedError, fingerprint, master_key
from tests.support import ROOT

FUNCTIONS = {"activations.relu", "activations.sigmoid"}
SECRET = "dask-test-secret-31f0"
# A wrong relu that prints what it was given: its feedback shows the learner's hidden inputs.
PRINTS_ITS_INPUTS = '''
import numpy as np


def relu(x):
    print("inputs sum to", repr(float(np.sum(x))))
    return np.asarray(x) * 0 - 1


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x)))
'''


def test_derived_seeds_are_per_learner_per_module_and_give_nothing_back():
    master = master_key("s3cret")
    keys = ModuleKeys.from_master(master, ["activations", "losses"], development=False)
    ada, ben = keys.for_learner("ada"), keys.for_learner("ben")
    assert ada.keys["activations"] != ben.keys["activations"] != keys.keys["activations"]
    assert ada.keys["activations"] != ada.keys["losses"]
    assert ada.generator_seed("activations", "t1") != ada.generator_seed("activations", "t2")
    assert keys.for_learner("ada").keys == ada.keys  # stable
    a1 = ModuleKeys.from_master(master, ["activations"], development=False)
    assert a1.for_learner("ada").keys["activations"] == ada.keys["activations"]  # a bundle's keys
    assert "losses" not in a1.keys
    for text in (keys.to_json(), ada.to_json(), json.dumps(ada.record())):
        assert "s3cret" not in text and master.hex() not in text
    assert LearnerSeeds.from_json(ada.to_json()) == ada
    assert ModuleKeys.from_json(keys.to_json()) == keys
    assert fingerprint(master) != fingerprint(master_key(DEVELOPMENT_SEED))
    with pytest.raises(SeedError, match="not 'ben'"):
        ada.check_for("ben", ["activations"])
    with pytest.raises(SeedError, match="no learner seed for conv"):
        ada.check_for("ada", ["conv"])


def make_class(folder):
    for learner, text in (("ada", (ROOT / "solutions" / "activations.py").read_text()),
                          ("ben", PRINTS_ITS_INPUTS), ("cy", PRINTS_ITS_INPUTS)):
        (folder / learner).mkdir(parents=True)
        (folder / learner / "activations.py").write_text(text)
    return folder


def outputs(results):
    return {r.learner: [(t.name, t.score, t.outcome, t.output, t.printed) for t in r.tests] for r in results}


def test_a_dask_cluster_without_the_seed_grades_exactly_like_the_local_run(tmp_path, course,
                                                                           monkeypatch):
    distributed = pytest.importorskip("distributed", reason="Dask is the optional extra nnlab[dask]")
    klass = make_class(tmp_path / "class")
    monkeypatch.delenv("NNLAB_SECRET_SEED", raising=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        monkeypatch.setenv("NNLAB_SECRET_SEED", SECRET)  # the client has it; its workers do not
        seen = client.run(lambda: os.environ.get("NNLAB_SECRET_SEED"))
        assert len(seen) == 2 and set(seen.values()) == {None}
        local = grade_batch([klass], course, tmp_path / "local", jobs=1, functions=FUNCTIONS)
        remote = grade_batch([klass], course, tmp_path / "dask", scheduler=client, functions=FUNCTIONS)
        ben = load(Entry("ben", klass / "ben", "folder"), course.modules)
        refused = client.submit(grade_task, ben, course, None, FUNCTIONS, None, pure=False).result()
    assert outputs(remote) == outputs(local)
    assert (tmp_path / "dask" / "grades.csv").read_bytes() == (tmp_path / "local" / "grades.csv").read_bytes()
    scores = {r.learner: (r.score, r.max_score) for r in local}
    assert scores["ada"][0] == scores["ada"][1] > 0 and 0 < scores["ben"][0] < scores["ben"][1]
    for result in remote:
        assert result.seed == {"fingerprint": course.seed_fingerprint(), "source": "secret"}
        saved = json.loads((tmp_path / "dask" / result.learner / "results.json").read_text())
        assert saved["extra_data"]["seed"]["fingerprint"] == course.seed_fingerprint()
        assert SECRET not in json.dumps(saved)
    # The hidden inputs are the learner's own, and the seed's: ben's and cy's differ, and the
    # development seed (what a worker's environment gave before) draws others.
    printed = {r.learner: [t.printed for t in r.tests if "inputs sum to" in t.printed] for r in local}
    assert printed["ben"] and printed["ben"] != printed["cy"]
    monkeypatch.delenv("NNLAB_SECRET_SEED")
    development = grade_batch([klass / "ben"], course, tmp_path / "dev", functions=FUNCTIONS)
    assert development[0].seed["source"] == "development (published)"
    assert [t.printed for t in development[0].tests if "inputs sum to" in t.printed] != printed["ben"]
    assert refused.status == "regrade" and not refused.tests
    assert refused.fault.startswith("refused: this Dask task carries no learner seeds")


@pytest.mark.skipif(os.geteuid() != 0, reason="the rlimits wall check runs as root")
def test_a_dask_task_on_a_worker_that_cannot_hide_the_course_is_refused(tmp_path, course, monkeypatch):
    """What each Dask task runs first on its worker: at the rlimits level this checkout (mode
    755) is readable by learner code, so the task is refused in one line, never scored."""
    from nnlab.sandbox import levels

    assert levels.reachable(str(ROOT / "graders" / "test_activations.py"))
    klass = make_class(tmp_path / "class")
    ben = load(Entry("ben", klass / "ben", "folder"), course.modules)
    seeds = course.learner_seeds("ben", ["activations"], warn=False)
    monkeypatch.setenv(levels.FORCE_ENV, "rlimits")
    refused = grade_task(ben, course, None, FUNCTIONS, seeds)
    assert refused.status == "regrade" and not refused.tests
    assert refused.fault.startswith("refused on this Dask worker: learner code")
    assert "chmod 700" in refused.fault and "\n" not in refused.fault


def _environment_of_this_process():
    with open("/proc/self/environ", "rb") as handle:
        return os.environ.get("NNLAB_SECRET_SEED"), SECRET.encode() in handle.read()


def test_pool_processes_start_without_the_secret_seed(monkeypatch):
    """How grade_batch starts its pool: processes spawned while the seed is set aside hold it
    nowhere, not even in /proc/<pid>/environ; the parent keeps it."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from nnlab.grading.batch import without_variable

    monkeypatch.setenv("NNLAB_SECRET_SEED", SECRET)
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        with without_variable("NNLAB_SECRET_SEED"):
            futures = [pool.submit(_environment_of_this_process) for _ in range(4)]
        assert os.environ["NNLAB_SECRET_SEED"] == SECRET
        assert [f.result() for f in futures] == [(None, False)] * 4
