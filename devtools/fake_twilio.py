"""A local stand-in for Twilio's Messages API, so the whole SMS flow runs for real on one machine
(tests, `make run`, the benchmark) without an account or a network.

It speaks the part of the REST API the official SDK uses for us: create a message (basic auth,
form parameters, Twilio-shaped JSON and error codes) and list messages to a number. After a
create it posts signed status callbacks (sent, then delivered; like Twilio, none for the first
status) to the message's StatusCallback, signed with the SDK's own RequestValidator scheme. It
counts what it received, so a test or benchmark can check nothing was lost or sent twice, and
it can be told to fail: answer 500 for the next N creates or for every create during the next
S seconds, hang (after or without recording: a slow provider, or a timeout), or refuse given
numbers as invalid (error 21211, a permanent failure).

    python -m devtools.fake_twilio --port 8025 [--inbound-url URL] [--no-callbacks]

Control endpoints (JSON, not part of Twilio): GET /_fake/stats, GET /_fake/messages,
POST /_fake/fail {"count": 3, "status": 500} or {"count": 1, "hang": 15, "record": true}
(or "seconds": 20 instead of "count": a fault window), POST /_fake/refuse {"numbers": ["+1602..."]},
POST /_fake/inbound {"from": "+1602...", "body": "C"} (posts a signed inbound text),
POST /_fake/reset.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import queue
import re
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import requests
from twilio.request_validator import RequestValidator

DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_AUTH_TOKEN = "fake-twilio-auth-token"  # nosec B105 - the local fake's own, never a real credential
DEFAULT_FROM = "+16025550199"
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")


def _rfc2822(at: dt.datetime) -> str:
    return at.strftime("%a, %d %b %Y %H:%M:%S +0000")


class FakeTwilio:
    """The server and its state. Use start()/stop() (or `with`), or run the module as a script."""

    def __init__(
        self,
        *,
        port: int = 0,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        callbacks: bool = True,
        callback_delay: float = 0.05,
        inbound_url: str = "",
        our_number: str = DEFAULT_FROM,
        echo: bool = False,
        clock=time.monotonic,
    ):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.callbacks, self.callback_delay = callbacks, callback_delay
        self.inbound_url, self.our_number = inbound_url, our_number
        self.echo = echo
        self.lock = threading.Lock()
        self.messages: list[dict] = []
        self.opted_out: set[str] = set()
        self.callback_results: Counter = Counter()
        self._failures: list[dict] = []
        self.clock = clock  # what a fault window is measured on (a test may move it)
        self._window: dict | None = None  # a failure for every create until its "until" (clock)
        self.refused: set[str] = set()
        self.faults_served = 0  # creates answered with a told-to failure (500s, hangs)
        self._callbacks: queue.Queue = queue.Queue()
        self._session = requests.Session()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self.server.daemon_threads = True
        self.server.request_queue_size = 1024
        self._threads: list[threading.Thread] = []

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeTwilio:
        for target in (self.server.serve_forever, self._post_callbacks):
            thread = threading.Thread(target=target, daemon=True, name=f"fake-twilio-{target.__name__}")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._callbacks.put(None)
        for thread in self._threads[1:]:
            thread.join(timeout=10)
        self._session.close()  # lets the application's server finish the kept-alive connection
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- what tests and benchmarks ask ----------------------------------------------------------
    def stats(self) -> dict:
        with self.lock:
            keys = Counter((m["to"], m["body"]) for m in self.messages)
            stats = {
                "received": len(self.messages),
                "distinct": len(keys),
                "duplicates": sum(n - 1 for n in keys.values() if n > 1),
                "callbacks": dict(self.callback_results),
                "faults": self.faults_served,
            }
            if self.messages:
                stats["first_at"] = self.messages[0]["date_created"].timestamp()
                stats["last_at"] = self.messages[-1]["date_created"].timestamp()
            return stats

    def sent_to(self, number: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if m["to"] == number]

    def fail_next(self, count: int, *, status: int = 500, hang: float = 0.0, record: bool = False) -> None:
        """The next `count` creates answer `status`, or with hang>0 stall that long (recording the
        message first if `record`: Twilio accepted it but the answer never reached the caller)."""
        with self.lock:
            self._failures.extend({"status": status, "hang": hang, "record": record} for _ in range(count))

    def fail_for(self, seconds: float, *, status: int = 500, hang: float = 0.0, record: bool = False) -> None:
        """Like fail_next, for every create during the next `seconds` (a provider outage)."""
        with self.lock:
            self._window = {"status": status, "hang": hang, "record": record, "until": self.clock() + seconds}

    def refuse(self, numbers) -> None:
        """Creates to these numbers answer 400 with Twilio's 21211 (not a valid phone number)."""
        with self.lock:
            self.refused.update(numbers)

    def _next_failure(self) -> dict | None:
        if self._failures:
            return self._failures.pop(0)
        if self._window is not None and self.clock() < self._window["until"]:
            return self._window
        return None

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self._failures.clear()
            self._window = None
            self.refused.clear()
            self.faults_served = 0
            self.opted_out.clear()
            self.callback_results.clear()

    # --- the API ---------------------------------------------------------------------------------
    def create(self, params: dict, account_sid: str) -> tuple[int, dict]:
        with self.lock:
            failure = self._next_failure()
            self.faults_served += failure is not None
        to, body = params.get("To", ""), params.get("Body", "")
        if failure and not failure["hang"]:
            return failure["status"], _error(failure["status"], 20500, "Fake Twilio was told to fail.")
        if not E164.match(to) or to in self.refused:
            return 400, _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not body:
            return 400, _error(400, 21602, "Message body is required.")
        if to in self.opted_out:
            return 400, _error(400, 21610, "Attempt to send to unsubscribed recipient")
        now = dt.datetime.now(dt.UTC)
        sid = "SM" + uuid.uuid4().hex
        message = {
            "sid": sid,
            "account_sid": account_sid,
            "to": to,
            "from": params.get("From", self.our_number),
            "body": body,
            "status": "queued",
            "date_created": now,
            "status_callback": params.get("StatusCallback", ""),
        }
        if failure and not failure["record"]:
            time.sleep(failure["hang"])
            return 500, _error(500, 20500, "Fake Twilio hung and dropped the message.")
        with self.lock:
            self.messages.append(message)
        if self.echo:
            print(f"SMS to {to}: {body}", flush=True)
        if self.callbacks and message["status_callback"]:
            self._callbacks.put(message)
        if failure:
            time.sleep(failure["hang"])
        return 201, self._resource(message)

    def list(self, query: dict, account_sid: str) -> dict:
        to = query.get("To", [""])[0]
        size = int(query.get("PageSize", ["50"])[0])
        with self.lock:
            found = [m for m in reversed(self.messages) if not to or m["to"] == to][:size]
        path = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
        return {
            "messages": [self._resource(m) for m in found],
            "end": max(len(found) - 1, 0),
            "first_page_uri": path,
            "next_page_uri": None,
            "page": 0,
            "page_size": size,
            "previous_page_uri": None,
            "start": 0,
            "uri": path,
        }

    def _resource(self, m: dict) -> dict:
        return {
            "sid": m["sid"],
            "account_sid": m["account_sid"],
            "to": m["to"],
            "from": m["from"],
            "body": m["body"],
            "status": m["status"],
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "num_segments": "1",
            "num_media": "0",
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "messaging_service_sid": None,
            "date_created": _rfc2822(m["date_created"]),
            "date_updated": _rfc2822(m["date_created"]),
            "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{m['account_sid']}/Messages/{m['sid']}.json",
            "subresource_uris": {},
        }

    # --- signed posts to the application ---------------------------------------------------------
    def signed_post(self, url: str, params: dict, *, session: requests.Session | None = None) -> int:
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        response = (session or requests).post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
        return response.status_code

    def _post_callbacks(self) -> None:
        while (message := self._callbacks.get()) is not None:
            for status in ("sent", "delivered"):
                time.sleep(self.callback_delay)
                message["status"] = status
                params = {
                    "MessageSid": message["sid"],
                    "SmsSid": message["sid"],
                    "AccountSid": message["account_sid"],
                    "From": message["from"],
                    "To": message["to"],
                    "MessageStatus": status,
                    "SmsStatus": status,
                    "ApiVersion": "2010-04-01",
                }
                try:
                    code = self.signed_post(message["status_callback"], params, session=self._session)
                    self.callback_results[f"http_{code}"] += 1
                except requests.RequestException:
                    self.callback_results["unreachable"] += 1

    def send_inbound(self, *, sender: str, body: str) -> int:
        """A patient texts us: post it, signed, to the inbound webhook."""
        sid = "SM" + uuid.uuid4().hex
        return self.signed_post(
            self.inbound_url,
            {
                "MessageSid": sid,
                "SmsSid": sid,
                "AccountSid": self.account_sid,
                "From": sender,
                "To": self.our_number,
                "Body": body,
                "NumMedia": "0",
                "ApiVersion": "2010-04-01",
            },
        )


def _error(status: int, code: int, message: str) -> dict:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _handler_for(fake: FakeTwilio):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the SDK reuses its connection
        disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall

        def log_message(self, *args) -> None:
            pass

        def _reply(self, status: int, payload) -> None:
            body = json.dumps(payload, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _read(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _authorised(self, account_sid: str) -> bool:
            expected = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
            return account_sid == fake.account_sid and self.headers.get("Authorization") == f"Basic {expected}"

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/_fake/stats":
                return self._reply(200, fake.stats())
            if url.path == "/_fake/messages":
                with fake.lock:
                    return self._reply(200, [fake._resource(m) for m in fake.messages])
            match = _MESSAGES_PATH.match(url.path)
            if not match:
                return self._reply(404, _error(404, 20404, "The requested resource was not found"))
            if not self._authorised(match["sid"]):
                return self._reply(401, _error(401, 20003, "Authenticate"))
            self._reply(200, fake.list(parse_qs(url.query), match["sid"]))

        def do_POST(self) -> None:
            url, raw = urlparse(self.path), self._read()
            if url.path.startswith("/_fake/"):
                return self._control(url.path, json.loads(raw or b"{}"))
            match = _MESSAGES_PATH.match(url.path)
            if not match:
                return self._reply(404, _error(404, 20404, "The requested resource was not found"))
            if not self._authorised(match["sid"]):
                return self._reply(401, _error(401, 20003, "Authenticate"))
            params = {key: values[-1] for key, values in parse_qs(raw.decode(), keep_blank_values=True).items()}
            self._reply(*fake.create(params, match["sid"]))

        def _control(self, path: str, data: dict) -> None:
            if path == "/_fake/fail":
                how = {
                    "status": int(data.get("status", 500)),
                    "hang": float(data.get("hang", 0)),
                    "record": bool(data.get("record", False)),
                }
                if "seconds" in data:
                    fake.fail_for(float(data["seconds"]), **how)
                else:
                    fake.fail_next(int(data.get("count", 1)), **how)
            elif path == "/_fake/refuse":
                fake.refuse(data.get("numbers", []))
            elif path == "/_fake/reset":
                fake.reset()
            elif path == "/_fake/inbound":
                return self._reply(200, {"webhook_status": fake.send_inbound(sender=data["from"], body=data["body"])})
            else:
                return self._reply(404, {"detail": f"No control endpoint {path}."})
            self._reply(200, fake.stats())

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    parser.add_argument("--our-number", default=DEFAULT_FROM)
    parser.add_argument("--inbound-url", default="", help="Where /_fake/inbound posts a patient's text.")
    parser.add_argument("--no-callbacks", action="store_true", help="Do not post status callbacks.")
    parser.add_argument("--echo", action="store_true", help="Print every text received.")
    args = parser.parse_args(argv)
    fake = FakeTwilio(
        port=args.port,
        account_sid=args.account_sid,
        auth_token=args.auth_token,
        callbacks=not args.no_callbacks,
        inbound_url=args.inbound_url,
        our_number=args.our_number,
        echo=args.echo,
    )
    fake.start()
    print(f"Fake Twilio listening on {fake.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
