#!/usr/bin/env python3
"""The alerts of bench/evidence, one at a time, and what their records say.

    evidence_run.py BASE N WARMUP DELAY_MS ONE_CALL_MS FAKE_LOG OLLAMA_LOG \
                    TARGET WORKER_PID

Posts WARMUP + N Alertmanager webhooks (KubePodCrashLooping, namespace
shop, a pod name of its own for each) to BASE/webhook; after each, waits
until GET BASE/analyses/<id> says "done" or "failed", then reads the
record and the lines that alert added to the fake API's access log
(FAKE_LOG: "$msec $request_time $status $request_uri", so a call was
received at msec - request_time and answered at msec) and to the fake
Ollama's (OLLAMA_LOG). The first WARMUP alerts are reported apart: they
open the connections the others reuse.

Prints the figures (min, median, p90, max) in ms and as multiples of
DELAY_MS and of ONE_CALL_MS (one call to the fake, measured with curl),
the timeline of the median pack, and a last line

    evidence: prompt-ready 2.2 x one call (target <= 2.5): MET

where the figure is the median of gathered_at - received_at over
DELAY_MS. Exits 1 only when an alert could not be analyzed at all.
"""

import datetime
import http.client
import json
import math
import os
import sys
import time
import urllib.parse


POLL = 0.05          # seconds between two reads of a record
TIMEOUT = 30.0       # seconds an analysis may take

# the sections a crash-looping pod's pack must have
EXPECTED = ["pod", "events", "warnings", "log", "previous log", "node",
            "ReplicaSet", "Deployment"]


def die(msg):
    sys.exit("evidence: FAIL: " + msg)


def iso_ms(s):
    """'2026-11-26T15:52:13.942Z' -> ms since the epoch"""
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
    t = t.replace(tzinfo=datetime.timezone.utc)
    return round(t.timestamp() * 1000)


def pct(values, p):
    """nearest rank: the smallest value with p % of the values <= it"""
    v = sorted(values)
    return v[max(0, math.ceil(p / 100.0 * len(v)) - 1)]


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2.0


class Client:
    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        if u.hostname != "127.0.0.1":
            die("only 127.0.0.1 is allowed")
        self.host, self.port = u.hostname, u.port
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=10)
            try:
                self.conn.request(method, path, body, headers or {})
                r = self.conn.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        return None


def webhook(pod):
    alert = {
        "status": "firing",
        "labels": {"alertname": "KubePodCrashLooping", "namespace": "shop",
                   "pod": pod, "container": "cart",
                   "severity": "critical"},
        "annotations": {"summary": "Pod is crash looping."},
        "startsAt": "2026-11-26T09:30:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": "bench-" + pod,
    }
    return json.dumps({
        "version": "4", "status": "firing", "receiver": "k8flex",
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093", "groupKey": "{}:{}",
        "alerts": [alert],
    }).encode()


def log_lines(path, offset):
    """the access log lines written since offset: (start, end, status,
    uri, the number of this request on its connection)"""
    out = []
    with open(path, "rb") as f:
        f.seek(offset)
        for line in f.read().decode().splitlines():
            msec, rt, status, nreq, uri = line.split(" ", 4)
            end = round(float(msec) * 1000)
            out.append((end - round(float(rt) * 1000), end, int(status), uri,
                        int(nreq)))
    return sorted(out)


def size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def analyze(client, i, fake_log, ollama_log):
    pod = "cart-7c9d8f6b5-r%04d" % i
    k0, o0 = size(fake_log), size(ollama_log)

    status, body = client.request("POST", "/webhook", webhook(pod),
                                  {"Content-Type": "application/json"})
    if status != 202:
        die("webhook answered %d: %s" % (status, body[:200]))
    aid = json.loads(body)["alerts"][0]["id"]

    end = time.time() + TIMEOUT
    while True:
        time.sleep(POLL)
        status, body = client.request("GET", "/analyses/" + aid)
        if status == 200:
            rec = json.loads(body)
            if rec["state"] in ("done", "failed"):
                break
        if time.time() > end:
            die("analysis %s not finished after %d s (HTTP %d: %s)"
                % (aid, TIMEOUT, status, body[:200]))

    if rec["state"] != "done":
        die("analysis %s %s: %s" % (aid, rec["state"], rec.get("error")))

    t = rec["timings"]
    ev = rec["evidence"]
    r = {
        "id": aid,
        "pod": pod,
        "category": rec.get("category"),
        "llm": rec.get("llm"),
        "received": iso_ms(rec["received_at"]),
        "claimed": iso_ms(t["claimed_at"]),
        "gathered": iso_ms(t["gathered_at"]),
        "gathering_ms": t["gathering_ms"],
        "calls": ev["calls"],
        "cached": ev["cached"],
        "failed": ev["failed"],
        "sections": [(s["request"], s["status"], s["ms"], s["cached"])
                     for s in ev["sections"]],
    }
    r["ready"] = r["gathered"] - r["received"]
    r["queued"] = r["claimed"] - r["received"]
    r["sum_ms"] = sum(s[2] for s in r["sections"])

    # nginx writes an access log line when the request is done; the LLM
    # call is over when the record says "done"
    r["fake"] = log_lines(fake_log, k0)
    r["ollama"] = log_lines(ollama_log, o0)

    r["rounds"], r["waits"] = rounds(r["fake"])
    return r


def rounds(calls):
    """How many calls had to wait for one another: a call that started
    after another one's answer may have waited for it (the pod's answer,
    when several ended together); its round is one more than that one's.
    Returns the number of rounds and, per call, the call it (may have)
    waited for."""
    depth, waits = [], []
    for k, (start, _, _, _, _) in enumerate(calls):
        before = [j for j in range(k) if calls[j][1] <= start]
        if before:
            j = max(before, key=lambda j: (calls[j][1],
                                           kind(calls[j][3]) == "pod"))
            depth.append(depth[j] + 1)
            waits.append(j)
        else:
            depth.append(1)
            waits.append(None)
    return (max(depth) if depth else 0), waits


def cpu(pid):
    """CPU time of a process, all its threads, in ms"""
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 \
        / os.sysconf("SC_CLK_TCK")


def short(uri):
    return uri.replace("/api/v1/namespaces/shop", "…") \
              .replace("/apis/apps/v1/namespaces/shop", "…apps")


def kind(uri):
    if "/log?" in uri:
        return "previous log" if "previous=true" in uri else "log"
    if "/events?" in uri:
        return "warnings" if "type%3DWarning" in uri else "events"
    for part, name in (("/pods/", "pod"), ("/nodes/", "node"),
                       ("/replicasets/", "ReplicaSet"),
                       ("/deployments/", "Deployment")):
        if part in uri:
            return name
    return "other"


def row(label, values, unit_ms=None):
    if unit_ms:
        vals = [v / unit_ms for v in values]
        return "%-48s %6.2f %6.2f %6.2f %6.2f" % (
            label, min(vals), median(vals), pct(vals, 90), max(vals))
    return "%-48s %6d %6.1f %6d %6d" % (
        label, min(values), median(values), pct(values, 90), max(values))


def main():
    base, n, warmup, delay, one_call, fake_log, ollama_log, target, \
        worker = sys.argv[1:10]
    n, warmup = int(n), int(warmup)
    delay, one_call, target = float(delay), float(one_call), float(target)

    client = Client(base)
    runs = []
    for i in range(warmup + n):
        if i == warmup:
            cpu0 = cpu(worker)
        runs.append(analyze(client, i, fake_log, ollama_log))
        # the previous analysis' last store write is behind us
        time.sleep(0.1)

    warm, runs = runs[:warmup], runs[warmup:]
    cpu1 = cpu(worker)

    for r in warm:
        print("warm-up alert (opens the connections to the fake): "
              "gathering %d ms, alert -> prompt ready %d ms, %d calls, "
              "%d rounds" % (r["gathering_ms"], r["ready"], r["calls"],
                             r["rounds"]))
    print()

    first = runs[0]
    print("%d alerts, one at a time: KubePodCrashLooping, pod "
          "shop/cart-7c9d8f6b5-rNNNN (a new name each), category %s"
          % (n, first["category"]))
    print()

    ready = [r["ready"] for r in runs]
    gath = [r["gathering_ms"] for r in runs]
    queued = [r["queued"] for r in runs]
    seq = [r["sum_ms"] for r in runs]

    print("%-48s %6s %6s %6s %6s" % ("ms", "min", "median", "p90", "max"))
    print(row("alert -> prompt ready (gathered_at - received_at)", ready))
    print(row("gathering_ms (claimed_at -> gathered_at)", gath))
    print(row("  of which before: alert -> claim", queued))
    print(row("sum of the calls' ms (a sequential gatherer)", seq))
    print()
    print("%-48s %6s %6s %6s %6s" % ("x one call", "min", "median", "p90",
                                     "max"))
    print(row("alert -> prompt ready / %g ms" % delay, ready, delay))
    print(row("alert -> prompt ready / %.1f ms measured" % one_call, ready,
              one_call))
    print(row("gathering_ms / %g ms" % delay, gath, delay))
    print(row("gathering_ms / %.1f ms measured" % one_call, gath, one_call))
    print(row("sequential: sum of the calls' ms / %g ms" % delay, seq,
              delay))
    print()

    # the pack: what was read, how often, from where
    calls = sorted(set(r["calls"] for r in runs))
    cached = sum(r["cached"] for r in runs)
    failed = sum(r["failed"] for r in runs)
    kinds = [kind(s[0]) for s in first["sections"]]
    missing = [name for name in EXPECTED if name not in kinds]
    print("Kubernetes calls per pack (evidence.calls): %s; cached %d, "
          "failed %d (all packs)" % ("/".join(map(str, calls)), cached,
                                     failed))
    print("  %s" % ", ".join(kinds))
    if missing:
        print("  WARNING: the pack has no %s" % ", ".join(missing))
    if cached:
        print("  WARNING: %d calls were answered from k8flex's cache" %
              cached)
    short_calls = [s[2] for r in runs for s in r["sections"]
                   if s[2] < delay]
    print("  every call took the fake's delay: %s (engine's ms per call: "
          "min %d, median %.1f, max %d)"
          % ("yes" if not short_calls else
             "NO, %d calls under %g ms" % (len(short_calls), delay),
             min(s[2] for r in runs for s in r["sections"]),
             median([s[2] for r in runs for s in r["sections"]]),
             max(s[2] for r in runs for s in r["sections"])))
    fake_calls = sorted(set(len(r["fake"]) for r in runs))
    new_conns = [sum(1 for c in r["fake"] if c[4] == 1) for r in runs]
    print("  calls the fake API saw per pack: %s; on a new connection: "
          "min %d, median %.1f, max %d (the others reused one)"
          % ("/".join(map(str, fake_calls)), min(new_conns),
             median(new_conns), max(new_conns)))
    nr = {}
    for r in runs:
        nr[r["rounds"]] = nr.get(r["rounds"], 0) + 1
    print("  rounds (from the fake's access log: calls that started only "
          "after an earlier answer): %s" %
          ", ".join("%d round%s in %d pack%s" % (k, "s" if k > 1 else "",
                                                  v, "s" if v > 1 else "")
                    for k, v in sorted(nr.items())))
    for r in runs:
        if r["rounds"] > 2:
            print("  %s: %d rounds:" % (r["id"], r["rounds"]))
            for k, (start, end, status, uri, _) in enumerate(r["fake"]):
                w = r["waits"][k]
                print("    %+5d -> %+5d  %s%s" % (
                    start - r["claimed"], end - r["claimed"], short(uri),
                    "" if w is None else
                    "  after %s" % short(r["fake"][w][3])))
    llm = sorted(set(str(r["llm"]) for r in runs))
    print("  llm: %s" % ", ".join(llm))
    print("  nginx worker under test, CPU time per alert: %.1f ms (all "
          "threads: the webhook and its spool write, the pack, 4 store "
          "writes, the fake LLM's answer, the script's reads of the record)"
          % ((cpu1 - cpu0) / n))
    print()

    # where the time goes, per pack, from the two clocks (same machine)
    parts = {"claim -> first request at the fake": [],
             "round 1: first request -> the pod's answer": [],
             "the pod's answer -> first round-2 request": [],
             "round 2: -> last answer": [],
             "last answer -> gathered_at": [],
             "gathered_at -> the Ollama request at its fake": []}
    for r in runs:
        f = r["fake"]
        pods = [c for c in f if kind(c[3]) == "pod"]
        r2 = [c for c, w in zip(f, r["waits"]) if w is not None]
        if r["rounds"] != 2 or len(pods) != 1 or not r2:
            continue
        p = list(parts.values())
        p[0].append(f[0][0] - r["claimed"])
        p[1].append(pods[0][1] - f[0][0])
        p[2].append(min(c[0] for c in r2) - pods[0][1])
        p[3].append(max(c[1] for c in f) - min(c[0] for c in r2))
        p[4].append(r["gathered"] - max(c[1] for c in f))
        if r["ollama"]:
            p[5].append(r["ollama"][0][0] - r["gathered"])
    if parts["claim -> first request at the fake"]:
        print("where the time goes, packs of 2 rounds (ms; the fake's "
              "access log and the record, same clock):")
        print("%-48s %6s %6s %6s %6s" % ("", "min", "median", "p90", "max"))
        for label, values in parts.items():
            if values:
                print(row(label, values))
        print()

    # the median pack, call by call
    m = sorted(runs, key=lambda r: r["ready"])[(len(runs) - 1) // 2]
    print("the median pack (%s), ms after the alert was received "
          "(received_at):" % m["id"])
    print("  %+5d  claimed" % (m["claimed"] - m["received"]))
    engine_ms = {}
    for s in m["sections"]:
        engine_ms[s[0][4:]] = s[2]
    for k, (start, end, status, uri, _) in enumerate(m["fake"]):
        w = m["waits"][k]
        print("  %+5d -> %+5d  %3d  %-70s fake %3d ms, engine %s ms%s" % (
            start - m["received"], end - m["received"], status, short(uri),
            end - start, engine_ms.get(uri, "?"),
            "" if w is None else
            "  (after the %s)" % kind(m["fake"][w][3])))
    print("  %+5d  gathered_at (prompt ready)" % (m["gathered"]
                                                  - m["received"]))
    for start, end, status, uri, _ in m["ollama"]:
        print("  %+5d -> %+5d  %3d  POST %s (fake Ollama)" % (
            start - m["received"], end - m["received"], status, uri))
    print()

    x = median(ready) / delay
    print("gathering alone (claim -> prompt ready): %.2f x one call "
          "(%.2f x the measured %.1f ms)"
          % (median(gath) / delay, median(gath) / one_call, one_call))
    print("evidence: prompt-ready %.2f x one call (target <= %g): %s"
          % (x, target, "MET" if x <= target else "MISSED"))


if __name__ == "__main__":
    main()
