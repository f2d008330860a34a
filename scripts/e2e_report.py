"""What the Python end-to-end drivers share (scripts/e2e_boto3.py,
scripts/e2e_encryption_sdk.py): the check counter — one "ok - " / "not ok - " line per check,
details as "#" lines, and the "N passed, M failed" summary that scripts/lib/cluster.sh's
e2e_driver reads — and the health probe they end with."""

import traceback
import urllib.request


class StepFailed(Exception):
    """A check the rest of the phase depends on failed; the phase stops here."""


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, label, *details):
        if cond:
            self.passed += 1
            print(f"ok - {label}", flush=True)
        else:
            self.failed += 1
            print(f"not ok - {label}", flush=True)
            for d in details:
                for line in str(d).splitlines():
                    print(f"#   {line}", flush=True)
        return bool(cond)

    def eq(self, label, got, want):
        return self.check(got == want, label, f"want {want!r}", f"got  {got!r}")

    def must(self, cond, label, *details):
        """A check the rest of the phase depends on: failing it ends the phase."""
        if not self.check(cond, label, *details):
            raise StepFailed(label)

    def run(self, name, fn, *args):
        """Runs one phase; an unexpected exception fails it, and the next phase still runs."""
        try:
            fn(*args)
        except StepFailed:
            pass
        except Exception:  # noqa: BLE001 - anything unexpected is a failure, with its trace
            self.check(False, f"{name}: ran to the end", traceback.format_exc())

    def summary(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed else 0


def health(gateway):
    """The HTTP status of GET /_kmsim/health on `gateway`, or the error that prevented it."""
    try:
        with urllib.request.urlopen(f"{gateway}/_kmsim/health", timeout=5) as r:
            return r.status
    except Exception as e:  # noqa: BLE001
        return repr(e)
