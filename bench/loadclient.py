"""A small HTTP load client for the drills: logged-in sessions, concurrent threads, per-page statistics.

Standard library only, so a drill measures the server and not a client library.
"""

import http.cookiejar
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field


def logged_in_opener(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    """An opener carrying a session cookie, logged in through the login form (with its CSRF token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    request = urllib.request.Request(f"{base}/accounts/login/", data=body.encode(),
                                     headers={"Referer": f"{base}/accounts/login/"})
    opener.open(request, timeout=30).read()
    if not any(cookie.name == "sessionid" for cookie in jar):
        raise RuntimeError(f"could not log in as {username}")
    return opener


@dataclass
class Sample:
    at: float  # seconds since the run started
    page: str
    status: int  # HTTP status, or 0 for a connection error or timeout
    ms: float


@dataclass
class LoadRun:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hammer(self, opener: urllib.request.OpenerDirector, base: str, pages: list[str], stop: threading.Event,
               started: float, offset: int = 0) -> None:
        """Request the pages round-robin until `stop`, recording every answer."""
        index = offset
        while not stop.is_set():
            page = pages[index % len(pages)]
            index += 1
            begin = time.perf_counter()
            try:
                with opener.open(base + page, timeout=30) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as error:
                error.read()
                status = error.code
            except (urllib.error.URLError, OSError, TimeoutError):
                status = 0
            sample = Sample(time.monotonic() - started, page, status, (time.perf_counter() - begin) * 1000)
            with self.lock:
                self.samples.append(sample)

    def run(self, openers: list[urllib.request.OpenerDirector], base: str, pages: list[str], seconds: float,
            during: list[tuple[float, object]] | None = None) -> float:
        """Run one thread per opener for `seconds`; `during` holds (second, callable) events. Returns the start."""
        stop = threading.Event()
        started = time.monotonic()
        threads = [threading.Thread(target=self.hammer, args=(o, base, pages, stop, started, i), daemon=True)
                   for i, o in enumerate(openers)]
        for thread in threads:
            thread.start()
        for at, action in sorted(during or [], key=lambda event: event[0]):
            time.sleep(max(0.0, at - (time.monotonic() - started)))
            action()
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
        stop.set()
        for thread in threads:
            thread.join(60)
        return started

    def per_page(self) -> dict[str, dict[str, object]]:
        report: dict[str, dict[str, object]] = {}
        for page in sorted({s.page for s in self.samples}):
            mine = [s for s in self.samples if s.page == page]
            timings = sorted(s.ms for s in mine if s.status == 200)
            statuses: dict[str, int] = {}
            for s in mine:
                statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
            report[page] = {
                "requests": len(mine), "statuses": statuses,
                "p50_ms": round(statistics.median(timings), 1) if timings else None,
                "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1) if timings else None,
            }
        return report
