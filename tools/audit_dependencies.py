"""`make lint`'s dependency audit: pip-audit over the virtual environment, tolerant of having no network.

pip-audit needs a vulnerability service (PyPI's JSON API or OSV). Where it cannot reach one, or the package index
it reaches answers for none of the packages (a mirror without the JSON API), there is nothing to audit against:
this says so and succeeds, rather than failing every offline lint. Any vulnerability found fails, and so does a
package it could audit alongside one it could not (that is a real gap, not a missing network)."""

from __future__ import annotations

import json
import subprocess  # pip-audit, with fixed arguments # nosec B404
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def main() -> int:
    result = subprocess.run(  # noqa: S603 # nosec B603
        [str(PIP_AUDIT), "--skip-editable", "--progress-spinner", "off", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"pip-audit: skipped, the vulnerability service could not be reached ({last[:200]})")
        return 0
    packages = report.get("dependencies", [])
    audited = [p for p in packages if "skip_reason" not in p]
    vulnerable = [p for p in audited if p.get("vulns")]
    for package in vulnerable:
        ids = ", ".join(v["id"] for v in package["vulns"])
        print(f"pip-audit: {package['name']} {package['version']}: {ids}")
    if vulnerable:
        return 1
    if not audited:
        print(f"pip-audit: skipped, the package index answered for none of the {len(packages)} packages (offline?)")
        return 0
    skipped = [p["name"] for p in packages if "skip_reason" in p]
    if skipped:
        print(f"pip-audit: {len(skipped)} packages could not be audited: {', '.join(skipped)}")
        return 1
    print(f"pip-audit: no known vulnerabilities in {len(audited)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
