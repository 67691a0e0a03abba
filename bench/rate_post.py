#!/usr/bin/env python3
"""A rate-limited POST client: RATE requests per second, steady, for
SECONDS, over CONNS keep-alive connections (one thread each, at most one
request in flight per connection).

Request i is due at start + i/RATE and goes to connection i % CONNS, so the
sending is spread evenly; a connection that falls behind sends its next
request at once (it catches up, the total is never reduced). Every answer
is read whole and its status checked.

    rate_post.py URL BODY_FILE RATE SECONDS CONNS EXPECTED_STATUS

Prints one line, e.g.

    sent=2000 ok=2000 bad=0 errors=0 seconds=10.003 rate=199.9 late_p99_ms=0.4 late_max_ms=3.1

where rate is the number of answered requests divided by the time from the
first due time to the last answer, and late_* is how long after its due
time a request actually left. Exits 1 when a request failed or an answer
had another status.
"""

import http.client
import sys
import threading
import time
import urllib.parse


def main():
    url, body_file, rate, seconds, conns, expected = sys.argv[1:7]
    rate, seconds, conns, expected = (float(rate), float(seconds),
                                      int(conns), int(expected))
    u = urllib.parse.urlsplit(url)
    if u.hostname != "127.0.0.1":
        sys.exit("rate_post: only 127.0.0.1 is allowed")
    path = u.path + ("?" + u.query if u.query else "")
    with open(body_file, "rb") as f:
        body = f.read()
    headers = {"Content-Type": "application/json",
               "Content-Length": str(len(body))}

    total = int(round(rate * seconds))
    lock = threading.Lock()
    stats = {"ok": 0, "bad": 0, "errors": 0, "last": 0.0, "late": [],
             "statuses": {}}
    start = time.monotonic() + 0.2  # every connection is open by then

    def worker(k):
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        c.connect()
        late = []
        ok = bad = errors = 0
        statuses = {}
        for i in range(k, total, conns):
            due = start + i / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            sent = time.monotonic()
            late.append(sent - due)
            try:
                c.request("POST", path, body, headers)
                r = c.getresponse()
                r.read()
                if r.status == expected:
                    ok += 1
                else:
                    bad += 1
                    statuses[r.status] = statuses.get(r.status, 0) + 1
            except (OSError, http.client.HTTPException):
                errors += 1
                c.close()
                c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        done = time.monotonic()
        c.close()
        with lock:
            stats["ok"] += ok
            stats["bad"] += bad
            stats["errors"] += errors
            stats["late"].extend(late)
            stats["last"] = max(stats["last"], done)
            for s, n in statuses.items():
                stats["statuses"][s] = stats["statuses"].get(s, 0) + n

    threads = [threading.Thread(target=worker, args=(k,))
               for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    elapsed = stats["last"] - start
    late = sorted(stats["late"]) or [0.0]
    p99 = late[min(len(late) - 1, int(len(late) * 0.99))]
    answered = stats["ok"] + stats["bad"]
    print("sent=%d ok=%d bad=%d errors=%d seconds=%.3f rate=%.1f "
          "late_p99_ms=%.1f late_max_ms=%.1f%s"
          % (total, stats["ok"], stats["bad"], stats["errors"], elapsed,
             answered / elapsed if elapsed > 0 else 0.0, p99 * 1000,
             late[-1] * 1000,
             "".join(" status_%d=%d" % kv
                     for kv in sorted(stats["statuses"].items()))))
    sys.exit(1 if stats["bad"] or stats["errors"] else 0)


if __name__ == "__main__":
    main()
