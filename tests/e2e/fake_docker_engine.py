"""FakeDockerEngine: a small Docker Engine API server on a unix socket, for the end-to-end tests.

The same fake as tests/testing/fake_docker_engine.h, in Python 3 (stdlib only), started in the
test's own process on a thread. Real HTTP/1.1 over a real unix socket, kept-alive connections,
one thread per connection:

  GET /containers/json?...    200, a JSON array of the containers added (Id, Names ["/name"],
                              Image, ImageID, Labels, State, Status)
  GET /containers/{id}/json   200, the inspect object (Id, Name "/name", State{Status, Running},
                              Config{Hostname, Image, Labels, Tty}, Image, LogPath), or 404
                              {"message": "No such container: <id>"}
  GET /events?...             200, chunked, held open: every event() goes to every open stream
  GET /_ping                  200 "OK"

An API version prefix ("/v1.43/containers/json") is accepted; anything else is a 404.

    engine = FakeDockerEngine("/tmp/x/docker.sock")
    engine.start()
    engine.add_container("a" * 64, "web-1", "nginx:1.25", {"com.docker.compose.project": "shop"})
    engine.event("start", "a" * 64)
    engine.stop()
"""

import hashlib
import http.server
import json
import os
import queue
import socketserver
import threading
import time


def image_id(image):
    """The ImageID the fake reports for an image name ("sha256:" and 64 hex digits)."""
    return "sha256:" + hashlib.sha256(image.encode()).hexdigest()


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeDockerEngine/1.0"

    def log_message(self, fmt, *args):  # quiet; and a unix socket has no client address to print
        pass

    def address_string(self):
        return "unix"

    @property
    def engine(self):
        return self.server.engine

    def _answer(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Api-Version", "1.43")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        target = self.path
        # "/v1.43/containers/json" -> "/containers/json"
        if len(target) > 2 and target[1] == "v" and target[2].isdigit() and "/" in target[1:]:
            target = target[target.index("/", 1):]
        path = target.split("?", 1)[0]
        self.engine._record(target)
        if path == "/containers/json":
            self._answer(200, self.engine._list())
        elif path.startswith("/containers/") and path.endswith("/json") and len(path) > len("/containers//json"):
            cid = path[len("/containers/"):-len("/json")]
            inspect = self.engine._inspect(cid)
            if inspect is None:
                self._answer(404, {"message": "No such container: " + cid})
            else:
                self._answer(200, inspect)
        elif path == "/events":
            self._events()
        elif path == "/_ping":
            self._answer(200, b"OK", "text/plain")
        else:
            self._answer(404, {"message": "page not found"})

    def _method_not_allowed(self):
        self._answer(405, {"message": "only GET here"})

    do_POST = do_PUT = do_DELETE = _method_not_allowed

    def _events(self):
        self.send_response(200)
        self.send_header("Api-Version", "1.43")
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        stream = self.engine._open_stream()
        try:
            while not self.engine._stopping.is_set():
                try:
                    data = stream.get(timeout=0.2)
                except queue.Empty:
                    continue
                if data is None:  # drop_connections()
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
        except OSError:
            pass  # the client went away
        finally:
            self.engine._close_stream(stream)
            self.close_connection = True


class FakeDockerEngine:
    def __init__(self, socket_path):
        self.socket_path = socket_path
        self._lock = threading.Lock()
        self._containers = {}
        self._requests = []
        self._streams = []
        self._stopping = threading.Event()
        self._server = None
        self._thread = None

    def start(self):
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
        self._stopping.clear()
        self._server = _Server(self.socket_path, _Handler)
        self._server.engine = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="fake-docker-engine", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._stopping.set()
        self.drop_connections()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- what the daemon knows ---

    def add_container(self, cid, name, image, labels=None, running=True, log_path=""):
        with self._lock:
            self._containers[cid] = {"name": name, "image": image, "labels": dict(labels or {}),
                                     "running": running, "log_path": log_path}

    def remove_container(self, cid):
        with self._lock:
            self._containers.pop(cid, None)

    def set_running(self, cid, running):
        with self._lock:
            if cid in self._containers:
                self._containers[cid]["running"] = running

    def rename(self, cid, name):
        with self._lock:
            if cid in self._containers:
                self._containers[cid]["name"] = name

    def event(self, action, cid, name=None):
        """Sends a container event line to every open /events stream."""
        with self._lock:
            c = self._containers.get(cid, {})
        now = time.time_ns()
        image = c.get("image", "")
        line = {"status": action, "id": cid, "from": image, "Type": "container", "Action": action,
                "Actor": {"ID": cid, "Attributes": {"image": image, "name": name or c.get("name", "")}},
                "scope": "local", "time": now // 1_000_000_000, "timeNano": now}
        self.push_raw(json.dumps(line) + "\n")

    def push_raw(self, data):
        """Sends bytes (or text) as they are, as one chunk, to every open /events stream."""
        if isinstance(data, str):
            data = data.encode()
        if not data:
            return  # an empty chunk would end the stream
        with self._lock:
            for stream in self._streams:
                stream.put(data)

    def drop_connections(self):
        """Ends every open /events stream (a daemon restart, as a client sees it)."""
        with self._lock:
            for stream in self._streams:
                stream.put(None)

    def request_count(self, prefix):
        """How many requests had a path (with its query, version prefix removed) starting with prefix."""
        with self._lock:
            return sum(1 for p in self._requests if p.startswith(prefix))

    def open_event_streams(self):
        with self._lock:
            return len(self._streams)

    # --- used by the handler ---

    def _record(self, target):
        with self._lock:
            self._requests.append(target)

    def _open_stream(self):
        stream = queue.Queue()
        with self._lock:
            self._streams.append(stream)
        return stream

    def _close_stream(self, stream):
        with self._lock:
            if stream in self._streams:
                self._streams.remove(stream)

    def _list(self):
        with self._lock:
            return [{"Id": cid, "Names": ["/" + c["name"]], "Image": c["image"], "ImageID": image_id(c["image"]),
                     "Command": "/bin/sh", "Created": 1700000000, "Ports": [], "Labels": c["labels"],
                     "State": "running" if c["running"] else "exited",
                     "Status": "Up 5 minutes" if c["running"] else "Exited (0) 1 minute ago",
                     "HostConfig": {"NetworkMode": "bridge"}}
                    for cid, c in self._containers.items()]

    def _inspect(self, cid):
        with self._lock:
            c = self._containers.get(cid)
            if c is None:
                return None
            return {"Id": cid, "Created": "2026-11-24T06:59:57.918273645Z", "Path": "/bin/sh", "Args": [],
                    "State": {"Status": "running" if c["running"] else "exited", "Running": c["running"],
                              "Paused": False, "Pid": 4242 if c["running"] else 0, "ExitCode": 0},
                    "Image": image_id(c["image"]), "LogPath": c["log_path"], "Name": "/" + c["name"],
                    "RestartCount": 0,
                    "Config": {"Hostname": cid[:12], "Tty": False, "Env": ["PATH=/usr/bin"], "Image": c["image"],
                               "Labels": c["labels"]},
                    "NetworkSettings": {"Networks": {}}}


def _self_check():
    import socket
    import tempfile

    def http_get(sock, path):
        sock.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path).encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(4096)
        head, body = data.split(b"\r\n\r\n", 1)
        length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")][0].split(b":")[1])
        while len(body) < length:
            body += sock.recv(4096)
        return int(head.split(b" ")[1]), json.loads(body[:length])

    with tempfile.TemporaryDirectory() as tmp:
        engine = FakeDockerEngine(os.path.join(tmp, "docker.sock")).start()
        try:
            cid = "a" * 64
            engine.add_container(cid, "web-1", "nginx:1.25", {"com.docker.compose.project": "shop"})
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(5)
            s.connect(engine.socket_path)
            status, listed = http_get(s, "/containers/json?all=1")  # two requests on one connection
            assert status == 200 and listed[0]["Names"] == ["/web-1"], listed
            status, inspect = http_get(s, "/v1.43/containers/%s/json" % cid)
            assert status == 200 and inspect["Name"] == "/web-1" and inspect["State"]["Running"], inspect
            status, missing = http_get(s, "/containers/%s/json" % ("b" * 64))
            assert status == 404 and "No such container" in missing["message"], missing
            s.close()

            ev = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            ev.settimeout(5)
            ev.connect(engine.socket_path)
            ev.sendall(b"GET /events?filters=%7B%7D HTTP/1.1\r\nHost: localhost\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data:
                data += ev.recv(4096)
            assert b"Transfer-Encoding: chunked" in data, data
            deadline = time.time() + 5
            while engine.open_event_streams() == 0 and time.time() < deadline:
                time.sleep(0.01)
            engine.event("die", cid)
            while b"}\n" not in data:
                data += ev.recv(4096)
            line = data.split(b"\r\n\r\n", 1)[1].split(b"\r\n", 1)[1].split(b"\r\n", 1)[0]
            event = json.loads(line)
            assert event["Action"] == "die" and event["Actor"]["ID"] == cid, event
            ev.close()
            assert engine.request_count("/containers/json") == 1
            assert engine.request_count("/events") == 1
        finally:
            engine.stop()
    print("OK")


if __name__ == "__main__":
    _self_check()
