//! The API against its OpenAPI document, as a third-party client reads it: responses match
//! their schemas, every status a test sees is documented for its operation, query filters are
//! checked (a typo is a 422 naming the parameter, never a list of everyone), and a wrong method
//! is a 405 with `Allow`.

use crate::helpers::Browser;
use crate::helpers::{customer, fixture};
use crate::hostile::concrete_for;
use serde_json::{Value, json};

/// The document's `$ref` to a schema, followed.
pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or("");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// The statuses the document lists per operation, and those tests saw that it does not.
pub struct Documented {
    doc: Value,
    pub missing: Vec<String>,
}

impl Documented {
    pub fn fetch(api: &mut Browser) -> Documented {
        Documented {
            doc: api.get("/api/v1/openapi.json").json(),
            missing: Vec::new(),
        }
    }

    /// The document's path template for a concrete `/api/v1/…` URL.
    fn template(&self, url: &str) -> Option<String> {
        let path = url.split('?').next()?.strip_prefix("/api/v1")?;
        let segs: Vec<&str> = path.split('/').collect();
        self.doc["paths"].as_object()?.keys().find_map(|t| {
            let ts: Vec<&str> = t.split('/').collect();
            let fits = ts.len() == segs.len()
                && ts
                    .iter()
                    .zip(&segs)
                    .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()));
            fits.then(|| t.clone())
        })
    }

    /// Notes `status` for `method url` unless the document lists it for that operation.
    pub fn saw(&mut self, method: &str, url: &str, status: u16) {
        let listed = self.template(url).is_some_and(|t| {
            self.doc["paths"][&t][method.to_lowercase()]["responses"]
                .get(status.to_string())
                .is_some()
        });
        let what = format!("{method} {url}: {status}");
        if !listed && !self.missing.contains(&what) {
            self.missing.push(what);
        }
    }

    /// Fails listing every status seen but not documented.
    pub fn check(&self) {
        assert!(
            self.missing.is_empty(),
            "statuses not documented for their operation:\n{}",
            self.missing.join("\n")
        );
    }
}

/// Checks `value` against a (small) JSON Schema subset the document uses: `$ref`, `type` (one or
/// several), `enum`, `required`, `properties`, `items`. Returns what does not match.
pub fn conform(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let is = |t: &str| match t {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    };
    if !types.is_empty() && !types.iter().any(|t| is(t)) {
        out.push(format!("{at}: {value} is not {types:?}"));
        return;
    }
    if let Some(e) = schema["enum"].as_array()
        && !e.contains(value)
    {
        out.push(format!("{at}: {value} is not one of {e:?}"));
    }
    if let Some(o) = value.as_object() {
        for r in schema["required"].as_array().into_iter().flatten() {
            if let Some(k) = r.as_str()
                && !o.contains_key(k)
            {
                out.push(format!("{at}: missing {k}"));
            }
        }
        for (k, s) in schema["properties"].as_object().into_iter().flatten() {
            if let Some(v) = o.get(k) {
                conform(doc, s, v, &format!("{at}.{k}"), out);
            }
        }
    }
    if let (Some(a), Some(items)) = (value.as_array(), schema.get("items")) {
        for (i, v) in a.iter().enumerate().take(50) {
            conform(doc, items, v, &format!("{at}[{i}]"), out);
        }
    }
}

/// Every documented GET answers with what the document says, over data that fills each kind of
/// record; and every error any request above produced carries the documented error shape.
#[test]
fn every_documented_response_matches_the_openapi_document() {
    let mut f = fixture();
    let c = f.api.send_json(
        "POST",
        "/api/v1/customers",
        &customer(f.router, f.plan, "doc", "2099-01-01T00:00:00Z"),
    );
    assert_eq!(c.status, 201);
    let bank = json!({ "bank": "Khan Bank", "number": "5000123456", "holder": "TopNET LLC" });
    assert_eq!(
        f.api
            .send_json("POST", "/api/v1/bank-accounts", &bank)
            .status,
        201
    );
    let pay = json!({ "customer_id": 1, "amount": 3_500_000, "method": "cash" });
    assert_eq!(
        f.api.send_json("POST", "/api/v1/payments", &pay).status,
        201
    );
    let ext = json!({ "customer_id": 1, "days": 3, "free": true, "reason": "outage" });
    assert_eq!(
        f.api.send_json("POST", "/api/v1/extensions", &ext).status,
        201
    );
    let mut portal = crate::portal::logged_in(&f.app, "doc", "pw-123");
    portal.post_form(
        "/portal/feedback",
        &[("category", "inquiry"), ("text", "Which plan?")],
    );
    let msg = json!({ "customer_ids": [1], "channels": ["sms_gateway"], "body": "hi {name}" });
    assert_eq!(
        f.api.send_json("POST", "/api/v1/messages", &msg).status,
        201
    );

    // A voucher batch (1) and an agent (1) holding some of its cards, after a deposit.
    let batch = json!({ "router_ids": [f.router], "plan_id": f.plan, "count": 5, "login_mode": "code_pin", "price": 100_000 });
    assert_eq!(
        f.api
            .send_json("POST", "/api/v1/vouchers/batches", &batch)
            .status,
        201
    );
    let agent = f.web.post_form(
        "/agents",
        &[
            ("name", "Doc shop"),
            ("pays_at", "handover"),
            ("credit_limit", "0"),
            ("active", "on"),
            ("username", "docshop"),
            ("password", crate::helpers::ADMIN_PW),
            ("password2", crate::helpers::ADMIN_PW),
        ],
    );
    assert_eq!(agent.status, 303, "{}", agent.body);
    let deposit = json!({ "amount": 1_000_000, "method": "cash" });
    assert_eq!(
        f.api
            .send_json("POST", "/api/v1/agents/1/deposits", &deposit)
            .status,
        201
    );
    let stock = json!({ "batch_id": 1, "count": 2 });
    assert_eq!(
        f.api
            .send_json("POST", "/api/v1/agents/1/stock", &stock)
            .status,
        201
    );

    let doc = f.api.get("/api/v1/openapi.json").json();
    let mut seen = Documented::fetch(&mut f.api);
    let mut problems = Vec::new();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let url = format!("/api/v1{}", concrete_for(path, 1));
        let r = f.api.get(&url);
        seen.saw("GET", &url, r.status);
        let Some(schema) =
            op["responses"][r.status.to_string()]["content"]["application/json"]["schema"]
                .as_object()
        else {
            // A documented status with a non-JSON body (CSV, Excel) or an undocumented one.
            assert!(
                op["responses"].get(r.status.to_string()).is_some(),
                "GET {url}: status {} is not documented",
                r.status
            );
            continue;
        };
        conform(
            &doc,
            &Value::Object(schema.clone()),
            &r.json(),
            &format!("GET {url}"),
            &mut problems,
        );
        checked += 1;
    }
    // The checker itself catches a wrong shape.
    let mut wrong = Vec::new();
    conform(
        &doc,
        &json!({ "$ref": "#/components/schemas/Customer" }),
        &json!({ "id": "one", "status": "gone" }),
        "probe",
        &mut wrong,
    );
    assert!(wrong.len() >= 3, "the checker misses problems: {wrong:?}");
    // An error response, as documented.
    let error_schema =
        &doc["components"]["responses"]["Error"]["content"]["application/json"]["schema"];
    assert!(error_schema.is_object(), "the document describes errors");
    let err = f.api.get("/api/v1/customers/424242");
    assert_eq!(err.status, 404);
    seen.saw("GET", "/api/v1/customers/424242", err.status);
    conform(
        &doc,
        &doc["components"]["responses"]["Error"]["content"]["application/json"]["schema"],
        &err.json(),
        "404",
        &mut problems,
    );
    assert!(checked > 20, "only {checked} responses were checked");
    assert!(
        problems.is_empty(),
        "responses differ from the document:\n{}",
        problems.join("\n")
    );
    seen.check();
}

/// `GET url` answers 422 naming `param` in `fields`, in the shape of a field problem.
fn refused(api: &mut Browser, seen: &mut Documented, url: &str, param: &str) -> Value {
    let r = api.get(url);
    seen.saw("GET", url, r.status);
    assert_eq!(r.status, 422, "{url}: {}", r.body);
    let e = r.json();
    assert_eq!(e["error"]["code"], "invalid", "{url}");
    assert!(
        e["error"]["fields"][param].is_string(),
        "{url}: {param} is not named: {e}"
    );
    e
}

/// Regression: a typo in a filter was dropped, so the call answered every customer (issue 15,
/// found by schemathesis). Each value that does not parse is now refused, naming it.
#[test]
fn a_filter_that_does_not_parse_is_a_422_naming_it() {
    let mut f = fixture();
    for login in ["ann", "bob"] {
        let c = customer(f.router, f.plan, login, "2099-01-01T00:00:00Z");
        assert_eq!(f.api.send_json("POST", "/api/v1/customers", &c).status, 201);
    }
    let mut seen = Documented::fetch(&mut f.api);
    let cases = [
        ("/api/v1/customers?status=expierd", "status"),
        ("/api/v1/customers?plan_id=abc", "plan_id"),
        ("/api/v1/customers?router_id=-1", "router_id"),
        ("/api/v1/customers?kind=company", "kind"),
        ("/api/v1/customers?sort=size", "sort"),
        ("/api/v1/customers?per=5000", "per"),
        ("/api/v1/customers?page=0", "page"),
        ("/api/v1/customers?desc=yes", "desc"),
        ("/api/v1/bills?status=AAA", "status"),
        ("/api/v1/bills?customer_id=one", "customer_id"),
        ("/api/v1/reports/revenue?from=2026-13-45", "from"),
        ("/api/v1/reports/revenue?group=week", "group"),
        ("/api/v1/reports/revenue?format=pdf", "format"),
        (
            "/api/v1/reports/customers?expiring_within_days=99999",
            "expiring_within_days",
        ),
        ("/api/v1/reports/plans?free=maybe", "free"),
        ("/api/v1/payments?customer_kind=alien", "customer_kind"),
        ("/api/v1/payments?to=yesterday", "to"),
        ("/api/v1/extensions?customer_id=-5", "customer_id"),
        ("/api/v1/messages?customer_id=x", "customer_id"),
        ("/api/v1/feedback?status=open", "status"),
        ("/api/v1/audit?before=latest", "before"),
        ("/api/v1/plans?lang=klingon", "lang"),
    ];
    for (url, param) in cases {
        refused(&mut f.api, &mut seen, url, param);
    }
    // Every refusal at once, not one per round trip.
    let e = refused(
        &mut f.api,
        &mut seen,
        "/api/v1/customers?status=expierd&plan_id=abc",
        "plan_id",
    );
    assert!(e["error"]["fields"]["status"].is_string(), "{e}");
    // In the caller's language.
    let en = refused(
        &mut f.api,
        &mut seen,
        "/api/v1/customers?status=x&lang=en",
        "status",
    );
    assert_eq!(
        en["error"]["fields"]["status"],
        "Not one of the offered choices."
    );
    let mn = refused(
        &mut f.api,
        &mut seen,
        "/api/v1/customers?status=x&lang=mn",
        "status",
    );
    assert_eq!(
        mn["error"]["fields"]["status"],
        "Санал болгосон сонголтуудын нэг биш байна."
    );
    // Good filters still filter, and an empty value is no filter (as a form sends it).
    let count = |api: &mut Browser, url: &str| api.get(url).json()["total"].as_u64().unwrap();
    assert_eq!(
        count(&mut f.api, "/api/v1/customers?status=active&lang=en"),
        2
    );
    assert_eq!(count(&mut f.api, "/api/v1/customers?status=expired"), 0);
    assert_eq!(count(&mut f.api, "/api/v1/customers?status=&plan_id="), 2);
    assert_eq!(count(&mut f.api, "/api/v1/customers?per=all&desc=1"), 2);
    assert_eq!(f.api.get("/api/v1/bills?status=pending").status, 200);
    assert_eq!(
        f.api
            .get("/api/v1/reports/revenue?from=2026-01-01&group=month")
            .status,
        200
    );
    seen.check();
    // The pages stay lenient: a person sees the list and the form they typed into.
    assert_eq!(
        f.web.get("/customers?status=expierd&plan_id=abc").status,
        200
    );
}

#[test]
fn a_parameter_a_list_does_not_take_is_a_422_naming_it() {
    let mut f = fixture();
    let mut seen = Documented::fetch(&mut f.api);
    for (url, param) in [
        ("/api/v1/customers?stauts=active", "stauts"),
        ("/api/v1/plans?kind=hotspot", "kind"),
        ("/api/v1/routers?status=online", "status"),
        ("/api/v1/admins?role_id=viewer", "role_id"),
        ("/api/v1/roles?q=x", "q"),
        ("/api/v1/bank-accounts?active=1", "active"),
        ("/api/v1/dashboard?month=1", "month"),
        ("/api/v1/payments?amount=5", "amount"),
        ("/api/v1/reports/customers?from=2026-01-01", "from"),
    ] {
        refused(&mut f.api, &mut seen, url, param);
    }
    // A hostile name is echoed cut short.
    let long = "k".repeat(5000);
    let r = f.api.get(&format!("/api/v1/plans?{long}=1"));
    assert_eq!(r.status, 422);
    assert!(r.body.len() < 1000, "{} bytes", r.body.len());
    // `lang` is read by every request.
    assert_eq!(f.api.get("/api/v1/plans?lang=en").status, 200);
    seen.check();
}

#[test]
fn a_method_a_path_does_not_take_is_a_405_with_allow() {
    let mut f = fixture();
    for (method, url, allow) in [
        ("PUT", "/api/v1/customers", "GET, HEAD, POST"),
        ("DELETE", "/api/v1/payments/1", "GET, HEAD"),
        ("POST", "/api/v1/customers/1", "GET, HEAD, PATCH, DELETE"),
    ] {
        let r = f.api.send_json(method, url, &json!({}));
        assert_eq!(r.status, 405, "{method} {url}: {}", r.body);
        assert_eq!(
            r.json()["error"]["code"],
            "method_not_allowed",
            "{method} {url}"
        );
        assert_eq!(r.header("allow"), Some(allow), "{method} {url}");
    }
    let r = f.api.get("/api/v1/backup");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    // Pages too, and an unknown path is still a 404.
    let p = f.web.post_form("/healthz", &[]);
    assert_eq!(p.status, 405);
    assert_eq!(p.header("allow"), Some("GET, HEAD"));
    assert_eq!(
        f.api.send_json("PUT", "/api/v1/nowhere", &json!({})).status,
        404
    );
}
