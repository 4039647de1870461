"""What the benchmark scripts (scripts/bench-footprint, scripts/bench-opt-level) share: a steppe
binary serving on a free port, its first admin and API token, JSON API calls, a logged-in
browser session, and the data set both measure (300 customers on one router, 3 payments each).
Imported with PYTHONPATH=scripts/lib; standard library only, as on a fresh machine."""
import http.cookiejar, json, re, socket, subprocess, time, urllib.parse, urllib.request

PASSWORD = "long enough pw"


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


class Server:
    """`cmd serve --data DATA` on a free port; `start` is the seconds until /healthz answered."""
    def __init__(self, cmd, data, timeout=60):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {"STEPPE_LISTEN": f"127.0.0.1:{self.port}", "STEPPE_LOG": "warn", "TZ": "Asia/Ulaanbaatar"}
        t0 = time.perf_counter()
        self.p = subprocess.Popen(cmd + ["serve", "--data", data], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200: break
            except Exception:
                if self.p.poll() is not None: raise SystemExit("server exited")
                if time.perf_counter() - t0 > timeout: raise SystemExit("server did not start")
                time.sleep(0.005)
        self.start = time.perf_counter() - t0

    def stop(self):
        self.p.terminate(); self.p.wait()


def admin(cmd, data):
    """Creates the super admin `boss` from the CLI and returns a new API token."""
    subprocess.run(cmd + ["admin", "create", "--username", "boss", "--role", "super_admin", "--data", data],
                   input=(PASSWORD + "\n").encode(), check=True, capture_output=True)
    out = subprocess.run(cmd + ["admin", "token", "--username", "boss", "--data", data], check=True, capture_output=True)
    return out.stdout.decode().strip().splitlines()[-1]


def login(url):
    """A cookie-keeping opener logged in as `boss`."""
    jar = http.cookiejar.CookieJar()
    o = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = o.open(url + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([0-9a-f]+)"', page).group(1)
    o.open(url + "/login", urllib.parse.urlencode({"_csrf": csrf, "username": "boss", "password": PASSWORD, "next": "/"}).encode()).read()
    return o


def api(url, token, method, path, body=None):
    req = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def seed(url, token, customers=300, payments=3):
    """One router (on a closed port: nothing to reconcile), one hotspot package, and customers
    with payments, through the API."""
    r = api(url, token, "POST", "/api/v1/routers", {"name": "Tower", "host": "127.0.0.1", "port": 1, "tls": False, "username": "api",
            "password": "x", "login_method": "plain", "hotspot_server": "all", "note": ""})
    p = api(url, token, "POST", "/api/v1/plans", {"name": "Home", "kind": "hotspot", "price": 1000, "duration_days": 30, "duration_hours": 0,
            "download": "10M", "upload": "2M", "shared_users": 1})
    for i in range(customers):
        c = api(url, token, "POST", "/api/v1/customers", {"kind": "individual", "name": f"Customer {i}", "phone": "99112233", "email": "",
                "login": f"c{i}", "password": "pw-123", "router_id": r["id"], "plan_id": p["id"], "status": "active",
                "expires_at": "2030-01-01T00:00:00Z"})
        for _ in range(payments):
            api(url, token, "POST", "/api/v1/payments", {"customer_id": c["id"], "amount": 1000, "method": "cash"})


# The page mix both scripts time: dashboard, customer list and search, payments, revenue report,
# dashboard JSON.
PAGES = ["/", "/customers", "/customers?q=c1", "/payments", "/reports/revenue", "/api/v1/dashboard"]
