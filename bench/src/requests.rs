//! The requests the latency benchmark sends: one per HTTP route of the
//! template, taken from the function's sample events (`events/<binary>/`),
//! so that a new route is measured as soon as it has a sample event, and
//! the same request reaches the function through the gateway and directly.
//!
//! A sample event names fixed data (page `home`, a made-up video id). Before
//! the load, each request is sent once through the gateway ([`prime`]) until
//! it finds that data: routes are retried until none changes, so that the
//! POST that creates a page runs before the GET that reads it; and a route
//! ending in a path parameter (`/api/videos/{id}`) that answers 404 takes
//! the value from what its collection's POST answered (`POST /api/videos`
//! → `{"id": ...}`), the REST convention the API follows. What still fails
//! is measured as it answers, and its status is reported beside it.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use base64::Engine;
use rightnow_infra::template::Route;
use serde_json::Value;

use crate::wrk;

/// One route's request, as an API Gateway v2 event.
#[derive(Debug, Clone)]
pub struct RouteRequest {
    /// `GET /api/videos/{id}`.
    pub route: String,
    /// The sample event's file stem.
    pub event_name: String,
    /// The sample event, as the function reads it.
    pub event: ApiGatewayV2httpRequest,
}

impl RouteRequest {
    fn path_and_query(&self) -> String {
        let path = self.event.raw_path.as_deref().unwrap_or("/");
        match self.event.raw_query_string.as_deref() {
            Some(q) if !q.is_empty() => format!("{path}?{q}"),
            _ => path.to_owned(),
        }
    }

    fn body(&self) -> Result<Option<Vec<u8>>> {
        let Some(body) = &self.event.body else {
            return Ok(None);
        };
        if self.event.is_base64_encoded {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(body)
                .with_context(|| format!("{}: body is not base64", self.event_name))?;
            Ok(Some(bytes))
        } else {
            Ok(Some(body.as_bytes().to_vec()))
        }
    }

    /// The request a browser would send to the API at `base` (the stage
    /// URL, no trailing slash). The gateway sets `host` and the rest.
    pub fn http(&self, base: &str) -> Result<wrk::Request> {
        let headers = self
            .event
            .headers
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "host" | "content-length"))
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        Ok(wrk::Request {
            method: self.event.request_context.http.method.as_str().to_owned(),
            url: format!("{base}{}", self.path_and_query()),
            headers,
            body: self.body()?,
        })
    }

    /// The Lambda Invoke call that hands this event to the function
    /// directly, at `invocations` (`.../functions/<name>/invocations`).
    pub fn invoke(&self, invocations: &str) -> Result<wrk::Request> {
        Ok(wrk::Request {
            method: "POST".into(),
            url: invocations.to_owned(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(serde_json::to_vec(&self.event)?),
        })
    }

    /// Replaces the value of path parameter `name` by `value`, in the
    /// parameters and in the path.
    fn set_path_parameter(&mut self, name: &str, value: &str) {
        let Some(old) = self.event.path_parameters.get(name).cloned() else {
            return;
        };
        let path = self.event.raw_path.as_deref().unwrap_or_default();
        let new_path: Vec<&str> = path
            .split('/')
            .map(|seg| if seg == old { value } else { seg })
            .collect();
        let new_path = new_path.join("/");
        self.event
            .path_parameters
            .insert(name.to_owned(), value.to_owned());
        self.event.raw_path = Some(new_path.clone());
        self.event.request_context.http.path = Some(new_path);
    }
}

/// The sample events of `binary` for each of `routes` (its routes in the
/// template), in file-name order. A route without one is returned with no
/// candidates, so that the report can say so; a file that is not an API
/// Gateway v2 event is an error.
pub fn candidates(
    root: &Path,
    binary: &str,
    routes: &[Route],
) -> Result<Vec<(Route, Vec<RouteRequest>)>> {
    let mut events = Vec::new();
    for p in rightnow_infra::tools::sample_events(root, binary) {
        let text = std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?;
        let event: ApiGatewayV2httpRequest = serde_json::from_slice(&text)
            .with_context(|| format!("{} is not an API Gateway v2 event", p.display()))?;
        let Some(route) = event.route_key.clone() else {
            continue;
        };
        events.push(RouteRequest {
            route,
            event_name: p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            event,
        });
    }
    Ok(routes
        .iter()
        .map(|r| {
            let key = r.key();
            let mine = events.iter().filter(|e| e.route == key).cloned().collect();
            (r.clone(), mine)
        })
        .collect())
}

/// A route's request after priming, and the status it answered.
#[derive(Debug, Clone)]
pub struct Primed {
    /// The route in the template.
    pub route: Route,
    /// The request that answered best (2xx if any did).
    pub request: RouteRequest,
    /// What it answered through the gateway.
    pub status: u16,
}

/// Sends each route's candidates through the gateway at `base` until one
/// answers 2xx, over passes until a pass changes nothing (see the module
/// docs). Routes with no sample event are left out.
pub async fn prime(base: &str, routes: Vec<(Route, Vec<RouteRequest>)>) -> Result<Vec<Primed>> {
    let client = reqwest::Client::new();
    // What each collection's POST answered, by the collection's path.
    let mut created: HashMap<String, Value> = HashMap::new();
    let mut primed: Vec<Option<Primed>> = vec![None; routes.len()];
    for _pass in 0..4 {
        let mut changed = false;
        for (i, (route, candidates)) in routes.iter().enumerate() {
            if primed[i].as_ref().is_some_and(|p| is_ok(p.status)) {
                continue;
            }
            for candidate in candidates {
                let mut request = candidate.clone();
                if let Some((collection, param)) = last_parameter(&route.path)
                    && let Some(value) = created
                        .get(collection)
                        .and_then(|v| v.get(param))
                        .and_then(Value::as_str)
                {
                    request.set_path_parameter(param, value);
                }
                let (status, body) = send(&client, &request.http(base)?).await?;
                if route.method == "POST"
                    && is_ok(status)
                    && let Ok(json) = serde_json::from_slice::<Value>(&body)
                {
                    created.insert(route.path.clone(), json);
                }
                if is_ok(status) || primed[i].is_none() {
                    changed |= is_ok(status);
                    primed[i] = Some(Primed {
                        route: route.clone(),
                        request,
                        status,
                    });
                }
                if is_ok(status) {
                    break;
                }
            }
        }
        if !changed {
            break;
        }
    }
    Ok(primed.into_iter().flatten().collect())
}

fn is_ok(status: u16) -> bool {
    (200..300).contains(&status)
}

/// `/api/videos/{id}` → (`/api/videos`, `id`).
fn last_parameter(path: &str) -> Option<(&str, &str)> {
    let (collection, last) = path.rsplit_once('/')?;
    let param = last.strip_prefix('{')?.strip_suffix('}')?;
    Some((collection, param.trim_end_matches('+')))
}

async fn send(client: &reqwest::Client, req: &wrk::Request) -> Result<(u16, Vec<u8>)> {
    let method = reqwest::Method::from_bytes(req.method.as_bytes())?;
    let mut builder = client.request(method, &req.url);
    for (k, v) in &req.headers {
        builder = builder.header(k, v);
    }
    if let Some(body) = &req.body {
        builder = builder.body(body.clone());
    }
    let res = builder
        .send()
        .await
        .with_context(|| format!("{} {}", req.method, req.url))?;
    let status = res.status().as_u16();
    Ok((status, res.bytes().await?.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The routes of one function, whose sample events are in its own
    /// `events/<binary>/`.
    fn routes_of(binary: &str) -> Vec<Route> {
        rightnow_infra::template::Template::project()
            .unwrap()
            .functions()
            .into_iter()
            .find(|f| f.binary == binary)
            .unwrap()
            .routes()
            .cloned()
            .collect()
    }

    #[test]
    fn every_route_has_a_sample_event_of_its_own_function() {
        let root = rightnow_infra::tools::workspace_root();
        let template = rightnow_infra::template::Template::project().unwrap();
        let fronted: Vec<_> = template
            .functions()
            .into_iter()
            .filter(|f| f.is_http())
            .collect();
        assert!(fronted.len() >= 2, "site-api and chatbot are fronted");
        for f in fronted {
            let routes: Vec<Route> = f.routes().cloned().collect();
            for (route, candidates) in candidates(&root, &f.binary, &routes).unwrap() {
                assert!(
                    !candidates.is_empty(),
                    "no sample event for {} in events/{}/",
                    route.key(),
                    f.binary
                );
            }
        }
    }

    #[test]
    fn a_path_parameter_is_replaced_in_the_path_and_the_parameters() {
        let root = rightnow_infra::tools::workspace_root();
        let all = candidates(&root, "site-api", &routes_of("site-api")).unwrap();
        let (_, video) = all
            .into_iter()
            .find(|(r, _)| r.path == "/api/videos/{id}")
            .unwrap();
        let mut req = video[0].clone();
        req.set_path_parameter("id", "01abc");
        assert_eq!(req.event.raw_path.as_deref(), Some("/api/videos/01abc"));
        assert_eq!(
            req.event.request_context.http.path.as_deref(),
            Some("/api/videos/01abc")
        );
        assert_eq!(req.event.path_parameters["id"], "01abc");
        let http = req.http("http://gw/$default").unwrap();
        assert_eq!(http.url, "http://gw/$default/api/videos/01abc");
        assert!(http.headers.iter().all(|(k, _)| k != "host"));
    }

    #[test]
    fn the_invoke_body_is_the_sample_event_as_the_function_reads_it() {
        let root = rightnow_infra::tools::workspace_root();
        for (route, candidates) in candidates(&root, "site-api", &routes_of("site-api")).unwrap() {
            for req in candidates {
                let body = req.invoke("http://lambda/invocations").unwrap().body;
                let back: ApiGatewayV2httpRequest = serde_json::from_slice(&body.unwrap()).unwrap();
                assert_eq!(back, req.event, "{}", req.event_name);
                let http = req.http("http://gw").unwrap();
                assert_eq!(http.method, route.method, "{}", req.event_name);
            }
        }
    }

    #[test]
    fn the_last_parameter_names_its_collection() {
        assert_eq!(
            last_parameter("/api/videos/{id}"),
            Some(("/api/videos", "id"))
        );
        assert_eq!(last_parameter("/api/pages/{slug}/views"), None);
    }
}
