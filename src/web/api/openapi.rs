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
            } }
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
                "AuditEntry": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "at": { "type": "string", "format": "date-time" },
                    "actor": { "type": "object" }, "action": { "type": "string" }, "entity": { "type": "string" },
                    "entity_id": { "type": "string" }, "summary": { "type": "string" } } }
            }
        }
    })
}
