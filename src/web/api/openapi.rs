//! The OpenAPI 3.1 description of `/api/v1`. A test checks that it lists exactly the API routes
//! of the route table, so it cannot silently fall behind.

use crate::web::ctx::Ctx;
use crate::web::http::{self, Req};
use crate::web::router::Out;
use hyper::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

pub async fn document(_cx: Arc<Ctx>, _req: Req) -> Out {
    Ok(http::json(StatusCode::OK, &spec()))
}

fn err_responses() -> Value {
    json!({
        "400": { "$ref": "#/components/responses/Error" },
        "401": { "$ref": "#/components/responses/Error" },
        "403": { "$ref": "#/components/responses/Error" },
        "404": { "$ref": "#/components/responses/Error" },
        "422": { "$ref": "#/components/responses/Error" }
    })
}

fn op(summary: &str, ok: &str, schema: Value, body: Option<Value>) -> Value {
    let mut responses = err_responses();
    responses[ok] =
        json!({ "description": "OK", "content": { "application/json": { "schema": schema } } });
    let mut o = json!({ "summary": summary, "responses": responses });
    if let Some(b) = body {
        o["requestBody"] =
            json!({ "required": true, "content": { "application/json": { "schema": b } } });
    }
    o
}

fn list_of(item: &str) -> Value {
    json!({ "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": { "$ref": item } } } })
}

fn id_param(name: &str, kind: &str) -> Value {
    json!([{ "name": name, "in": "path", "required": true, "schema": { "type": kind } }])
}

/// A report: JSON `rows` (first 200) and `totals` (every row), or a CSV / Excel download.
fn report_op(summary: &str, params: Value) -> Value {
    let mut params = params;
    if let Some(a) = params.as_array_mut() {
        a.push(json!({ "name": "format", "in": "query", "schema": { "type": "string", "enum": ["json", "csv", "xlsx"] } }));
    }
    json!({
        "summary": summary,
        "parameters": params,
        "responses": {
            "200": { "description": "OK", "content": {
                "application/json": { "schema": { "type": "object", "required": ["rows", "totals"], "properties": {
                    "rows": { "type": "array", "items": { "type": "object" } },
                    "truncated": { "type": "boolean" },
                    "totals": { "type": "object" } } } },
                "text/csv": { "schema": { "type": "string" } },
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { "schema": { "type": "string", "format": "binary" } } } },
            "400": { "$ref": "#/components/responses/Error" },
            "401": { "$ref": "#/components/responses/Error" },
            "403": { "$ref": "#/components/responses/Error" }
        }
    })
}

pub fn spec() -> Value {
    let admin = json!({ "$ref": "#/components/schemas/Admin" });
    let role = json!({ "$ref": "#/components/schemas/Role" });
    let level = json!({ "type": "string", "enum": ["none", "view", "edit"] });
    let grants = json!({ "type": "object", "additionalProperties": level });
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Steppe API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Prepaid billing for MikroTik ISPs. Authenticate with `Authorization: Bearer <token>` (create one under My account, or `steppe admin token`). A token acts as its admin, with the same access levels." },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearer": [] }],
        "paths": {
            "/openapi.json": { "get": { "summary": "This document", "security": [], "responses": { "200": { "description": "OK" } } } },
            "/me": { "get": op("The calling admin and their effective permissions", "200", admin.clone(), None) },
            "/admins": {
                "get": op("List admins", "200", list_of("#/components/schemas/Admin"), None),
                "post": op("Create an admin", "201", admin.clone(), Some(json!({ "$ref": "#/components/schemas/AdminInput" })))
            },
            "/admins/{id}": {
                "parameters": id_param("id", "integer"),
                "get": op("One admin", "200", admin.clone(), None),
                "patch": op("Change an admin (any subset of fields; `password` resets it)", "200", admin.clone(), Some(json!({ "$ref": "#/components/schemas/AdminInput" })))
            },
            "/roles": {
                "get": op("List access levels", "200", list_of("#/components/schemas/Role"), None),
                "post": op("Create a custom access level", "201", role.clone(), Some(json!({ "$ref": "#/components/schemas/RoleInput" })))
            },
            "/roles/{id}": {
                "parameters": id_param("id", "string"),
                "get": op("One access level", "200", role.clone(), None),
                "patch": op("Change an access level", "200", role.clone(), Some(json!({ "$ref": "#/components/schemas/RoleInput" }))),
                "delete": op("Delete a custom access level no admin uses", "200", json!({ "type": "object" }), None)
            },
            "/routers": {
                "get": op("List routers with their status", "200", list_of("#/components/schemas/Router"), None),
                "post": op("Register a router; the password is sealed and never returned", "201", json!({ "$ref": "#/components/schemas/Router" }), Some(json!({ "$ref": "#/components/schemas/RouterInput" })))
            },
            "/routers/{id}": {
                "parameters": id_param("id", "integer"),
                "get": op("One router: settings, status (online | offline | auth_failed | unknown), last_error and live state", "200", json!({ "$ref": "#/components/schemas/Router" }), None),
                "patch": op("Change a router (an absent or empty password keeps the saved one)", "200", json!({ "$ref": "#/components/schemas/Router" }), Some(json!({ "$ref": "#/components/schemas/RouterInput" }))),
                "delete": op("Delete a router no customer uses", "200", json!({ "type": "object" }), None)
            },
            "/routers/{id}/sync": {
                "parameters": id_param("id", "integer"),
                "post": op("Reconcile the router with the store now", "202", json!({ "type": "object" }), None)
            },
            "/plans": {
                "get": op("List service packages", "200", list_of("#/components/schemas/Plan"), None),
                "post": op("Create a service package (price in integer minor units)", "201", json!({ "$ref": "#/components/schemas/Plan" }), Some(json!({ "$ref": "#/components/schemas/PlanInput" })))
            },
            "/plans/{id}": {
                "parameters": id_param("id", "integer"),
                "get": op("One service package", "200", json!({ "$ref": "#/components/schemas/Plan" }), None),
                "patch": op("Change a package; routers' profiles follow", "200", json!({ "$ref": "#/components/schemas/Plan" }), Some(json!({ "$ref": "#/components/schemas/PlanInput" }))),
                "delete": op("Delete a package nobody is on", "200", json!({ "type": "object" }), None)
            },
            "/customers": {
                "get": {
                    "summary": "Search customers",
                    "parameters": [
                        { "name": "q", "in": "query", "schema": { "type": "string" } },
                        { "name": "status", "in": "query", "schema": { "type": "string", "enum": ["active", "expired", "suspended", "disabled"] } },
                        { "name": "kind", "in": "query", "schema": { "type": "string", "enum": ["individual", "organization"] } },
                        { "name": "plan_id", "in": "query", "schema": { "type": "integer" } },
                        { "name": "router_id", "in": "query", "schema": { "type": "integer" } },
                        { "name": "expiring", "in": "query", "description": "entitled and expiring within this many days", "schema": { "type": "integer" } },
                        { "name": "sort", "in": "query", "schema": { "type": "string", "enum": ["name", "login", "expires", "created"] } },
                        { "name": "desc", "in": "query", "schema": { "type": "string", "enum": ["1"] } },
                        { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } },
                        { "name": "per", "in": "query", "schema": { "type": "integer", "maximum": 1000 } }
                    ],
                    "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": {
                        "type": "object", "properties": { "items": { "type": "array", "items": { "$ref": "#/components/schemas/Customer" } }, "total": { "type": "integer" } } } } } } }
                },
                "post": op("Add a customer; the router follows at once", "201", json!({ "$ref": "#/components/schemas/Customer" }), Some(json!({ "$ref": "#/components/schemas/CustomerInput" })))
            },
            "/customers/{id}": {
                "parameters": id_param("id", "integer"),
                "get": op("One customer", "200", json!({ "$ref": "#/components/schemas/Customer" }), None),
                "patch": op("Change a customer (status, plan, router, expiry, …)", "200", json!({ "$ref": "#/components/schemas/Customer" }), Some(json!({ "$ref": "#/components/schemas/CustomerInput" }))),
                "delete": op("Delete a customer without financial history (else archive)", "200", json!({ "type": "object" }), None)
            },
            "/customers/{id}/kick": {
                "parameters": id_param("id", "integer"),
                "post": op("Disconnect the customer's live session(s)", "200", json!({ "type": "object", "properties": { "kicked": { "type": "integer" } } }), None)
            },
            "/payments": {
                "get": {
                    "summary": "Payments, newest first, with their allocations to bills",
                    "parameters": [
                        { "name": "customer_id", "in": "query", "schema": { "type": "integer" } },
                        { "name": "from", "in": "query", "schema": { "type": "string", "format": "date" } },
                        { "name": "to", "in": "query", "schema": { "type": "string", "format": "date" } },
                        { "name": "method", "in": "query", "schema": { "type": "string" } },
                        { "name": "customer_kind", "in": "query", "schema": { "type": "string" } },
                        { "name": "plan_id", "in": "query", "schema": { "type": "integer" } },
                        { "name": "router_id", "in": "query", "schema": { "type": "integer" } },
                        { "name": "recorded_by", "in": "query", "schema": { "type": "string" } }
                    ],
                    "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": {
                        "type": "object", "properties": { "items": { "type": "array", "items": { "$ref": "#/components/schemas/Payment" } }, "total": { "type": "integer" } } } } } } }
                },
                "post": {
                    "summary": "Record a payment: settles the oldest open bills, extends service and wakes the router. A repeated Idempotency-Key returns the first payment (200) instead of recording another.",
                    "parameters": [{ "name": "Idempotency-Key", "in": "header", "schema": { "type": "string", "maxLength": 100 } }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PaymentInput" } } } },
                    "responses": {
                        "201": { "description": "Recorded", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Payment" } } } },
                        "200": { "description": "Already recorded under this Idempotency-Key", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Payment" } } } },
                        "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" },
                        "403": { "$ref": "#/components/responses/Error" }, "422": { "$ref": "#/components/responses/Error" }
                    }
                }
            },
            "/payments/{id}": {
                "parameters": id_param("id", "integer"),
                "get": op("One payment", "200", json!({ "$ref": "#/components/schemas/Payment" }), None)
            },
            "/payments/{id}/reverse": {
                "parameters": id_param("id", "integer"),
                "post": op("Reverse a payment with a linked entry; bills and expiry are undone", "201", json!({ "$ref": "#/components/schemas/Payment" }), Some(json!({ "type": "object", "required": ["reason"], "properties": { "reason": { "type": "string" } } })))
            },
            "/extensions": {
                "get": {
                    "summary": "Extension history, newest first",
                    "parameters": [
                        { "name": "customer_id", "in": "query", "schema": { "type": "integer" } },
                        { "name": "free", "in": "query", "schema": { "type": "string", "enum": ["1", "0"] } },
                        { "name": "by", "in": "query", "schema": { "type": "string" } },
                        { "name": "from", "in": "query", "schema": { "type": "string", "format": "date" } },
                        { "name": "to", "in": "query", "schema": { "type": "string", "format": "date" } }
                    ],
                    "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": list_of("#/components/schemas/Extension") } } } }
                },
                "post": op("Extend a customer by whole days from max(now, expiry)", "201", json!({ "$ref": "#/components/schemas/Extension" }), Some(json!({
                    "type": "object", "required": ["customer_id", "days", "reason"], "additionalProperties": false,
                    "properties": { "customer_id": { "type": "integer" }, "days": { "type": "integer", "minimum": 1, "maximum": 3660 }, "free": { "type": "boolean" }, "reason": { "type": "string" } } })))
            },
            "/bills": {
                "get": {
                    "summary": "Bills by due date",
                    "parameters": [
                        { "name": "customer_id", "in": "query", "schema": { "type": "integer" } },
                        { "name": "status", "in": "query", "schema": { "type": "string", "enum": ["pending", "paid", "void"] } }
                    ],
                    "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": list_of("#/components/schemas/Bill") } } } }
                },
                "post": op("Raise a bill for the customer's next period by hand", "201", json!({ "$ref": "#/components/schemas/Bill" }), Some(json!({
                    "type": "object", "required": ["customer_id"], "additionalProperties": false,
                    "properties": { "customer_id": { "type": "integer" }, "note": { "type": "string" } } })))
            },
            "/bank-accounts": {
                "get": op("Bank accounts customers pay into", "200", list_of("#/components/schemas/BankAccount"), None),
                "post": op("Add a bank account", "201", json!({ "$ref": "#/components/schemas/BankAccount" }), Some(json!({
                    "type": "object", "additionalProperties": false,
                    "properties": { "bank": { "type": "string" }, "number": { "type": "string" }, "holder": { "type": "string" }, "currency": { "type": "string" }, "note": { "type": "string" }, "active": { "type": "boolean" } } })))
            },
            "/dashboard": { "get": op("The dashboard's figures: customers per router and package, 12 months of new/lost customers and revenue, revenue per method, today's expiries, pending bills, offline routers", "200", json!({ "type": "object" }), None) },
            "/messages": {
                "get": {
                    "summary": "Messages with their delivery attempts",
                    "parameters": [{ "name": "customer_id", "in": "query", "schema": { "type": "integer" } }],
                    "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } } }
                },
                "post": op("Queue a message to customers; placeholders {name} {login} {plan} {expiry} {days_left} {amount_due} {bank_accounts} {company} are filled per customer", "201", json!({ "type": "object" }), Some(json!({
                    "type": "object", "required": ["customer_ids", "channels", "body"], "additionalProperties": false,
                    "properties": { "customer_ids": { "type": "array", "items": { "type": "integer" } },
                                    "channels": { "type": "array", "items": { "type": "string", "enum": ["sms_router", "sms_gateway", "email"] } },
                                    "subject": { "type": "string" }, "body": { "type": "string" } } })))
            },
            "/feedback": {
                "get": {
                    "summary": "Customer feedback (requests, complaints, inquiries) with their replies, newest first",
                    "parameters": [
                        { "name": "status", "in": "query", "schema": { "type": "string", "enum": ["new", "in_progress", "resolved"] } },
                        { "name": "customer_id", "in": "query", "schema": { "type": "integer" } }
                    ],
                    "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } } }
                }
            },
            "/feedback/{id}/reply": {
                "parameters": id_param("id", "integer"),
                "post": op("Reply to a customer's feedback; the reply shows in their portal, and with sms=true also goes by SMS", "200", json!({ "type": "object" }), Some(json!({
                    "type": "object", "required": ["text"], "additionalProperties": false,
                    "properties": { "text": { "type": "string" }, "sms": { "type": "boolean" } } })))
            },
            "/backup": { "post": {
                "summary": "A consistent backup of the whole installation (database, secret.key), taken while the server runs; restore it with `steppe restore FILE`. Needs edit rights on both Settings and Admins; audited",
                "responses": {
                    "200": { "description": "The backup file", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
                    "403": { "description": "Not allowed" }
                }
            } },
            "/audit": { "get": {
                "summary": "Audit log, newest first (100 per page)",
                "parameters": [
                    { "name": "who", "in": "query", "schema": { "type": "string" } },
                    { "name": "entity", "in": "query", "schema": { "type": "string" } },
                    { "name": "from", "in": "query", "schema": { "type": "string", "format": "date" } },
                    { "name": "to", "in": "query", "schema": { "type": "string", "format": "date" } },
                    { "name": "before", "in": "query", "schema": { "type": "integer" } }
                ],
                "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": list_of("#/components/schemas/AuditEntry") } } } }
            } },
            "/reports/revenue": { "get": report_op(
                "Revenue: payments received in the range (reversals as negative rows), totals overall, per method and per day or month, and bills raised",
                json!([
                    { "name": "from", "in": "query", "schema": { "type": "string", "format": "date" } },
                    { "name": "to", "in": "query", "schema": { "type": "string", "format": "date" } },
                    { "name": "method", "in": "query", "schema": { "type": "string" } },
                    { "name": "customer_kind", "in": "query", "schema": { "type": "string", "enum": ["individual", "organization"] } },
                    { "name": "plan_id", "in": "query", "schema": { "type": "integer" } },
                    { "name": "router_id", "in": "query", "schema": { "type": "integer" } },
                    { "name": "recorded_by", "in": "query", "schema": { "type": "string" } },
                    { "name": "group", "in": "query", "schema": { "type": "string", "enum": ["day", "month"] } }
                ])) },
            "/reports/customers": { "get": report_op(
                "Customers (archived left out): counts by kind, plan, status and router, and the list",
                json!([
                    { "name": "kind", "in": "query", "schema": { "type": "string", "enum": ["individual", "organization"] } },
                    { "name": "plan_id", "in": "query", "schema": { "type": "integer" } },
                    { "name": "status", "in": "query", "schema": { "type": "string", "enum": ["active", "expired", "suspended", "disabled"] } },
                    { "name": "router_id", "in": "query", "schema": { "type": "integer" } },
                    { "name": "expiring_within_days", "in": "query", "schema": { "type": "integer", "minimum": 0 } }
                ])) },
            "/reports/plans": { "get": report_op(
                "Service packages with subscribers, served now and revenue in the range; extension history",
                json!([
                    { "name": "from", "in": "query", "schema": { "type": "string", "format": "date" } },
                    { "name": "to", "in": "query", "schema": { "type": "string", "format": "date" } },
                    { "name": "free", "in": "query", "schema": { "type": "string", "enum": ["1", "0"] } },
                    { "name": "by", "in": "query", "schema": { "type": "string" } }
                ])) }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "responses": { "Error": { "description": "Error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": { "code": { "type": "string" }, "message": { "type": "string" },
                                    "fields": { "type": "object", "additionalProperties": { "type": "string" } } } } } },
                "Admin": { "type": "object", "required": ["id", "username", "full_name", "active", "role_id", "created_at"], "properties": {
                    "id": { "type": "integer" }, "username": { "type": "string" }, "full_name": { "type": "string" },
                    "phone": { "type": "string" }, "email": { "type": "string" }, "active": { "type": "boolean" },
                    "note": { "type": "string" }, "role_id": { "type": "string" }, "overrides": grants.clone(),
                    "lang": { "type": ["string", "null"], "enum": ["en", "mn", null] },
                    "created_at": { "type": "string", "format": "date-time" },
                    "last_login_at": { "type": ["string", "null"], "format": "date-time" },
                    "permissions": grants.clone() } },
                "AdminInput": { "type": "object", "additionalProperties": false, "properties": {
                    "username": { "type": "string", "pattern": "^[a-z0-9._-]{3,32}$" }, "full_name": { "type": "string", "maxLength": 100 },
                    "phone": { "type": "string" }, "email": { "type": "string" }, "active": { "type": "boolean" },
                    "note": { "type": "string" }, "role_id": { "type": "string" }, "overrides": grants.clone(),
                    "password": { "type": "string", "minLength": 8 } } },
                "Role": { "type": "object", "required": ["id", "name", "grants", "builtin"], "properties": {
                    "id": { "type": "string" }, "name": { "type": "string" }, "description": { "type": "string" },
                    "grants": grants.clone(), "builtin": { "type": "boolean" } } },
                "RoleInput": { "type": "object", "additionalProperties": false, "properties": {
                    "id": { "type": "string", "pattern": "^[a-z0-9_]{2,32}$" }, "name": { "type": "string" },
                    "description": { "type": "string" }, "grants": grants } },
                "Router": { "type": "object", "required": ["id", "name", "host", "port", "status"], "properties": {
                    "id": { "type": "integer" }, "name": { "type": "string" }, "host": { "type": "string" }, "port": { "type": "integer" },
                    "tls": { "type": "boolean" }, "tls_fingerprint": { "type": "string" }, "username": { "type": "string" },
                    "login_method": { "type": "string", "enum": ["auto", "plain", "challenge"] }, "hotspot_server": { "type": "string" },
                    "pppoe": { "type": "boolean" }, "note": { "type": "string" }, "created_at": { "type": "string", "format": "date-time" },
                    "status": { "type": "string", "enum": ["unknown", "online", "offline", "auth_failed"] }, "last_error": { "type": "string" },
                    "state": { "type": "object" } } },
                "RouterInput": { "type": "object", "additionalProperties": false, "properties": {
                    "name": { "type": "string" }, "host": { "type": "string" }, "port": { "type": "integer" }, "tls": { "type": "boolean" },
                    "tls_fingerprint": { "type": "string" }, "username": { "type": "string" }, "password": { "type": "string" },
                    "login_method": { "type": "string", "enum": ["auto", "plain", "challenge"] }, "hotspot_server": { "type": "string" },
                    "pppoe": { "type": "boolean" }, "note": { "type": "string" } } },
                "Plan": { "type": "object", "required": ["id", "name", "kind", "price"], "properties": {
                    "id": { "type": "integer" }, "name": { "type": "string" }, "kind": { "type": "string", "enum": ["hotspot", "pppoe"] },
                    "price": { "type": "integer", "description": "minor units" }, "duration_days": { "type": "integer" },
                    "duration_hours": { "type": "integer" }, "download": { "type": "string" }, "upload": { "type": "string" },
                    "burst": { "type": ["object", "null"] }, "shared_users": { "type": "integer" }, "local_address": { "type": "string" },
                    "remote_address": { "type": "string" }, "profile": { "type": "string" }, "active": { "type": "boolean" },
                    "description": { "type": "string" }, "created_at": { "type": "string", "format": "date-time" } } },
                "PlanInput": { "type": "object", "additionalProperties": false, "properties": {
                    "name": { "type": "string" }, "kind": { "type": "string", "enum": ["hotspot", "pppoe"] },
                    "price": { "type": "integer", "minimum": 0 }, "duration_days": { "type": "integer" }, "duration_hours": { "type": "integer", "maximum": 23 },
                    "download": { "type": "string", "pattern": "^[0-9]+[kMG]?$" }, "upload": { "type": "string", "pattern": "^[0-9]+[kMG]?$" },
                    "shared_users": { "type": "integer" }, "burst_download": { "type": "string" }, "burst_upload": { "type": "string" },
                    "burst_threshold_download": { "type": "string" }, "burst_threshold_upload": { "type": "string" }, "burst_time": { "type": "integer" },
                    "local_address": { "type": "string" }, "remote_address": { "type": "string" }, "active": { "type": "boolean" },
                    "description": { "type": "string" } } },
                "Customer": { "type": "object", "required": ["id", "kind", "name", "login", "router_id", "plan_id", "status", "expires_at"], "properties": {
                    "id": { "type": "integer" }, "kind": { "type": "string", "enum": ["individual", "organization"] }, "name": { "type": "string" },
                    "reg_no": { "type": "string" }, "contact_person": { "type": "string" }, "phone": { "type": "string" }, "email": { "type": "string" },
                    "address": { "type": "string" }, "note": { "type": "string" }, "login": { "type": "string" },
                    "router_id": { "type": "integer" }, "plan_id": { "type": "integer" },
                    "status": { "type": "string", "enum": ["active", "expired", "suspended", "disabled"] }, "entitled": { "type": "boolean" },
                    "expires_at": { "type": "string", "format": "date-time" }, "created_at": { "type": "string", "format": "date-time" },
                    "created_by": { "type": "string" }, "archived": { "type": "boolean" },
                    "lang": { "type": ["string", "null"], "enum": ["en", "mn", null] } } },
                "CustomerInput": { "type": "object", "additionalProperties": false, "properties": {
                    "kind": { "type": "string", "enum": ["individual", "organization"] }, "name": { "type": "string" },
                    "reg_no": { "type": "string" }, "contact_person": { "type": "string" }, "phone": { "type": "string" }, "email": { "type": "string" },
                    "address": { "type": "string" }, "note": { "type": "string" }, "login": { "type": "string", "pattern": "^[A-Za-z0-9._@-]{1,64}$" },
                    "password": { "type": "string" }, "router_id": { "type": "integer" }, "plan_id": { "type": "integer" },
                    "status": { "type": "string", "enum": ["active", "expired", "suspended", "disabled"] },
                    "expires_at": { "type": "string", "format": "date-time" },
                    "lang": { "type": "string", "enum": ["", "en", "mn"] } } },
                "Payment": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "customer_id": { "type": "integer" }, "amount": { "type": "integer", "description": "minor units; negative for a reversal" },
                    "method": { "type": "string" }, "bank_account_id": { "type": ["integer", "null"] }, "reference": { "type": "string" },
                    "received_at": { "type": "string", "format": "date-time" }, "recorded_at": { "type": "string", "format": "date-time" },
                    "recorded_by": { "type": "string" }, "allocations": { "type": "array", "items": { "type": "object" } },
                    "reversed_by": { "type": ["integer", "null"] }, "reversal_of": { "type": ["integer", "null"] }, "reason": { "type": "string" },
                    "customer": { "type": "object" }, "replayed": { "type": "boolean" } } },
                "PaymentInput": { "type": "object", "required": ["customer_id", "amount", "method"], "additionalProperties": false, "properties": {
                    "customer_id": { "type": "integer" }, "amount": { "type": "integer", "minimum": 1 }, "method": { "type": "string" },
                    "bank_account_id": { "type": "integer" }, "reference": { "type": "string" }, "received_at": { "type": "string", "format": "date-time" } } },
                "Extension": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "customer_id": { "type": "integer" }, "days": { "type": "integer" }, "free": { "type": "boolean" },
                    "reason": { "type": "string" }, "by": { "type": "string" }, "at": { "type": "string", "format": "date-time" },
                    "expires_before": { "type": "string", "format": "date-time" }, "expires_after": { "type": "string", "format": "date-time" } } },
                "Bill": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "customer_id": { "type": "integer" }, "plan_id": { "type": "integer" }, "amount": { "type": "integer" },
                    "paid": { "type": "integer" }, "period_start": { "type": "string", "format": "date-time" }, "period_end": { "type": "string", "format": "date-time" },
                    "due": { "type": "string", "format": "date-time" }, "status": { "type": "string", "enum": ["pending", "paid", "void"] } } },
                "BankAccount": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "bank": { "type": "string" }, "number": { "type": "string" }, "holder": { "type": "string" },
                    "currency": { "type": "string" }, "note": { "type": "string" }, "active": { "type": "boolean" } } },
                "AuditEntry": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "at": { "type": "string", "format": "date-time" },
                    "actor": { "type": "object" }, "action": { "type": "string" }, "entity": { "type": "string" },
                    "entity_id": { "type": "string" }, "summary": { "type": "string" } } }
            }
        }
    })
}
