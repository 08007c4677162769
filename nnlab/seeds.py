"""The secret seed and the keys derived from it: the master seed never leaves the trusted parent.

The master seed (the text in the environment variable course.yml's `secret_seed_env` names) is
read in one place, `Course.module_keys`, in the process that starts grading. Everything that
grading needs further out is derived from it with HMAC-SHA256, one way:

    module key   = HMAC(sha256(master), "module\\0" + module)      one per learner module
    learner seed = HMAC(module key, "learner\\0" + learner id)     one per learner and module

A hidden test's generator is seeded from the learner seed of its grader's module and the test's
id. So a Dask task, a pool process or a notebook kernel receives `LearnerSeeds` (one learner's
seeds for the modules it grades, nothing else), and a Gradescope bundle receives `ModuleKeys`
for its own assignment's modules (the learner is known only in the container). Neither gives
back the master seed, another assignment's cases or another learner's (HMAC is one-way); the
same learner draws the same hidden cases wherever they are graded.

The fingerprint (a hash of the master seed under its own label) says in results.json which seed
a result was graded with, without giving it away.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field

FINGERPRINT_LABEL = b"nnlab seed fingerprint\0"


class SeedError(Exception):
    """What grading needs of the secret is missing or is not for this learner; one line."""


def master_key(text: str) -> bytes:
    """The master seed's text as 32 bytes (the only form the parent keeps)."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def fingerprint(master: bytes) -> str:
    """A short name for a master seed that cannot give it back: 16 hex digits."""
    return hashlib.sha256(FINGERPRINT_LABEL + master).hexdigest()[:16]


def _hmac(key: bytes, label: str, name: str) -> bytes:
    return hmac.new(key, f"{label}\0{name}".encode("utf-8"), hashlib.sha256).digest()


@dataclass(frozen=True)
class LearnerSeeds:
    """One learner's seeds: what grading that learner needs of the secret, and no more.

    `keys` maps a module to its 32-byte learner seed; `fingerprint` names the master seed they
    came from; `development` is True when that was the published development seed."""

    learner: str
    keys: dict[str, bytes] = field(default_factory=dict)
    fingerprint: str = ""
    development: bool = False

    def generator_seed(self, module: str, test_id: str) -> list[int]:
        """Seed material for numpy.random.default_rng in one hidden test of `module`."""
        if module not in self.keys:
            raise SeedError(f"no learner seed for module {module!r} (this grading was handed seeds "
                            f"for {', '.join(sorted(self.keys)) or 'no module'})")
        digest = hmac.new(self.keys[module], f"test\0{test_id}".encode("utf-8"), hashlib.sha256).digest()
        return [int.from_bytes(digest[i:i + 8], "big") for i in range(0, 32, 8)]

    def check_for(self, learner: str, modules: list[str]) -> None:
        """Raise SeedError unless these seeds grade `learner` in every one of `modules`."""
        if self.learner != learner:
            raise SeedError(f"the learner seeds handed in are for {self.learner!r}, not {learner!r}")
        missing = [m for m in modules if m not in self.keys]
        if missing:
            raise SeedError(f"no learner seed for {', '.join(missing)} of {learner!r}")

    def record(self) -> dict:
        """What results.json says about the seed (`extra_data.seed`)."""
        return {"fingerprint": self.fingerprint,
                "source": "development (published)" if self.development else "secret"}

    def to_json(self) -> str:
        return json.dumps({"learner": self.learner, "fingerprint": self.fingerprint,
                           "development": self.development,
                           "keys": {m: k.hex() for m, k in sorted(self.keys.items())}})

    @classmethod
    def from_json(cls, text: str) -> "LearnerSeeds":
        try:
            data = json.loads(text)
            return cls(learner=str(data["learner"]), fingerprint=str(data["fingerprint"]),
                       development=bool(data["development"]),
                       keys={str(m): bytes.fromhex(k) for m, k in data["keys"].items()})
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise SeedError(f"learner seeds are not readable ({type(error).__name__}: {error})") from None


@dataclass(frozen=True)
class ModuleKeys:
    """One key per module (a Gradescope bundle holds its assignment's): enough to derive any
    learner's seeds for those modules, nothing of the master seed or of other modules."""

    keys: dict[str, bytes] = field(default_factory=dict)
    fingerprint: str = ""
    development: bool = False

    @classmethod
    def from_master(cls, master: bytes, modules: list[str], development: bool) -> "ModuleKeys":
        return cls({m: _hmac(master, "module", m) for m in modules}, fingerprint(master), development)

    def for_learner(self, learner: str, modules: list[str] | None = None) -> LearnerSeeds:
        """The learner seeds of `learner` for `modules` (all of these keys' modules by default)."""
        wanted = list(self.keys) if modules is None else [m for m in modules if m in self.keys]
        return LearnerSeeds(learner, {m: _hmac(self.keys[m], "learner", learner) for m in wanted},
                            self.fingerprint, self.development)

    def to_json(self) -> str:
        return json.dumps({"fingerprint": self.fingerprint, "development": self.development,
                           "keys": {m: k.hex() for m, k in sorted(self.keys.items())}}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "ModuleKeys":
        try:
            data = json.loads(text)
            return cls({str(m): bytes.fromhex(k) for m, k in data["keys"].items()},
                       str(data["fingerprint"]), bool(data["development"]))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise SeedError(f"module keys are not readable ({type(error).__name__}: {error})") from None
