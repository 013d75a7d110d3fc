#!/usr/bin/env python3
"""Prints what each Ansible task of a run cost, from the JUnit files of
Ansible's junit callback (ANSIBLE_CALLBACKS_ENABLED=junit,
JUNIT_OUTPUT_DIR=DIR): per task, in the order run, the hosts it ran on,
the longest host's seconds (the task's wall time: the hosts run side by
side) and the sum over hosts (the workers' seconds). A figure, not a check.

Usage: scripts/task-costs.py DIR
"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    tasks = {}  # (file:line, name) -> [hosts, max, sum]
    for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.xml")), key=os.path.getmtime):
        for case in ET.parse(path).getroot().iter("testcase"):
            m = re.match(r"\[([^\]]+)\] [^:]*: (.*)$", case.get("name", ""))
            if not m or m.group(1) == "include":
                continue
            where = case.get("classname", "")
            where = where[where.find("ansible/") + len("ansible/"):] if "ansible/" in where else where
            name = m.group(2)
            # The task's arguments follow its name; keep the name.
            name = re.split(r" [a-z_]+=", name)[0][:60]
            t = tasks.setdefault((where, name), [0, 0.0, 0.0])
            secs = float(case.get("time", 0))
            t[0] += 1
            t[1] = max(t[1], secs)
            t[2] += secs
    print("%-34s %-60s %5s %7s %7s" % ("task (file:line)", "name", "hosts", "wall s", "sum s"))
    wall = total = 0.0
    for (where, name), (hosts, mx, sm) in tasks.items():
        print("%-34s %-60s %5d %7.2f %7.2f" % (where[:34], name, hosts, mx, sm))
        wall += mx
        total += sm
    print("%-34s %-60s %5s %7.2f %7.2f" % ("all tasks", "", "", wall, total))


if __name__ == "__main__":
    main()
