"""Local stand-ins of the SMS brandname gateway (eSMS.vn JSON API) and the Zalo OA API.

Real HTTP servers on loopback (``http.server`` in a thread), speaking the same protocol as the
providers (see ``channels/sms.py`` and ``channels/zalo.py``), for the tests and the demo.
They keep what they received (``received``) and can be told to fail: ``fail_next(n, status,
body)`` answers the next ``n`` requests with that status and body, which is how the tests
exercise retries and back-off.

    with SmsStandin() as sms:
        settings.TINHSO_SMS_URL = sms.url
        ...
        assert sms.received[0]["Phone"] == "84912345678"

``python -m tinhso.outreach.standins`` runs both on fixed ports for a manual demo.
"""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SMS_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
ZALO_PATH = "/v3.0/oa/message/cs"


class _Standin:
    """A threaded loopback HTTP server with a scripted failure queue."""

    name = "standin"

    def __init__(self, port: int = 0, **options: Any) -> None:
        self.port = port
        self.options = options
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._failures: list[tuple[int, Any, dict]] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------------------------
    def fail_next(self, count: int, status: int, body: Any, headers: dict | None = None) -> None:
        with self._lock:
            self._failures.extend([(status, body, headers or {})] * count)

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> _Standin:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                status, answer, headers = standin.handle(self.path, dict(self.headers), body)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- protocol ------------------------------------------------------------------------------
    def handle(self, path: str, headers: dict, body: Any) -> tuple[int, Any, dict]:
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            self.received_failed = getattr(self, "received_failed", 0) + 1
            return failure
        return self.answer(path, headers, body)

    def answer(self, path: str, headers: dict, body: Any) -> tuple[int, Any, dict]:
        raise NotImplementedError


class SmsStandin(_Standin):
    """eSMS.vn's ``SendMultipleMessage_V4_post_json``: checks the keys, the brandname and the
    phone, de-duplicates ``RequestId``, answers ``CodeResult`` 100 with an ``SMSID``."""

    name = "sms"

    def __init__(self, port: int = 0, *, api_key="demo-key", secret_key="", brandname="TINHSO"):
        super().__init__(port)
        self.api_key, self.secret_key, self.brandname = api_key, secret_key, brandname
        self._by_request: dict[str, str] = {}

    def answer(self, path, headers, body):
        if path != SMS_PATH or not isinstance(body, dict):
            return 404, {"CodeResult": "99", "ErrorMessage": "Unknown method"}, {}
        if body.get("ApiKey") != self.api_key or body.get("SecretKey", "") != self.secret_key:
            return 200, {"CodeResult": "101", "ErrorMessage": "Authorize Failed"}, {}
        if body.get("Brandname") != self.brandname:
            return 200, {"CodeResult": "104", "ErrorMessage": "Brandname not registered"}, {}
        phone = str(body.get("Phone", ""))
        if not (phone.isdigit() and phone.startswith("84") and len(phone) == 11):
            return 200, {"CodeResult": "118", "ErrorMessage": "Phone number invalid"}, {}
        if not body.get("Content"):
            return 200, {"CodeResult": "99", "ErrorMessage": "Content empty"}, {}
        request_id = str(body.get("RequestId") or "")
        with self._lock:
            if request_id and request_id in self._by_request:
                sms_id = self._by_request[request_id]
            else:
                sms_id = f"sms-{next(self._ids)}"
                self._by_request[request_id] = sms_id
                self.received.append(body)
        return 200, {"CodeResult": "100", "CountRegenerate": 0, "SMSID": sms_id}, {}


class ZaloStandin(_Standin):
    """Zalo OA ``POST /v3.0/oa/message/cs``: checks the ``access_token`` header, that the user
    follows the OA (``followers``; everyone when ``None``), answers ``{"error": 0, ...}``."""

    name = "zalo"

    def __init__(self, port: int = 0, *, access_token="demo-token", followers=None):  # noqa: S107
        super().__init__(port)
        self.access_token = access_token
        self.followers = set(followers) if followers is not None else None

    def answer(self, path, headers, body):
        if path != ZALO_PATH:
            return 404, {"error": -1, "message": "Not found"}, {}
        token = next((v for k, v in headers.items() if k.lower() == "access_token"), "")
        if token != self.access_token:
            return 200, {"error": -216, "message": "Access token is invalid"}, {}
        try:
            user_id = str(body["recipient"]["user_id"])
            text = str(body["message"]["text"])
        except (KeyError, TypeError):
            return 200, {"error": -201, "message": "Parameters are invalid"}, {}
        if not text:
            return 200, {"error": -201, "message": "Text is empty"}, {}
        if self.followers is not None and user_id not in self.followers:
            return 200, {"error": -213, "message": "User has not followed the OA"}, {}
        with self._lock:
            self.received.append(body)
            self.headers.append(headers)
            message_id = f"zmsg-{next(self._ids)}"
        return 200, {"error": 0, "message": "Success",
                     "data": {"message_id": message_id, "user_id": user_id}}, {}  # fmt: skip


def main() -> None:  # pragma: no cover - manual use
    sms, zalo = SmsStandin(port=8701).start(), ZaloStandin(port=8702).start()
    print(f"TINHSO_SMS_URL={sms.url} TINHSO_SMS_API_KEY=demo-key")
    print(f"TINHSO_ZALO_URL={zalo.url} TINHSO_ZALO_ACCESS_TOKEN=demo-token")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sms.stop()
        zalo.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
