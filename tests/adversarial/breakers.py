"""Submissions that try to stop the whole batch, read the grader's environment or escape its caps.

Each returns a notebook built from the fixture's student notebook with :func:`cases.fill` and
:func:`cases.insert_after`; the test that grades them says what each must score.
"""

from __future__ import annotations

from adversarial.cases import HONEST, fill, insert_after

SECRET_ENV = "LIFECYCLE_GRADER_SECRET"

UNHASHABLE_NAME = 'months_by_plan = pd.Series([1.0], name=frozenset({"a"}))'

# Forged result lines: an int64 that overflows, and a 150-byte line asking for 3 GB.
FORGED_BIG = '''
import json, os
lines = [{"snap": "months_by_plan", "label": "months_by_plan", "cell": 5,
          "value": {"$array": {"dtype": "int64", "shape": [1], "data": [10**30]}}},
         {"snap": "long_stayers", "label": "long_stayers", "cell": 5,
          "value": {"$array": {"dtype": "S1000000000", "shape": [3], "data": ["a", "b", "c"]}}}]
data = "".join(json.dumps(m) + "\\n" for m in lines).encode()
for fd in range(3, 64):
    try:
        os.write(fd, data)
    except OSError:
        pass
'''

READ_ENVIRON = '''
import glob
texts = []
for path in sorted(set(["/proc/1/environ", *glob.glob("/proc/*/environ")])):
    try:
        texts.append(open(path, "rb").read().decode("utf-8", "replace").replace("\\0", " "))
    except OSError:
        pass
print(texts)
found = [t for t in texts if "SECRET" in t]
raise RuntimeError(f"read {len(texts)} environ files: {found or texts}")
'''

FILL_PLACE = '''
import os
path = os.path.join({place!r}, "filler")
try:
    with open(path, "wb") as handle:
        for _ in range({megabytes}):
            handle.write(b"x" * 2**20)
finally:
    try:
        os.remove(path)
    except OSError:
        pass
'''

FORK_HOARD = '''
import os, time
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        try:
            hoard = [b"x" * 2**20 for _ in range({megabytes})]
            time.sleep(60)
        finally:
            os._exit(0)
    children.append(pid)
time.sleep(60)
'''

FORK_MANY = '''
import os, time
for _ in range({count}):
    try:
        if os.fork() == 0:
            try:
                time.sleep(60)
            finally:
                os._exit(0)
    except OSError:
        break
time.sleep(60)
'''

# Host secrets and other students' work: /etc/shadow, root's and the grader's home, every hand-in.
READ_HOST = '''
import os
found = []
for path in ("/etc/shadow", "/etc/gshadow", "/root/.bash_history", "/root/.ssh"):
    try:
        if os.path.isdir(path):
            found.append((path, os.listdir(path)))
        else:
            found.append((path, open(path, "rb").read(64)))
    except OSError:
        pass
skip = ("/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc")
for root, dirs, files in os.walk("/"):
    if root.startswith(skip) or "site-packages" in root or ".venv" in root:
        dirs[:] = []
        continue
    found += [os.path.join(root, f) for f in files if f.endswith((".ipynb", ".csv")) and "neighbour" in f or f == "roster.csv"]
found.append(("uid", os.getuid(), os.geteuid()))
raise RuntimeError(f"host secrets: {found}")
'''

LOOP = "while True:\n    pass"


def breakers(student_nb: dict, disk_mb: int, hoard_mb: int, processes: int) -> dict:
    """Each case: ``{"nb": notebook, "expect": {qid: full_marks}, "status": {...}}``."""
    all_right = {q: True for q in HONEST}
    last_two = {"q98_1": True, "q98_2": True, "q98_3": False, "q98_4": False}
    cases = {}
    nb = fill(student_nb, {**HONEST, "q98_2": UNHASHABLE_NAME})
    cases["unhashable_name"] = {"nb": nb, "expect": {**all_right, "q98_2": False}, "status": {"q98_2": "invalid"}}
    nb = fill(student_nb, {**HONEST, "q98_2": "pass", "q98_3": "pass"})
    nb = insert_after(nb, "q98_4", FORGED_BIG)
    cases["forged_big"] = {"nb": nb, "expect": {**all_right, "q98_2": False, "q98_3": False},
                           "status": {"q98_2": "invalid", "q98_3": "invalid"}}
    cases["reads_environ"] = {"nb": insert_after(fill(student_nb, HONEST), "q98_4", READ_ENVIRON), "expect": all_right}
    cases["reads_host"] = {"nb": insert_after(fill(student_nb, HONEST), "q98_4", READ_HOST), "expect": all_right}
    nb = fill(student_nb, HONEST)
    for place in ("/", "/tmp", "/var/tmp", "/dev/shm"):
        nb = insert_after(nb, "q98_1", FILL_PLACE.format(place=place, megabytes=disk_mb + 4))
    cases["fills_disks"] = {"nb": nb, "expect": all_right}
    nb = insert_after(fill(student_nb, HONEST), "q98_2", FORK_HOARD.format(megabytes=hoard_mb))
    cases["fork_hoard"] = {"nb": nb, "expect": last_two, "status": {"q98_3": "crashed"}}
    nb = insert_after(fill(student_nb, HONEST), "q98_2", FORK_MANY.format(count=processes * 2))
    cases["fork_many"] = {"nb": nb, "expect": last_two, "status": {"q98_3": "crashed"}}
    return cases
