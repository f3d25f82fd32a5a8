#!/usr/bin/env python3
"""A real SMTP server for xunjian's notice tests (aiosmtpd 1.4).

Three listeners on 127.0.0.1:
  plain     no TLS, no AUTH (a relay on this machine)
  starttls  STARTTLS required, AUTH required (PLAIN/LOGIN, only after TLS)
  smtps     TLS from the first byte (port-465 style), AUTH required

Every accepted message is written, byte for byte as the client sent it, into
a Maildir (`tmp/` then renamed into `new/`, before the 250 reply), preceded by
X-Listener / X-Peer / X-MailFrom / X-RcptTo / X-Auth-Login headers holding the
envelope. Recipients in the --refuse-domain are refused with 550 5.1.1.

Prints {"plain": P, "starttls": P, "smtps": P, "pid": N} on one line of
stdout once all listeners accept connections, then serves until its stdin
closes (the test process ended or dropped it) or it gets SIGTERM.

Gotcha: the authenticator returns AuthResult(handled=False). With the
default handled=True, a failed AUTH sends no reply at all and the client
waits until its timeout; handled=False makes aiosmtpd answer 535.
"""

import argparse
import errno
import itertools
import json
import logging
import os
import signal
import socket
import ssl
import sys
import threading
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bindable(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # asyncio's create_server sets SO_REUSEADDR too.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class MaildirHandler:
    counter = itertools.count()

    def __init__(self, root, listener, refuse_domain):
        self.root = root
        self.listener = listener
        self.refuse_domain = refuse_domain.lower()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_domain and address.lower().endswith("@" + self.refuse_domain):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        auth = getattr(session, "auth_data", None)
        login = auth.login.decode("utf-8", "replace") if isinstance(auth, LoginPassword) else ""
        head = (
            "X-Listener: %s\r\nX-Peer: %s\r\nX-MailFrom: %s\r\nX-RcptTo: %s\r\nX-Auth-Login: %s\r\n"
            % (
                self.listener,
                session.peer[0] if session.peer else "",
                envelope.mail_from,
                ", ".join(envelope.rcpt_tos),
                login,
            )
        ).encode()
        body = envelope.original_content or envelope.content
        if isinstance(body, str):
            body = body.encode("utf-8")
        name = "%d.%d_%d.xunjian" % (time.time_ns(), os.getpid(), next(self.counter))
        tmp = os.path.join(self.root, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(head + body)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.root, "new", name))
        return "250 2.0.0 Ok: queued as %s" % name


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode("utf-8", "replace") == user
            and auth_data.password.decode("utf-8", "replace") == password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    return authenticator


def make_controllers(a, ctx, auth, ports):
    return [
        Controller(MaildirHandler(a.maildir, "plain", a.refuse_domain), hostname="127.0.0.1", port=ports[0]),
        Controller(
            MaildirHandler(a.maildir, "starttls", a.refuse_domain),
            hostname="127.0.0.1",
            port=ports[1],
            tls_context=ctx,
            require_starttls=True,
            authenticator=auth,
            auth_required=True,
            auth_require_tls=True,
        ),
        Controller(
            MaildirHandler(a.maildir, "smtps", a.refuse_domain),
            hostname="127.0.0.1",
            port=ports[2],
            ssl_context=ctx,
            authenticator=auth,
            auth_required=True,
            # The whole connection is TLS; aiosmtpd only knows about STARTTLS.
            auth_require_tls=False,
        ),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--cert", required=True, help="PEM chain: leaf then CA")
    ap.add_argument("--key", required=True)
    ap.add_argument("--user", default="xunjian")
    ap.add_argument("--password", default="secret")
    ap.add_argument("--refuse-domain", default="refused.invalid")
    ap.add_argument("--ports", default="0,0,0", help="plain,starttls,smtps; 0 picks a free port")
    a = ap.parse_args()
    # The SMTPS listener requires AUTH "without TLS" as far as aiosmtpd can
    # tell (it knows only STARTTLS); the warning about that is noise here.
    warnings.filterwarnings("ignore")
    # aiosmtpd logs each session's troubles (a client refusing our test
    # certificate is one the tests cause on purpose); XUNJIAN_SMTP_DEBUG=1
    # shows them.
    if not os.environ.get("XUNJIAN_SMTP_DEBUG"):
        logging.getLogger("mail.log").setLevel(logging.CRITICAL)

    for d in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(a.maildir, d), exist_ok=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)
    auth = make_authenticator(a.user, a.password)
    wanted = [int(p) for p in a.ports.split(",")]
    # A port picked by free_port() is released before the controller binds
    # it, so a test running alongside can take it in between (CI saw
    # EADDRINUSE once); a restarted server's old port may still be held by
    # the previous process for a moment. Either way: try again, with new
    # ports where none were asked for.
    for attempt in range(50):
        ports = [p or free_port() for p in wanted]
        # A failed Controller.start() costs its whole ready timeout (5 s):
        # look first whether the ports can be bound at all.
        if not all(bindable(p) for p in ports):
            time.sleep(0.1)
            continue
        controllers = make_controllers(a, ctx, auth, ports)
        started = []
        try:
            for c in controllers:
                c.start()
                started.append(c)
            break
        except OSError as e:
            for c in started:
                try:
                    c.stop()
                except Exception:
                    pass
            if e.errno != errno.EADDRINUSE or attempt == 49:
                raise
            time.sleep(0.1)
    else:
        sys.exit("server.py: ports %s stayed in use for 5 s" % ports)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())

    def watch_stdin():
        try:
            sys.stdin.buffer.read()
        finally:
            done.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(json.dumps({"plain": ports[0], "starttls": ports[1], "smtps": ports[2], "pid": os.getpid()}), flush=True)
    done.wait()
    for c in controllers:
        try:
            c.stop()
        except Exception:
            pass


if __name__ == "__main__":
    main()
