"""The one pass/fail ledger of the Python checks (tests/cli, tests/io): each check prints one line, ok or FAIL with
why, and the script's exit status says whether any failed. Import it with
`sys.path.insert(0, <repo>/tests/support)`."""

_failed = 0


def check(name, ok, detail=""):
    """One line per check; the detail is printed only when the check fails (it says why)."""
    global _failed
    print(("ok   " if ok else "FAIL ") + name + (f"  ({detail})" if detail and not ok else ""))
    _failed += not ok


def failed():
    return _failed


def finish(label):
    """The summary line and the exit status of the script: 0 when every check passed, 1 otherwise."""
    print(f"{label}:", "PASS" if _failed == 0 else "FAIL")
    return 1 if _failed else 0
